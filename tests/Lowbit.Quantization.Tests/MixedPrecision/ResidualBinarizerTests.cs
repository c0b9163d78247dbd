using Lowbit.Quantization.MixedPrecision;
using Lowbit.Tensors;

namespace Lowbit.Quantization.Tests.MixedPrecision;

public class ResidualBinarizerTests
{
    private static readonly double[] s_x = [0.9, -0.3, 0.1, -1.2];

    [Fact]
    public void Decompose_HandExampleTwoBits_PlanesAndMeans()
    {
        // μ1 = (0.9+0.3+0.1+1.2)/4 = 0.625, b1 = [+,−,+,−]; r2 = [0.275, 0.325, −0.525, −0.575];
        // μ2 = 1.7/4 = 0.425, b2 = [+,+,−,−].
        var planes = new ResidualBinarizer(2).Decompose(Tensor.FromArray((double[])s_x.Clone(), 4));
        Assert.Equal(new sbyte[] { 1, -1, 1, -1 }, planes.Signs[0]);
        Assert.Equal(new sbyte[] { 1, 1, -1, -1 }, planes.Signs[1]);
        QuantizerHarness.Equal([0.625, 0.425], planes.Means, 1e-15, "mean");
        Assert.Null(planes.BitMap);
        Assert.Equal(new[] { 4, 4 }, planes.ActivePerLevel());
    }

    [Fact]
    public void Quantize_HandExampleTwoBits_ValuesAndClippedGradient()
    {
        var (values, grad) = QuantizerHarness.Run(new ResidualBinarizer(2), s_x);
        QuantizerHarness.Equal([1.05, -0.2, 0.2, -1.05], values, 1e-15);
        QuantizerHarness.Equal([1, 2, 3, 0], grad, 0, "gradient"); // |−1.2| > 1
    }

    [Fact]
    public void Quantize_OneBit_IsMeanAbsTimesSign()
    {
        var values = QuantizerHarness.Forward(new ResidualBinarizer(1), [0.0, -2.0, 1.0]);
        QuantizerHarness.Equal([1.0, -1.0, 1.0], values, 1e-15); // sign(0) = +1, μ = 1
    }

    [Fact]
    public void Quantize_Zeros_ReturnsZeros()
    {
        var values = QuantizerHarness.Forward(new ResidualBinarizer(3), [0.0, 0.0]);
        QuantizerHarness.Equal([0.0, 0.0], values);
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(3, 7)]
    [InlineData(4, 100)]
    public void Quantize_RandomTensor_MatchesReferenceAndAtMostTwoToTheBValues(int bits, int n)
    {
        var rng = new Random(bits * 1000 + n);
        var x = MixedPrecisionReference.RandomValues(rng, n, 1.5);
        var (expected, _) = MixedPrecisionReference.Heterogeneous(x, Enumerable.Repeat(bits, n).ToArray(), bits);
        var values = QuantizerHarness.Forward(new ResidualBinarizer(bits), x);
        QuantizerHarness.Equal(expected, values, 1e-12);
        Assert.True(values.Distinct().Count() <= 1 << bits);
    }

    [Fact]
    public void Quantize_ActivationRole_MeansPerSample()
    {
        var rng = new Random(5);
        var x = MixedPrecisionReference.RandomValues(rng, 12);
        var q = new ResidualBinarizer(2, "activation");
        var values = QuantizerHarness.Forward(q, x, shape: [3, 4]);
        var planes = q.Decompose(Tensor.FromArray((double[])x.Clone(), 3, 4));
        Assert.Equal(3, planes.Slices);
        for (int s = 0; s < 3; s++)
        {
            var (expected, means) = MixedPrecisionReference.Heterogeneous(x[(s * 4)..(s * 4 + 4)], [2, 2, 2, 2], 2);
            QuantizerHarness.Equal(expected, values[(s * 4)..(s * 4 + 4)], 1e-12, $"sample {s}");
            QuantizerHarness.Equal(means, [planes.Mean(s, 1), planes.Mean(s, 2)], 1e-12, $"means of sample {s}");
        }
        QuantizerHarness.Equal(values, planes.Reconstruct(), 1e-12, "reconstruction");
    }

    [Fact]
    public void Quantize_Float32_AgreesWithFloat64()
    {
        var x = MixedPrecisionReference.RandomValues(new Random(3), 50);
        var q = new ResidualBinarizer(3);
        var f64 = q.Quantize(Tensor.FromArray((double[])x.Clone(), 50), QuantizerContext.Eval).ToDoubleArray();
        var f32 = q.Quantize(Tensor.FromArray(x.Select(v => (float)v).ToArray(), 50), QuantizerContext.Eval).ToDoubleArray();
        QuantizerHarness.Equal(f64, f32, 1e-6);
    }

    [Fact]
    public void Constructor_BadOptions_Throw()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new ResidualBinarizer(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ResidualBinarizer(9));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ResidualBinarizer(2, "bias"));
        Assert.Throws<ArgumentException>(() => QuantizerHarness.Forward(new ResidualBinarizer(2), [double.NaN]));
    }
}
