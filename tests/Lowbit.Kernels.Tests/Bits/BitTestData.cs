using Lowbit.Kernels.Bits;

namespace Lowbit.Kernels.Tests.Bits;

/// <summary>Seeded random data and plain-loop references for the bit-kernel tests.</summary>
internal static class BitTestData
{
    /// <summary>Lengths straddling 64-bit word boundaries.</summary>
    public static readonly int[] Lengths = [1, 31, 32, 33, 63, 64, 65, 127, 129];

    /// <summary>Row counts: 1, odd, prime, more than one tile.</summary>
    public static readonly int[] Rows = [1, 3, 7, 17];

    public static TheoryData<int> LengthData()
    {
        var data = new TheoryData<int>();
        foreach (int k in Lengths) data.Add(k);
        return data;
    }

    /// <summary>Random ±1 floats, with some exact zeros (which pack as +1).</summary>
    public static float[] Signs(Random rng, int count)
    {
        var x = new float[count];
        for (int i = 0; i < count; i++)
        {
            int r = rng.Next(10);
            x[i] = r == 0 ? 0f : (rng.Next(2) == 0 ? -1f : 1f) * (float)(0.5 + rng.NextDouble());
        }
        return x;
    }

    /// <summary>The ±1 value a float packs to: x ≥ 0 → +1.</summary>
    public static int Sign(float x) => x >= 0f ? 1 : -1;

    public static ulong[] Pack(float[] values, int rows, int n)
    {
        var packed = new ulong[rows * BitLayout.WordsPerRow(n)];
        BitPacking.PackSigns(values, rows, n, packed);
        return packed;
    }

    public static int[] Codes(Random rng, int count, int bitWidth)
    {
        var x = new int[count];
        for (int i = 0; i < count; i++) x[i] = rng.Next(1 << bitWidth);
        return x;
    }

    public static ulong[] Planes(int[] codes, int rows, int n, int bitWidth)
    {
        var planes = new ulong[rows * bitWidth * BitLayout.WordsPerRow(n)];
        BitPacking.PackBitPlanes(codes, rows, n, bitWidth, planes);
        return planes;
    }

    /// <summary>Float GEMM on the ±1 values (double accumulation), C[i, j] = Σ_k sign(a[i,k])·sign(b[j,k]).</summary>
    public static int[] SignDotReference(float[] a, float[] b, int m, int n, int k)
    {
        var c = new int[m * n];
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                double s = 0;
                for (int p = 0; p < k; p++) s += (double)Sign(a[i * k + p]) * Sign(b[j * k + p]);
                c[i * n + j] = checked((int)s);
            }
        }
        return c;
    }

    public static void Equal<T>(ReadOnlySpan<T> expected, ReadOnlySpan<T> actual, string context)
        where T : IEquatable<T>
    {
        Assert.True(expected.Length == actual.Length, $"{context}: length {actual.Length}, expected {expected.Length}");
        for (int i = 0; i < expected.Length; i++)
        {
            if (!expected[i].Equals(actual[i]))
            {
                Assert.Fail($"{context}: index {i} expected {expected[i]} actual {actual[i]}");
            }
        }
    }
}
