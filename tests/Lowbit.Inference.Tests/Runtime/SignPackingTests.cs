using Lowbit.Inference.Runtime.Steps;

namespace Lowbit.Inference.Tests.Runtime;

public sealed class SignPackingTests
{
    /// <summary>Channel counts and positions straddling the 8 × 8 blocks and the 64-bit words; ±0, ±∞ and ties at τ.</summary>
    [Theory]
    [InlineData(1, 1, 1)]
    [InlineData(2, 7, 9)]
    [InlineData(1, 8, 8)]
    [InlineData(3, 13, 17)]
    [InlineData(2, 32, 64)]
    [InlineData(1, 63, 24)]
    [InlineData(2, 64, 16)]
    [InlineData(1, 65, 31)]
    [InlineData(1, 129, 72)]
    public void PackChannels_MatchesScalarReference(int m, int channels, int positions)
    {
        var random = new Random(channels * 1000 + positions);
        float[] special = [0f, -0f, 1f, -1f, float.PositiveInfinity, float.NegativeInfinity];
        var y = Enumerable.Range(0, m * channels * positions)
            .Select(_ => random.Next(4) == 0 ? special[random.Next(special.Length)] : (float)Math.Round(random.NextDouble() * 4 - 2, 1)).ToArray();
        var negated = Enumerable.Range(0, channels).Select(_ => random.Next(2) == 0).ToArray();
        var thresholds = Enumerable.Range(0, channels)
            .Select(o => o % 9 == 0 ? special[random.Next(special.Length)] : (float)Math.Round(random.NextDouble() * 2 - 1, 1)).ToArray();
        int words = (channels + 63) / 64;
        var expected = new ulong[m * positions * words];
        var actual = Enumerable.Repeat(ulong.MaxValue, expected.Length).ToArray();
        SignPacking.PackChannelsScalar(y, m, channels, positions, negated, thresholds, expected);
        SignPacking.PackChannels(y, m, channels, positions, negated, thresholds, actual);
        Assert.Equal(expected, actual);
    }

    [Fact]
    public void Transpose8x8_MovesBitRowColumnToColumnRow()
    {
        var random = new Random(8);
        for (int trial = 0; trial < 100; trial++)
        {
            ulong x = (ulong)random.NextInt64(), expected = 0;
            for (int r = 0; r < 8; r++)
                for (int c = 0; c < 8; c++)
                    if ((x >> (8 * r + c) & 1) != 0) expected |= 1UL << (8 * c + r);
            Assert.Equal(expected, SignPacking.Transpose8x8(x));
        }
    }
}
