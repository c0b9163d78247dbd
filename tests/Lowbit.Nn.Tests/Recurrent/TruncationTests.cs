using Lowbit.Nn.Layers.Recurrent;
using Lowbit.Testing;
using Lowbit.Tensors;

namespace Lowbit.Nn.Tests.Recurrent;

/// <summary>Truncated back-propagation through time with the state carried across windows.</summary>
public class TruncationTests
{
    private static RecurrentLayer Create(string kind) => kind == "lstm"
        ? new Lstm(3, 4, new Random(2), layers: 2, initRange: 0.7)
        : new Gru(3, 4, new Random(2), layers: 2, initRange: 0.7);

    private static double[][] Gradients(RecurrentLayer layer) => layer.Parameters().Select(p => p.Grad!.ToDoubleArray()).ToArray();

    /// <summary>Runs x [L, B, in] in windows of at most <paramref name="truncation"/> steps through the stateful forward.</summary>
    private static (double[][] Gradients, List<Tensor> Outputs) Windows(RecurrentLayer layer, Tensor x, int truncation)
    {
        layer.ZeroGrad();
        layer.ResetState();
        var outputs = new List<Tensor>();
        for (int start = 0; start < x.Dim(0); start += truncation)
        {
            int steps = Math.Min(truncation, x.Dim(0) - start);
            var window = x.Narrow(start, steps).Detach();
            var steps_ = RecurrentReference.Steps(layer.Forward(window));
            RecurrentReference.Objective(steps_, seed: 10 + start).Backward();
            outputs.AddRange(steps_);
        }

        return (Gradients(layer), outputs);
    }

    [Theory]
    [InlineData("lstm", 5)]
    [InlineData("lstm", 8)]
    [InlineData("gru", 5)]
    public void SequenceWithinTruncationLength_EqualsFullBackpropagationThroughTime(string kind, int truncation)
    {
        var layer = Create(kind);
        layer.ConvertTo(DType.Float64);
        var x = GradCheck.Input(new Random(3), [5, 2, 3]);
        var (truncated, _) = Windows(layer, x, truncation);

        layer.ZeroGrad();
        RecurrentReference.Objective(RecurrentReference.Run(layer, x, null, null), seed: 10).Backward(); // full BPTT, generic autograd
        var full = Gradients(layer);
        for (int p = 0; p < full.Length; p++)
            for (int i = 0; i < full[p].Length; i++)
                Assert.True(Math.Abs(full[p][i] - truncated[p][i]) < 1e-12, $"parameter {p} element {i}: full {full[p][i]:R}, truncated {truncated[p][i]:R}");
    }

    [Theory]
    [InlineData("lstm")]
    [InlineData("gru")]
    public void ShorterWindows_CarryTheStateForward_ButCutTheGradient(string kind)
    {
        var layer = Create(kind);
        layer.ConvertTo(DType.Float64);
        var x = GradCheck.Input(new Random(4), [5, 2, 3]);
        var (whole, wholeOutputs) = Windows(layer, x, 5);
        var (cut, cutOutputs) = Windows(layer, x, 2);
        for (int t = 0; t < 5; t++)
            Assert.Equal(wholeOutputs[t].ToDoubleArray(), cutOutputs[t].ToDoubleArray()); // same forward: the state is carried
        double difference = whole.Zip(cut).Sum(pair => pair.First.Zip(pair.Second).Sum(v => Math.Abs(v.First - v.Second)));
        Assert.True(difference > 1e-6, $"truncation at 2 steps should drop cross-window gradient terms (difference {difference})");
    }

    [Theory]
    [InlineData("lstm")]
    [InlineData("gru")]
    public void CarriedState_IsDetached_NoGradientCrossesTheWindowBoundary(string kind)
    {
        var layer = Create(kind);
        layer.ConvertTo(DType.Float64);
        var rng = new Random(5);
        var h0 = GradCheck.Input(rng, [2, 2, 4], -0.5, 0.5);
        var c0 = layer.HasCell ? GradCheck.Input(rng, [2, 2, 4], -0.5, 0.5) : null;
        var first = GradCheck.Input(rng, [3, 2, 3]);
        var second = GradCheck.Input(rng, [3, 2, 3]);
        layer.CarriedState = new RecurrentState(h0, c0);
        layer.Forward(first);
        var carried = layer.CarriedState!;
        Assert.False(carried.Hidden.TracksGrad);
        Assert.False(carried.Cell?.TracksGrad ?? false);
        var constantStart = carried.DetachedCopy();

        layer.ZeroGrad();
        RecurrentReference.Objective(RecurrentReference.Steps(layer.Forward(second)), seed: 6).Backward();
        Assert.Null(h0.Grad);      // the state that started window 1
        Assert.Null(c0?.Grad);
        Assert.Null(first.Grad);   // window 1's input
        Assert.NotNull(second.Grad);
        var carriedGradients = Gradients(layer);

        // The same window from the carried values as constants gives the same parameter gradients.
        layer.ZeroGrad();
        RecurrentReference.Objective(RecurrentReference.Steps(layer.Forward(second.Detach(), constantStart).Output), seed: 6).Backward();
        var constantGradients = Gradients(layer);
        for (int p = 0; p < constantGradients.Length; p++) Assert.Equal(constantGradients[p], carriedGradients[p]);
    }

    [Fact]
    public void CarriedState_OfAnotherBatchSize_IsAnErrorUntilReset()
    {
        var layer = new Lstm(3, 4, new Random(1));
        layer.Forward(Tensor.Zeros(2, 5, 3));
        var ex = Assert.Throws<InvalidOperationException>(() => layer.Forward(Tensor.Zeros(2, 4, 3)));
        Assert.Contains("ResetState", ex.Message, StringComparison.Ordinal);
        layer.ResetState();
        Assert.Equal([2, 4, 4], layer.Forward(Tensor.Zeros(2, 4, 3)).Shape);
    }
}
