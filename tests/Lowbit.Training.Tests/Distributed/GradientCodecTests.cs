using Lowbit.Training.Distributed;

namespace Lowbit.Training.Tests.Distributed;

public class GradientCodecTests
{
    private static float[] RoundTrip(float[] values, int bits, ulong seed)
    {
        var message = new byte[GradientCodec.MessageBytes(values.Length, bits)];
        GradientCodec.Encode(values, bits, seed, message);
        var decoded = new float[values.Length];
        GradientCodec.DecodeAdd(message, bits, decoded);
        return decoded;
    }

    [Theory]
    [InlineData(0, 6, 4)]
    [InlineData(1, 6, 5)]
    [InlineData(4, 6, 7)]
    [InlineData(5, 6, 8)]
    [InlineData(3, 1, 5)]
    [InlineData(9, 1, 6)]
    [InlineData(3, 16, 10)]
    public void MessageBytes_IsScalePlusPackedBits(int count, int bits, int expected) => Assert.Equal(expected, GradientCodec.MessageBytes(count, bits));

    /// <summary>
    /// Values on the level grid 2m(c/L − 1/2) come back exactly whatever the noise: L·u lies in [c − 1/2, c + 1/2) and
    /// rounds to c. With m = L/2 the grid is the half-integers c − L/2, exact in float, so no rounding of the inputs
    /// interferes. Covers the packing of every bit width at lengths around byte and word boundaries.
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(6)]
    [InlineData(7)]
    [InlineData(8)]
    [InlineData(11)]
    [InlineData(16)]
    public void GridValues_RoundTripExactly(int bits)
    {
        double levels = Math.ScaleB(1.0, bits) - 1;
        float m = (float)(levels / 2);
        foreach (int n in new[] { 1, 7, 8, 9, 63, 64, 65, 129 })
        {
            var codes = Enumerable.Range(0, n).Select(i => i == 0 ? (long)levels : (i * 2654435761L) % ((long)levels + 1)).ToArray();
            var values = codes.Select(c => (float)(c * (2.0 * m / levels) - m)).ToArray();
            var decoded = RoundTrip(values, bits, 42);
            for (int i = 0; i < n; i++)
                Assert.True(decoded[i] == values[i], $"bits {bits}, n {n}, index {i}: code {codes[i]}, value {values[i]}, decoded {decoded[i]}");
        }
    }

    /// <summary>Hand-derived 2-bit case (L = 3, m = 1): levels −1, −1/3, 1/3, 1; ±m exact; 0 lands on ±1/3.</summary>
    [Fact]
    public void TwoBits_HandTable()
    {
        var decoded = RoundTrip([1f, -1f, 0f, 1f / 3, -1f / 3], 2, 9);
        Assert.Equal(1f, decoded[0]);
        Assert.Equal(-1f, decoded[1]);
        Assert.True(Math.Abs(Math.Abs(decoded[2]) - 1.0 / 3) < 1e-6, $"0 decoded to {decoded[2]}");
        Assert.Equal(1.0 / 3, decoded[3], 6);
        Assert.Equal(-1.0 / 3, decoded[4], 6);
    }

    /// <summary>Stochastic rounding: each value lands on a neighbouring level, and the mean over seeds is the value (unbiased).</summary>
    [Fact]
    public void Decoded_IsNeighbouringLevel_AndUnbiased()
    {
        var rng = new Random(3);
        var values = Enumerable.Range(0, 200).Select(_ => (float)(rng.NextDouble() * 2 - 1) * 0.01f).ToArray();
        float m = values.Max(Math.Abs);
        double step = 2.0 * m / 63;
        var mean = new double[values.Length];
        const int draws = 4000;
        for (ulong seed = 0; seed < draws; seed++)
        {
            var decoded = RoundTrip(values, 6, seed * 7919 + 1);
            for (int i = 0; i < values.Length; i++)
            {
                Assert.True(Math.Abs(decoded[i] - values[i]) < step * (1 + 1e-5), $"seed {seed}, index {i}: {decoded[i]} is more than a level from {values[i]}");
                mean[i] += decoded[i] / draws;
            }
        }
        // The error of one draw is at most one step, with standard deviation at most step/2: the mean of 4000 draws is
        // within 5 standard errors, step/2 * 5 / sqrt(4000) = 0.04 step, for every one of the 200 values.
        for (int i = 0; i < values.Length; i++)
            Assert.True(Math.Abs(mean[i] - values[i]) < 0.04 * step, $"index {i}: mean {mean[i]} vs {values[i]} (step {step})");
    }

    [Fact]
    public void ZeroBlock_DecodesToNothing_AndDecodeAdds()
    {
        var sum = new float[] { 1, 2, 3 };
        var message = new byte[GradientCodec.MessageBytes(3, 6)];
        GradientCodec.Encode(new float[3], 6, 1, message);
        GradientCodec.DecodeAdd(message, 6, sum);
        Assert.Equal(new float[] { 1, 2, 3 }, sum);
        GradientCodec.Encode([0.5f, -0.5f, 0.5f], 6, 1, message);
        GradientCodec.DecodeAdd(message, 6, sum);
        Assert.Equal(new float[] { 1.5f, 1.5f, 3.5f }, sum);
    }

    [Fact]
    public void NonFiniteGradient_StaysVisible()
    {
        var message = new byte[GradientCodec.MessageBytes(2, 6)];
        GradientCodec.Encode([1f, float.NaN], 6, 1, message);
        var sum = new float[2];
        GradientCodec.DecodeAdd(message, 6, sum);
        Assert.True(float.IsNaN(sum[0]) && float.IsNaN(sum[1]));
    }

    [Fact]
    public void Encode_ChecksSizes()
    {
        Assert.Throws<ArgumentException>(() => GradientCodec.Encode(new float[4], 6, 0, new byte[6]));
        Assert.Throws<ArgumentOutOfRangeException>(() => GradientCodec.Encode(new float[4], 0, 0, new byte[4]));
        Assert.Throws<ArgumentOutOfRangeException>(() => GradientCodec.Encode(new float[4], 17, 0, new byte[13]));
    }
}
