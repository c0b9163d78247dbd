using Lowbit.Nn.Layers.Recurrent;
using Lowbit.Quantization;
using Lowbit.Testing;
using Lowbit.Tensors;

namespace Lowbit.Nn.Tests.Recurrent;

/// <summary>
/// Quantized LSTM/GRU: a step quantizer's forward is piecewise constant, so finite differences cannot check it; the fused
/// ops are compared instead with the unrolled reference built from ordinary autograd ops and the same quantizers
/// (values and every gradient, including a learnable clipping level's).
/// </summary>
public class QuantizedRecurrentTests
{
    private static Func<Quantizer> Spec(string type, params (string Key, object Value)[] options) =>
        () => QuantizerRegistry.Create(new QuantizerSpec(type, options.ToDictionary(o => o.Key, o => o.Value)));

    private static RecurrentQuantizers AllSites(Func<Quantizer> hidden) => new(
        Weight: Spec("dorefa_weight", ("bits", 2.0)),
        Input: Spec("linear_quant", ("bits", 3.0)),
        Hidden: hidden,
        Gate: Spec("dorefa_act", ("bits", 2.0)),
        Candidate: Spec("linear_quant", ("bits", 3.0)));

    private static RecurrentReference.Sites ReferenceSites(RecurrentQuantizers q) =>
        new(q.Weight!(), q.Input!(), q.Gate!(), q.Candidate!(), q.Hidden!());

    [Theory]
    [InlineData("lstm")]
    [InlineData("gru")]
    public void QuantizedSequence_ValuesAndGradients_MatchUnrolledReference(string kind)
    {
        var quantizers = AllSites(Spec("linear_quant", ("bits", 2.0)));
        var rng = new Random(21);
        RecurrentLayer layer = kind == "lstm"
            ? new Lstm(4, 5, new Random(3), layers: 2, quantizers: quantizers, initRange: 0.9)
            : new Gru(4, 5, new Random(3), layers: 2, quantizers: quantizers, initRange: 0.9);
        layer.ConvertTo(DType.Float64);
        var x = GradCheck.Input(rng, [3, 2, 4], -1.5, 1.5);
        var h0 = GradCheck.Input(rng, [2, 2, 5], -0.9, 0.9);
        var c0 = layer.HasCell ? GradCheck.Input(rng, [2, 2, 5], -1, 1) : null;
        Tensor[] leaves = [x, h0, .. c0 is null ? Array.Empty<Tensor>() : [c0], .. layer.Parameters().Select(p => p.Value)];

        var fused = RecurrentReference.Steps(layer.Forward(x, new RecurrentState(h0, c0)).Output);
        Assert.All(fused.SelectMany(o => o.ToDoubleArray()), v => Assert.Contains(v, new[] { -1.0, 0.0, 1.0 })); // 2-bit signed h
        RecurrentReference.Objective(fused, seed: 4).Backward();
        var fusedGrads = leaves.Select(t => t.Grad?.ToDoubleArray()).ToList();
        foreach (var t in leaves) t.Grad = null;

        var reference = RecurrentReference.Run(layer, x, h0, c0, ReferenceSites(quantizers));
        RecurrentReference.Objective(reference, seed: 4).Backward();
        for (int s = 0; s < fused.Count; s++)
            AssertClose(reference[s].ToDoubleArray(), fused[s].ToDoubleArray(), $"output of step {s}");
        for (int i = 0; i < leaves.Length; i++)
            AssertClose(leaves[i].Grad?.ToDoubleArray() ?? new double[leaves[i].Length], fusedGrads[i] ?? new double[leaves[i].Length], $"gradient of leaf {i} {leaves[i]}");
    }

    [Fact]
    public void LearnableHiddenQuantizer_ReceivesTheReferenceGradient()
    {
        // PACT on h: its clipping level α is a parameter of the layer and gets ∂L/∂α summed over every step.
        var quantizers = new RecurrentQuantizers(Hidden: Spec("pact", ("bits", 2.0), ("alpha", 0.3)));
        var layer = new Lstm(3, 4, new Random(8), quantizers: quantizers, initRange: 1.0);
        layer.ConvertTo(DType.Float64);
        var x = GradCheck.Input(new Random(9), [4, 2, 3], -2, 2);
        RecurrentReference.Objective(RecurrentReference.Steps(layer.Forward(x, null).Output), seed: 2).Backward();
        var alpha = layer.HiddenQuantizer(0)!.Parameters().Single();
        double fusedAlpha = alpha.Grad!.Item();
        Assert.NotEqual(0, fusedAlpha);

        var pact = quantizers.Hidden!();
        pact.ConvertTo(DType.Float64);
        var referenceAlpha = pact.LearnableTensors.Single().Value;
        RecurrentReference.Objective(RecurrentReference.Run(layer, x.Detach(), null, null, new RecurrentReference.Sites(Hidden: pact)), seed: 2).Backward();
        Assert.Equal(referenceAlpha.Grad!.Item(), fusedAlpha, 12);
    }

    private static void AssertClose(double[] expected, double[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-10 * Math.Max(1, Math.Abs(expected[i])), $"{what}, element {i}: reference {expected[i]:R}, fused {actual[i]:R}");
    }
}
