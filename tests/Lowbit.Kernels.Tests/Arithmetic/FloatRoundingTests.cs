using System.Numerics;
using Lowbit.Kernels.Arithmetic;

namespace Lowbit.Kernels.Tests.Arithmetic;

public class FloatRoundingTests
{
    private static float Half16(float x) => (float)(Half)x;

    private static float[] Round(float[] x, int e, int m)
    {
        var y = new float[x.Length];
        FloatRounding.Round(x, y, e, m);
        return y;
    }

    private static void AssertSameBits(float expected, float actual, string what)
    {
        if (float.IsNaN(expected))
        {
            Assert.True(float.IsNaN(actual), $"{what}: expected NaN, got {actual}");
            return;
        }
        int eb = BitConverter.SingleToInt32Bits(expected), ab = BitConverter.SingleToInt32Bits(actual);
        Assert.True(eb == ab, $"{what}: expected {expected:R} (0x{eb:X8}), got {actual:R} (0x{ab:X8})");
    }

    /// <summary>Every float16 value, every midpoint between neighbours and the floats just beside each midpoint.</summary>
    private static float[] HalfGridAndMidpoints()
    {
        var list = new List<float>();
        for (int bits = 0; bits < 0x7C00; bits++)
        {
            double v = (double)BitConverter.UInt16BitsToHalf((ushort)bits);
            double next = (double)BitConverter.UInt16BitsToHalf((ushort)(bits + 1)); // 0x7C00 is +inf: its "midpoint" is the overflow threshold
            double mid = bits + 1 == 0x7C00 ? 65520 : (v + next) / 2;
            float fm = (float)mid; // exact: at most 12 significant bits
            foreach (float f in new[] { (float)v, fm, MathF.BitDecrement(fm), MathF.BitIncrement(fm) })
            {
                list.Add(f);
                list.Add(-f);
            }
        }
        return [.. list];
    }

    [Fact]
    public void Float16_GridMidpointsAndNeighbours_MatchSystemHalfBitForBit()
    {
        var x = HalfGridAndMidpoints();
        var y = Round(x, 5, 10);
        for (int i = 0; i < x.Length; i++) AssertSameBits(Half16(x[i]), y[i], $"x = {x[i]:R} (index {i})");
    }

    [Fact]
    public void Float16_RandomBitPatterns_MatchSystemHalfBitForBit()
    {
        const int seed = 1234;
        var random = new Random(seed);
        var x = new float[1 << 20];
        for (int i = 0; i < x.Length; i++) x[i] = BitConverter.Int32BitsToSingle(random.Next() ^ (random.Next(2) << 31));
        var y = Round(x, 5, 10);
        for (int i = 0; i < x.Length; i++) AssertSameBits(Half16(x[i]), y[i], $"seed {seed}, x = {x[i]:R} (index {i})");
    }

    [Theory]
    // float16: largest finite, overflow threshold (tie → ∞), just below it, subnormal steps, ties to even
    [InlineData(5, 10, 65504f, 65504f)]
    [InlineData(5, 10, 65519.996f, 65504f)]
    [InlineData(5, 10, 65520f, float.PositiveInfinity)]
    [InlineData(5, 10, -65520f, float.NegativeInfinity)]
    [InlineData(5, 10, 5.9604645e-8f, 5.9604645e-8f)] // 2^-24, the smallest subnormal
    [InlineData(5, 10, 2.9802322e-8f, 0f)] // 2^-25: tie between 0 and 2^-24 → even (0)
    [InlineData(5, 10, 4.4703484e-8f, 5.9604645e-8f)] // 1.5·2^-25 → 2^-24
    [InlineData(5, 10, 1.00048828125f, 1f)] // 1 + 2^-11: tie → even (1)
    [InlineData(5, 10, 1.00146484375f, 1.001953125f)] // 1 + 3·2^-11: tie → even (1 + 2^-9)
    [InlineData(5, 10, 6.1035156e-5f, 6.1035156e-5f)] // 2^-14, smallest normal
    // bfloat16: ties to even, largest finite, float32 max overflows, float32 subnormals round on the 2^-133 grid
    [InlineData(8, 7, 1.00390625f, 1f)] // 1 + 2^-8: tie → 1
    [InlineData(8, 7, 1.01171875f, 1.015625f)] // 1 + 3·2^-8: tie → 1 + 2^-6
    [InlineData(8, 7, 3.3895314e38f, 3.3895314e38f)] // (2 − 2^-7)·2^127
    [InlineData(8, 7, float.MaxValue, float.PositiveInfinity)]
    [InlineData(8, 7, 1e-45f, 0f)] // 2^-149 is far below half of bfloat16's step 2^-133
    [InlineData(8, 7, 9.18355e-41f, 9.18355e-41f)] // 2^-133, smallest bfloat16 subnormal
    // e4m3-like narrow format (e = 4, m = 3): max (2 − 2^-3)·2^7 = 240, emin = −6, subnormal step 2^-9
    [InlineData(4, 3, 240f, 240f)]
    [InlineData(4, 3, 247.99f, 240f)]
    [InlineData(4, 3, 248f, float.PositiveInfinity)]
    [InlineData(4, 3, 0.0029296875f, 0.00390625f)] // 1.5·2^-9 → tie → 2^-8 (even)
    [InlineData(4, 3, -0f, -0f)]
    [InlineData(4, 3, float.NegativeInfinity, float.NegativeInfinity)]
    public void Round_HandDerivedTable(int e, int m, float x, float expected)
    {
        AssertSameBits(expected, Round([x], e, m)[0], $"e{e}m{m} x={x:R}");
        AssertSameBits(expected, FloatRounding.RoundReference(x, e, m), $"reference e{e}m{m} x={x:R}");
    }

    [Theory]
    [InlineData(5, 10)]
    [InlineData(8, 7)]
    [InlineData(4, 3)]
    [InlineData(2, 1)]
    [InlineData(6, 9)]
    [InlineData(3, 23)]
    [InlineData(8, 22)]
    public void Round_RandomBits_MatchesReference(int e, int m)
    {
        int seed = 100 * e + m;
        var random = new Random(seed);
        var x = new float[200_000];
        for (int i = 0; i < x.Length; i++) x[i] = BitConverter.Int32BitsToSingle(random.Next() ^ (random.Next(2) << 31));
        // and values near the format's own range, where most rounding decisions happen
        for (int i = 0; i < x.Length / 2; i++) x[i] = (float)(random.NextDouble() * 2 - 1) * MathF.ScaleB(1f, random.Next(-(1 << (e - 1)) - m - 2, 1 << (e - 1)) + 1);
        var y = Round(x, e, m);
        for (int i = 0; i < x.Length; i++) AssertSameBits(FloatRounding.RoundReference(x[i], e, m), y[i], $"e{e}m{m} seed {seed} x={x[i]:R}");
    }

    [Fact]
    public void Round_Float32Preset_IsIdentity()
    {
        var random = new Random(3);
        var x = Enumerable.Range(0, 1000).Select(_ => BitConverter.Int32BitsToSingle(random.Next())).ToArray();
        var y = Round(x, 8, 23);
        for (int i = 0; i < x.Length; i++) AssertSameBits(x[i], y[i], $"x={x[i]:R}");
    }

    [Fact]
    public void Round_EveryLengthUpTo4VectorsPlus3_VectorMatchesScalar()
    {
        int width = Vector<float>.Count;
        for (int n = 0; n <= 4 * width + 3; n++)
        {
            var random = new Random(n);
            var x = Enumerable.Range(0, n).Select(_ => (float)(random.NextDouble() * 8 - 4)).ToArray();
            var y = Round(x, 5, 10);
            var inPlace = (float[])x.Clone();
            FloatRounding.Round(inPlace, inPlace, 5, 10);
            for (int i = 0; i < n; i++)
            {
                AssertSameBits(Half16(x[i]), y[i], $"n={n} i={i}");
                AssertSameBits(y[i], inPlace[i], $"in place n={n} i={i}");
            }
        }
    }

    [Fact]
    public void Round_ShortDestination_Throws() =>
        Assert.Throws<ArgumentException>(() => FloatRounding.Round(new float[4], new float[3], 5, 10));

    [Theory]
    [InlineData(1, 10)]
    [InlineData(9, 10)]
    [InlineData(5, 0)]
    [InlineData(5, 24)]
    public void Round_FormatOutOfRange_Throws(int e, int m) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => FloatRounding.Round(new float[1], new float[1], e, m));
}
