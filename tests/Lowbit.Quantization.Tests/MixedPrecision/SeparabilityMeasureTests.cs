using Lowbit.Quantization.MixedPrecision;
using Lowbit.Tensors;

namespace Lowbit.Quantization.Tests.MixedPrecision;

public class SeparabilityMeasureTests
{
    private static readonly double[] s_features = [0, 0, 0, 2, 4, 0, 4, 2];
    private static readonly int[] s_labels = [0, 0, 1, 1];

    [Fact]
    public void FisherRatio_HandExample()
    {
        // Class means (0,1), (4,1); overall (2,1): tr S_B = 2·4 + 2·4 = 16; every point is 1 from its class mean: tr S_W = 4.
        var t = Tensor.FromArray((double[])s_features.Clone(), 4, 2);
        Assert.Equal((16.0, 4.0), SeparabilityMeasure.FisherTraces(t, s_labels));
        Assert.Equal(4.0, SeparabilityMeasure.FisherRatio(t, s_labels));
    }

    [Fact]
    public void FisherRatio_ConvFeatures_AreGlobalAveragePooled()
    {
        // [4, 2, 1, 2]: each channel holds (v − 1, v + 1), whose mean is the [4, 2] feature v.
        var conv = new double[16];
        for (int i = 0; i < 8; i++)
        {
            conv[2 * i] = s_features[i] - 1;
            conv[2 * i + 1] = s_features[i] + 1;
        }
        Assert.Equal(4.0, SeparabilityMeasure.FisherRatio(Tensor.FromArray(conv, 4, 2, 1, 2), s_labels), 14);
    }

    [Fact]
    public void FisherRatio_MoreSeparatedClasses_ScoreHigher()
    {
        var rng = new Random(1);
        double Score(double gap)
        {
            var f = new double[200];
            var labels = new int[100];
            for (int i = 0; i < 100; i++)
            {
                labels[i] = i % 2;
                f[2 * i] = labels[i] * gap + MixedPrecisionReference.Normal(rng, 1)[0];
                f[2 * i + 1] = MixedPrecisionReference.Normal(rng, 1)[0];
            }
            return SeparabilityMeasure.FisherRatio(Tensor.FromArray(f, 100, 2), labels);
        }
        Assert.True(Score(0.5) < Score(2) && Score(2) < Score(6));
    }

    [Fact]
    public void FisherRatio_EdgeCases()
    {
        Assert.Equal(double.PositiveInfinity, SeparabilityMeasure.FisherRatio(Tensor.FromArray(new double[] { 0, 0, 1, 1 }, 4, 1), s_labels));
        Assert.Throws<ArgumentException>(() => SeparabilityMeasure.FisherRatio(Tensor.FromArray(new double[4], 4, 1), s_labels));
        Assert.Throws<ArgumentException>(() => SeparabilityMeasure.FisherRatio(Tensor.FromArray(new double[4], 4, 1), [1, 1, 1, 1]));
        Assert.Throws<ArgumentException>(() => SeparabilityMeasure.FisherRatio(Tensor.FromArray(new double[4], 4, 1), [0, 1]));
        Assert.Throws<ArgumentException>(() => SeparabilityMeasure.FisherRatio(Tensor.FromArray(new double[4], 4), s_labels));
        Assert.Throws<ArgumentException>(() => SeparabilityMeasure.FisherRatio(Tensor.FromArray(new double[4], 4, 1), [0, -1, 0, 1]));
    }
}
