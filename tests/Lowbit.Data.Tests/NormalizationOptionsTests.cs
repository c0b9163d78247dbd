namespace Lowbit.Data.Tests;

public sealed class NormalizationOptionsTests
{
    private static float Map(NormalizationOptions options, byte value)
    {
        var destination = new float[1];
        options.Apply([value], 1, destination);
        return destination[0];
    }

    [Theory]
    [InlineData(0, -1f)]
    [InlineData(255, 1f)]
    public void PlusMinusOne_Ends_MapExactly(byte value, float expected) =>
        Assert.Equal(expected, Map(NormalizationOptions.PlusMinusOne, value));

    [Fact]
    public void PlusMinusOne_Middle_NearZero()
    {
        Assert.Equal((float)(-1.0 / 255), Map(NormalizationOptions.PlusMinusOne, 127));
        Assert.Equal((float)(1.0 / 255), Map(NormalizationOptions.PlusMinusOne, 128));
    }

    [Theory]
    [InlineData(0, 0f)]
    [InlineData(255, 1f)]
    [InlineData(51, 0.2f)]
    public void ZeroOne_Values(byte value, float expected) =>
        Assert.Equal(expected, Map(NormalizationOptions.ZeroOne, value));

    [Fact]
    public void Standardize_FromTraining_StatisticsMatchHandComputation()
    {
        // Channel 0 pixels: images 0..3 -> values 0,3,6,9 (each 4 times); channel 1: 1,4,7,10.
        ImageDataset training = SyntheticData.Make(4, channels: 2);

        NormalizationOptions options = NormalizationOptions.Standardize(training);

        Assert.Equal(NormalizationKind.Standardize, options.Kind);
        Assert.Equal(4.5 / 255, options.Mean[0], 12);
        Assert.Equal(5.5 / 255, options.Mean[1], 12);
        double std = Math.Sqrt((4.5 * 4.5 + 1.5 * 1.5) * 2 / 4) / 255;
        Assert.Equal(std, options.Std[0], 12);
        Assert.Equal(std, options.Std[1], 12);
    }

    [Fact]
    public void Standardize_AppliedToTraining_GivesZeroMeanUnitStd()
    {
        ImageDataset training = SyntheticData.Make(37, channels: 3);
        float[] values = NormalizationOptions.Standardize(training).ToFloatArray(training);

        for (int c = 0; c < 3; c++)
        {
            double[] channel = Enumerable.Range(0, training.Count).SelectMany(i => values.AsSpan(i * 12 + c * 4, 4).ToArray()).Select(v => (double)v).ToArray();
            double mean = channel.Average();
            double std = Math.Sqrt(channel.Select(v => (v - mean) * (v - mean)).Average());
            Assert.InRange(mean, -1e-5, 1e-5);
            Assert.InRange(std, 1 - 1e-5, 1 + 1e-5);
        }
    }

    [Fact]
    public void Standardize_StoredStatistics_ApplyUnchangedToOtherSets()
    {
        NormalizationOptions options = NormalizationOptions.Standardize([0.5], [0.25]);
        Assert.Equal((float)((255 / 255.0 - 0.5) / 0.25), Map(options, 255));
        Assert.Equal(-2f, Map(options, 0));
    }

    [Fact]
    public void Standardize_ConstantChannel_Throws()
    {
        var constant = new ImageDataset("flat", 1, 1, 2, [7, 7, 7, 7], [0, 1], 2);
        var ex = Assert.Throws<ArgumentException>(() => NormalizationOptions.Standardize(constant));
        Assert.Contains("Channel 0 of 'flat' is constant", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Standardize_NonPositiveStd_Throws()
    {
        Assert.Throws<ArgumentException>(() => NormalizationOptions.Standardize([0.5], [0.0]));
        Assert.Throws<ArgumentException>(() => NormalizationOptions.Standardize([0.5, 0.5], [0.1]));
    }

    [Fact]
    public void Equals_SameStatistics_Equal()
    {
        Assert.Equal(NormalizationOptions.Standardize([0.1, 0.2], [0.3, 0.4]), NormalizationOptions.Standardize([0.1, 0.2], [0.3, 0.4]));
        Assert.Equal(
            NormalizationOptions.Standardize([0.1, 0.2], [0.3, 0.4]).GetHashCode(),
            NormalizationOptions.Standardize([0.1, 0.2], [0.3, 0.4]).GetHashCode());
        Assert.NotEqual(NormalizationOptions.Standardize([0.1, 0.2], [0.3, 0.4]), NormalizationOptions.Standardize([0.1, 0.2], [0.3, 0.5]));
        Assert.NotEqual(NormalizationOptions.ZeroOne, NormalizationOptions.PlusMinusOne);
    }

    [Fact]
    public void ToFloatArray_KeepsLayout()
    {
        ImageDataset dataset = SyntheticData.Make(3, channels: 2);
        float[] values = NormalizationOptions.ZeroOne.ToFloatArray(dataset);
        Assert.Equal(dataset.Pixels.Select(p => (float)(p / 255.0)), values);
    }
}
