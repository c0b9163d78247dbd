using Lowbit.Quantization.MixedPrecision;

namespace Lowbit.Quantization.Tests.MixedPrecision;

public class BitMixTests
{
    [Fact]
    public void Parse_SeventyTwentyTen_FractionsAndAverage()
    {
        var mix = BitMix.Parse("1:0.7, 2:0.2, 3:0.1");
        Assert.Equal(3, mix.MaxBits);
        Assert.Equal(0.2, mix.Fraction(2));
        Assert.Equal(1.4, mix.AverageBits, 12);
        Assert.Equal(new[] { 700, 200, 100 }, mix.Counts(1000));
        Assert.Equal(new[] { 1000, 300, 100 }, mix.ActivePerLevel(1000));
    }

    [Theory]
    [InlineData("1:0.7,2:0.2,3:0.1", 7, new[] { 5, 1, 1 })]      // 4.9 → 5, 1.4 → 1, rest 1
    [InlineData("1:0.25,2:0.25,3:0.5", 10, new[] { 3, 3, 4 })]   // 2.5 → 3 twice (half away from zero), rest 4
    [InlineData("1:0.5,2:0.5", 1, new[] { 1, 0 })]               // round(0.5) = 1; last level takes the rest, 0
    [InlineData("1:0.5,2:0.5,3:0", 1, new[] { 1, 0 })]           // trailing zero fraction dropped: B_max = 2
    [InlineData("1:0.45,2:0.45,3:0.1", 1, new[] { 0, 0, 1 })]
    [InlineData("1:0.6,3:0.4", 5, new[] { 3, 0, 2 })]            // unlisted bitwidth 2 has count 0
    [InlineData("2:1", 4, new[] { 0, 4 })]
    public void Counts_HandCases_SumToN(string text, int n, int[] expected)
    {
        var counts = BitMix.Parse(text).Counts(n);
        Assert.Equal(expected, counts);
        Assert.Equal(n, counts.Sum());
    }

    [Fact]
    public void Counts_CapAtRemaining_WhenRoundingOvershoots()
    {
        // 0.5·3 = 1.5 → 2 and 0.5·3 → 2 would need 4 of 3: the second level gets the 1 left, the last 0.
        Assert.Equal(new[] { 2, 1, 0 }, BitMix.Parse("1:0.5,2:0.5,3:0.0000001").Counts(3));
    }

    [Theory]
    [InlineData(1.4, "1:0.6,2:0.4")]
    [InlineData(2.0, "2:1")]
    [InlineData(1.0, "1:1")]
    [InlineData(2.25, "2:0.75,3:0.25")]
    public void FromAverageBits_AdjacentLevels(double average, string expected)
    {
        var mix = BitMix.FromAverageBits(average);
        Assert.Equal(expected, mix.ToString());
        Assert.Equal(average, mix.AverageBits, 12);
    }

    [Theory]
    [InlineData("1:0.7,2:0.2")]
    [InlineData("1:0.7,1:0.3")]
    [InlineData("0:1")]
    [InlineData("9:1")]
    [InlineData("1-1")]
    [InlineData("1:-0.5,2:1.5")]
    public void Parse_Malformed_Throws(string text) => Assert.Throws<ArgumentException>(() => BitMix.Parse(text));

    [Fact]
    public void FromAverageBits_OutOfRange_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => BitMix.FromAverageBits(0.9));
        Assert.Throws<ArgumentOutOfRangeException>(() => BitMix.FromAverageBits(8.5));
    }
}
