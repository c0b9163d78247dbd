using Lowbit.Nn.Layers.Recurrent;
using Lowbit.Testing;
using Lowbit.Tensors;

namespace Lowbit.Nn.Tests.Recurrent;

/// <summary>LSTM and GRU cells and unrolled sequences against central finite differences in double precision.</summary>
public class RecurrentGradientTests
{
    private static RecurrentLayer Create(string kind, int input, int hidden, int layers, int seed) => kind == "lstm"
        ? new Lstm(input, hidden, new Random(seed), layers, initRange: 0.8)
        : new Gru(input, hidden, new Random(seed), layers, initRange: 0.8);

    [Theory]
    [InlineData("lstm", 1, 1)]
    [InlineData("gru", 1, 1)]
    [InlineData("lstm", 3, 1)]
    [InlineData("gru", 3, 1)]
    [InlineData("lstm", 3, 2)]
    [InlineData("gru", 3, 2)]
    public void Sequence_InputsParametersAndInitialState_MatchFiniteDifferences(string kind, int steps, int layers)
    {
        var rng = new Random(11);
        var layer = Create(kind, input: 3, hidden: 4, layers, seed: 5);
        layer.ConvertTo(DType.Float64);
        var x = GradCheck.Input(rng, [steps, 2, 3]);
        var h0 = GradCheck.Input(rng, [layers, 2, 4], -0.9, 0.9);
        var c0 = layer.HasCell ? GradCheck.Input(rng, [layers, 2, 4], -1.5, 1.5) : null;
        Tensor[] inputs = [x, h0, .. c0 is null ? Array.Empty<Tensor>() : [c0], .. layer.Parameters().Select(p => p.Value)];
        GradCheck.Check(_ => layer.Forward(x, new RecurrentState(h0, c0)).Output, inputs, seed: 3, maxCoordinates: 40);
    }

    [Theory]
    [InlineData("lstm")]
    [InlineData("gru")]
    public void Forward_FromZeroState_MatchesUnrolledReference(string kind)
    {
        var rng = new Random(12);
        var layer = Create(kind, input: 5, hidden: 6, layers: 2, seed: 7);
        layer.ConvertTo(DType.Float64);
        var x = GradCheck.Input(rng, [4, 3, 5]);
        var fused = RecurrentReference.Steps(layer.Forward(x, null).Output);
        var reference = RecurrentReference.Run(layer, x, null, null);
        for (int t = 0; t < fused.Count; t++)
        {
            var a = fused[t].ToDoubleArray();
            var b = reference[t].ToDoubleArray();
            for (int i = 0; i < a.Length; i++) Assert.True(Math.Abs(a[i] - b[i]) < 1e-12, $"step {t} element {i}: fused {a[i]:R}, reference {b[i]:R}");
        }
    }
}
