using Lowbit.Quantization;
using Lowbit.Tensors;
using static Lowbit.Quantization.Tests.QuantizerHarness;

namespace Lowbit.Quantization.Tests;

public class BinaryConnectDeterministicTests
{
    [Fact]
    public void Quantize_ReferenceTable_SignTimesHAndIdentityGradient()
    {
        // x:        0   -0.0  1e-9  -1e-9  0.3  -0.3  1   -1   2.5  -2.5
        double[] x = [0, -0.0, 1e-9, -1e-9, 0.3, -0.3, 1, -1, 2.5, -2.5];
        double[] expected = [0.5, 0.5, 0.5, -0.5, 0.5, -0.5, 0.5, -0.5, 0.5, -0.5];
        var (values, grad) = Run(new BinaryConnectDeterministic(0.5), x);
        Equal(expected, values);
        Equal(Upstream(x.Length), grad, 0, "gradient (identity STE)");
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(-1.0)]
    [InlineData(double.PositiveInfinity)]
    public void Constructor_BadH_Throws(double h) =>
        Assert.Throws<ArgumentOutOfRangeException>("h", () => new BinaryConnectDeterministic(h));
}

public class BinaryConnectStochasticTests
{
    [Theory]
    [InlineData(0.3, 1.0)]
    [InlineData(-0.7, 1.0)]
    [InlineData(0.0, 1.0)]
    [InlineData(0.2, 0.5)]
    public void Quantize_ManySamples_MeanIsUnbiased(double w, double h)
    {
        const int N = 20000;
        var x = Enumerable.Repeat(w, N).ToArray();
        var values = Forward(new BinaryConnectStochastic(h), x, Train(42));
        Assert.All(values, v => Assert.True(v == h || v == -h, $"value {v} not ±{h}"));
        double mean = values.Average();
        double sigma = h * Math.Sqrt(1 - (w / h) * (w / h)) / Math.Sqrt(N);
        Assert.True(Math.Abs(mean - w) <= 5 * sigma + 1e-12, $"mean {mean} vs {w}, 5σ = {5 * sigma}, seed 42");
    }

    [Fact]
    public void Quantize_OutsideRange_IsDeterministic()
    {
        var values = Forward(new BinaryConnectStochastic(), [1.0, 1.5, -1.0, -3.0], Train(1));
        Equal([1, 1, -1, -1], values);
    }

    [Fact]
    public void Quantize_Training_GradientIsIdentity()
    {
        var (_, grad) = Run(new BinaryConnectStochastic(), [0.1, -0.4, 2.0], context: Train(3));
        Equal([1, 2, 3], grad);
    }

    [Fact]
    public void Quantize_EvalReal_ReturnsInput()
    {
        double[] x = [0.3, -0.2, 0];
        Equal(x, Forward(new BinaryConnectStochastic(), x));
    }

    [Fact]
    public void Quantize_EvalSign_ReturnsSignTimesH()
    {
        Equal([2, -2, 2], Forward(new BinaryConnectStochastic(2.0, "sign"), [0.3, -0.2, 0]));
    }

    [Fact]
    public void Quantize_TrainingWithoutRandom_Throws()
    {
        var e = Assert.Throws<InvalidOperationException>(() => new BinaryConnectStochastic().Quantize(Tensor.Zeros(3), new QuantizerContext(true, null)));
        Assert.Contains("bc_stoch", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Constructor_UnknownEval_Throws() =>
        Assert.Throws<ArgumentOutOfRangeException>("evalMode", () => new BinaryConnectStochastic(1, "mean"));
}
