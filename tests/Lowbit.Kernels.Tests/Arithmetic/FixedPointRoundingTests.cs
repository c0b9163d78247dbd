using System.Numerics;
using Lowbit.Kernels.Arithmetic;

namespace Lowbit.Kernels.Tests.Arithmetic;

public class FixedPointRoundingTests
{
    private static (float[] Y, OverflowCounts Counts) Nearest(float[] x, int bits, int integerBits)
    {
        var y = new float[x.Length];
        var c = FixedPointRounding.RoundNearest(x, y, bits, integerBits);
        return (y, c);
    }

    [Theory]
    // 4 bits with 1 integer bit: 2 fraction bits, LSB 0.25, K = 7, max 1.75
    [InlineData(4, 1, 0.125f, 0.25f)] // half an LSB: away from zero
    [InlineData(4, 1, -0.125f, -0.25f)]
    [InlineData(4, 1, 0.12499999f, 0f)]
    [InlineData(4, 1, 0.375f, 0.5f)] // 1.5 LSB: away from zero (not to even)
    [InlineData(4, 1, -0.375f, -0.5f)]
    [InlineData(4, 1, 0.625f, 0.75f)] // 2.5 LSB → 3
    [InlineData(4, 1, 1.75f, 1.75f)] // largest value
    [InlineData(4, 1, 1.8f, 1.75f)] // saturation
    [InlineData(4, 1, 1.875f, 1.75f)] // 7.5 LSB would round to 8: saturates
    [InlineData(4, 1, -100f, -1.75f)]
    [InlineData(4, 1, float.PositiveInfinity, 1.75f)]
    [InlineData(4, 1, float.NegativeInfinity, -1.75f)]
    // the paper's 10-bit propagation format with radix 5: 4 fraction bits, max 511/16 = 31.9375
    [InlineData(10, 5, 31.9375f, 31.9375f)]
    [InlineData(10, 5, 40f, 31.9375f)]
    [InlineData(10, 5, 0.03125f, 0.0625f)] // half LSB (1/32) → 1/16
    [InlineData(10, 5, 0.03124f, 0f)]
    // negative integer bits: radix point left of the top bit; 8 bits, I = −3: F = 10, max 127/1024
    [InlineData(8, -3, 0.124f, 0.1240234375f)]
    [InlineData(8, -3, 0.2f, 0.1240234375f)]
    [InlineData(8, -3, 0.00048828125f, 0.0009765625f)] // half LSB (2^-11) → 2^-10
    // radix beyond the width: 4 bits, I = 6: F = −3, LSB 8, max 56
    [InlineData(4, 6, 4f, 8f)]
    [InlineData(4, 6, 3.99f, 0f)]
    [InlineData(4, 6, 1000f, 56f)]
    public void RoundNearest_HandDerivedTable(int bits, int integerBits, float x, float expected)
    {
        Assert.Equal(expected, Nearest([x], bits, integerBits).Y[0]);
        Assert.Equal(expected, FixedPointRounding.RoundNearestReference(x, bits, integerBits));
    }

    [Fact]
    public void RoundNearest_NaN_StaysNaNAndIsNoOverflow()
    {
        var (y, c) = Nearest([float.NaN, 0.5f], 4, 1);
        Assert.True(float.IsNaN(y[0]));
        Assert.Equal(0.5f, y[1]);
        Assert.Equal(new OverflowCounts(0, 0), c);
    }

    [Fact]
    public void RoundNearest_OverflowCounts_InclusiveThresholdsOnRoundedValues()
    {
        // 4 bits, I = 1: max 1.75 (K = 7), max at I − 1 is 0.875 (K/2 = 3.5 LSB).
        float[] x = [1.75f, 1.7f, 0.875f, 0.87f, -2f, 0f, -0.875f, 0.86f];
        // rounded:  1.75   1.75  1.0     0.75   -1.75  0   -1.0     0.75
        var (y, c) = Nearest(x, 4, 1);
        Assert.Equal([1.75f, 1.75f, 1f, 0.75f, -1.75f, 0f, -1f, 0.75f], y);
        Assert.Equal(3, c.AtRange); // |y| ≥ 1.75 (exactly max counts)
        Assert.Equal(5, c.AtRangeMinusOne); // |y| ≥ 0.875
    }

    [Fact]
    public void RoundNearest_RandomValues_MatchReferenceAtEveryLength()
    {
        int width = Vector<float>.Count;
        foreach (var (bits, ib) in new[] { (10, 5), (12, 2), (20, 5), (25, 0), (2, 0), (6, -4) })
        {
            for (int n = 0; n <= 4 * width + 3; n++)
            {
                int seed = 31 * n + bits;
                var random = new Random(seed);
                var x = Enumerable.Range(0, n).Select(_ => (float)((random.NextDouble() * 2 - 1) * Math.ScaleB(1.0, ib + 1))).ToArray();
                var (y, c) = Nearest(x, bits, ib);
                long at = 0, below = 0;
                float max = (float)((Math.ScaleB(1.0, bits - 1) - 1) * Math.ScaleB(1.0, ib + 1 - bits));
                for (int i = 0; i < n; i++)
                {
                    float r = FixedPointRounding.RoundNearestReference(x[i], bits, ib);
                    Assert.True(r == y[i], $"bits {bits} I {ib} n {n} seed {seed} i {i}: x {x[i]:R} expected {r:R} got {y[i]:R}");
                    if (MathF.Abs(r) >= max) at++;
                    if (MathF.Abs(r) >= max / 2) below++;
                }
                Assert.Equal(new OverflowCounts(at, below), c);
                var inPlace = (float[])x.Clone();
                FixedPointRounding.RoundNearest(inPlace, inPlace, bits, ib);
                Assert.Equal(y, inPlace);
            }
        }
    }

    [Fact]
    public void RoundStochastic_EveryLength_MatchesDefinitionAndChunkingDoesNotMatter()
    {
        const uint seed = 77;
        int width = Vector<float>.Count;
        for (int n = 0; n <= 4 * width + 3; n++)
        {
            var random = new Random(n);
            var x = Enumerable.Range(0, n).Select(_ => (float)(random.NextDouble() * 5 - 2.5)).ToArray();
            var y = new float[n];
            FixedPointRounding.RoundStochastic(x, y, 6, 2, seed, 0);
            for (int i = 0; i < n; i++)
            {
                double v = x[i] * 8.0, t = Math.Floor(v); // 6 bits, I = 2: 3 fraction bits
                double k = FixedPointRounding.Uniform(seed, i) < v - t ? t + 1 : t;
                float expected = (float)(Math.Clamp(k, -31, 31) / 8);
                Assert.True(expected == y[i], $"n {n} i {i}: x {x[i]:R} expected {expected} got {y[i]}");
            }
            int half = n / 3;
            var chunked = new float[n];
            var c1 = FixedPointRounding.RoundStochastic(x.AsSpan(0, half), chunked.AsSpan(0, half), 6, 2, seed, 0);
            var c2 = FixedPointRounding.RoundStochastic(x.AsSpan(half), chunked.AsSpan(half), 6, 2, seed, half);
            Assert.Equal(y, chunked);
            Assert.Equal(FixedPointRounding.RoundStochastic(x, new float[n], 6, 2, seed, 0), c1 + c2);
        }
    }

    [Theory]
    [InlineData(0.3)]
    [InlineData(0.5)]
    [InlineData(0.9)]
    [InlineData(-0.3)]
    [InlineData(0.01)]
    public void RoundStochastic_FixedSeed_IsUnbiased(double fraction)
    {
        // x = (3 + fraction) LSB in an 8-bit format with 4 fraction bits; N draws (one per element index).
        const int n = 1 << 20;
        const uint seed = 2024;
        float lsb = 1f / 16;
        float xValue = (float)((3 + fraction) * lsb);
        var x = new float[n];
        Array.Fill(x, xValue);
        var y = new float[n];
        FixedPointRounding.RoundStochastic(x, y, 8, 3, seed, 0);
        double mean = y.Average(v => (double)v);
        double p = ((3 + fraction) - Math.Floor(3 + fraction)), sd = lsb * Math.Sqrt(p * (1 - p) / n);
        // 5 standard errors: a biased rule (e.g. nearest, off by up to half an LSB) fails by hundreds of them.
        Assert.True(Math.Abs(mean - xValue) <= 5 * sd + 1e-9, $"seed {seed}, fraction {fraction}: mean {mean:R} vs x {xValue:R}, sd of mean {sd:E3}");
        double lo = Math.Floor((3 + fraction)) * lsb, hi = lo + lsb;
        Assert.All(y, v => Assert.True(v == lo || v == hi, $"{v} is neither neighbour {lo} nor {hi}"));
    }

    [Fact]
    public void RoundStochastic_NaNAndInfinities()
    {
        var y = new float[3];
        var c = FixedPointRounding.RoundStochastic([float.NaN, float.PositiveInfinity, float.NegativeInfinity], y, 4, 1, 5, 0);
        Assert.True(float.IsNaN(y[0]));
        Assert.Equal(1.75f, y[1]);
        Assert.Equal(-1.75f, y[2]);
        Assert.Equal(new OverflowCounts(2, 2), c);
    }

    [Theory]
    [InlineData(1, 0)]
    [InlineData(26, 0)]
    [InlineData(10, 101)]
    [InlineData(10, -101)]
    public void Round_FormatOutOfRange_Throws(int bits, int integerBits) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => FixedPointRounding.RoundNearest(new float[1], new float[1], bits, integerBits));
}
