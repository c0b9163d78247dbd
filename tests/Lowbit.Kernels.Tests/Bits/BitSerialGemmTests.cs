using Lowbit.Kernels.Bits;

namespace Lowbit.Kernels.Tests.Bits;

public class BitSerialGemmTests
{
    public static TheoryData<int, int, int> PlaneData() => new()
    {
        { 1, 1, 1 }, { 31, 2, 1 }, { 32, 1, 3 }, { 33, 2, 2 }, { 63, 3, 1 }, { 64, 4, 2 }, { 65, 2, 3 }, { 127, 8, 1 }, { 129, 3, 4 }, { 1100, 2, 3 },
    };

    private static long[] IntegerReference(int[] x, int[] y, int m, int n, int k, Func<int, long> mapY)
    {
        var c = new long[m * n];
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                long s = 0;
                for (int t = 0; t < k; t++) s += (long)x[i * k + t] * mapY(y[j * k + t]);
                c[i * n + j] = s;
            }
        return c;
    }

    /// <summary>Unipolar weight planes: each plane is ±1, value Σ_q 2^q·(2·bit_q − 1).</summary>
    private static long UnipolarValue(int code, int weightBits)
    {
        long v = 0;
        for (int q = 0; q < weightBits; q++) v += (2L * ((code >> q) & 1) - 1) << q;
        return v;
    }

    [Theory]
    [MemberData(nameof(PlaneData))]
    public void Multiply_EveryPath_MatchesIntegerGemm(int k, int activationBits, int weightBits)
    {
        foreach (int m in BitTestData.Rows)
        {
            foreach (int n in new[] { 1, 3, 7, 17 })
            {
                int seed = k * 997 + m * 31 + n + activationBits * 7 + weightBits;
                var rng = new Random(seed);
                int[] x = BitTestData.Codes(rng, m * k, activationBits), y = BitTestData.Codes(rng, n * k, weightBits);
                ulong[] a = BitTestData.Planes(x, m, k, activationBits), w = BitTestData.Planes(y, n, k, weightBits);
                long[] unsignedExpected = IntegerReference(x, y, m, n, k, v => v);
                long[] unipolarExpected = IntegerReference(x, y, m, n, k, v => UnipolarValue(v, weightBits));
                string ctx = $"seed={seed} m={m} n={n} k={k} bits={activationBits}x{weightBits}";
                foreach (bool unipolar in new[] { false, true })
                {
                    long[] expected = unipolar ? unipolarExpected : unsignedExpected;
                    var c = new long[m * n];
                    BitSerialGemm.MultiplyScalar(a, activationBits, w, weightBits, m, n, k, c, unipolar);
                    BitTestData.Equal<long>(expected, c, $"scalar unipolar={unipolar} {ctx}");
                    foreach (bool vector in new[] { false, true })
                    {
                        foreach (int threads in new[] { 1, 2 })
                        {
                            Array.Fill(c, long.MinValue);
                            if (unipolar) BitSerialGemm.MultiplyFast<BitSerialGemm.UnipolarTerm, long>(a, activationBits, w, weightBits, m, n, k, c, threads, vector);
                            else BitSerialGemm.MultiplyFast<BitSerialGemm.UnsignedTerm, long>(a, activationBits, w, weightBits, m, n, k, c, threads, vector);
                            BitTestData.Equal<long>(expected, c, $"fast vector={vector} threads={threads} unipolar={unipolar} {ctx}");
                        }
                    }
                    Array.Fill(c, long.MinValue);
                    if (unipolar) BitSerialGemm.MultiplyUnipolar(a, activationBits, w, weightBits, m, n, k, c);
                    else BitSerialGemm.Multiply(a, activationBits, w, weightBits, m, n, k, c);
                    BitTestData.Equal<long>(expected, c, $"dispatch unipolar={unipolar} {ctx}");
                }
            }
        }
    }

    [Fact]
    public void Multiply_BlockLargerThanScratchBudget_StillExact()
    {
        // 8×8 planes × n = 600 weight rows: raw block of one output row = 8·4800 ints, so blocks hold few rows.
        const int m = 9, n = 600, k = 70, bits = 8;
        var rng = new Random(42);
        int[] x = BitTestData.Codes(rng, m * k, bits), y = BitTestData.Codes(rng, n * k, bits);
        var c = new long[m * n];
        BitSerialGemm.Multiply(BitTestData.Planes(x, m, k, bits), bits, BitTestData.Planes(y, n, k, bits), bits, m, n, k, c, 2);
        BitTestData.Equal<long>(IntegerReference(x, y, m, n, k, v => v), c, "large n");
    }

    [Theory]
    [MemberData(nameof(BitTestData.LengthData), MemberType = typeof(BitTestData))]
    public void MultiplyBytesBySigns_MatchesPixelTimesSignReference(int k)
    {
        foreach (int m in BitTestData.Rows)
        {
            const int n = 7;
            int seed = k * 13 + m;
            var rng = new Random(seed);
            var pixels = new byte[m * k];
            rng.NextBytes(pixels);
            pixels[0] = 255;
            float[] weights = BitTestData.Signs(rng, n * k);
            var expected = new int[m * n];
            for (int i = 0; i < m; i++)
                for (int j = 0; j < n; j++)
                {
                    double s = 0;
                    for (int t = 0; t < k; t++) s += pixels[i * k + t] * (double)BitTestData.Sign(weights[j * k + t]);
                    expected[i * n + j] = (int)s;
                }
            var c = new int[m * n];
            BitSerialGemm.MultiplyBytesBySigns(pixels, BitTestData.Pack(weights, n, k), m, n, k, c, 2);
            BitTestData.Equal<int>(expected, c, $"seed={seed} m={m} k={k}");
        }
    }

    [Fact]
    public void Multiply_BadArguments_Throw()
    {
        var a = new ulong[2 * 3 * 2];
        var w = new ulong[4 * 2 * 2];
        var c = new long[8];
        BitSerialGemm.Multiply(a, 3, w, 2, 2, 4, 100, c);
        Assert.Throws<ArgumentException>(() => BitSerialGemm.Multiply(a, 3, w, 2, 2, 4, 129, c));
        Assert.Throws<ArgumentException>(() => BitSerialGemm.Multiply(a, 3, w, 2, 2, 4, 100, new long[7]));
        Assert.Throws<ArgumentOutOfRangeException>(() => BitSerialGemm.Multiply(a, 0, w, 2, 2, 4, 100, c));
        Assert.Throws<ArgumentOutOfRangeException>(() => BitSerialGemm.MultiplyUnipolar(a, 20, w, 20, 0, 0, 100, c));
        w[3] = 1UL << 40;
        var ex = Assert.Throws<ArgumentException>(() => BitSerialGemm.MultiplyUnipolar(a, 3, w, 2, 2, 4, 100, c));
        Assert.Equal("w", ex.ParamName);
        Assert.Throws<ArgumentOutOfRangeException>(() => BitSerialGemm.MultiplyBytesBySigns(new byte[1], new ulong[1], 1, 1, int.MaxValue / 200, new int[1]));
        Assert.Throws<ArgumentException>(() => BitSerialGemm.MultiplyBytesBySigns(new byte[5], new ulong[1], 1, 1, 6, new int[1]));
    }
}
