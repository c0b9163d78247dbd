using Lowbit.Kernels.Gemm;

namespace Lowbit.Kernels.Tests.Gemm;

/// <summary>The packing routines against their index definitions, for every panel width the kernels use.</summary>
public class SgemmPackingTests
{
    public static TheoryData<int, int> WidthsAndRows()
    {
        var data = new TheoryData<int, int>();
        foreach (int width in new[] { 6, 8, 16, 32 })
        {
            foreach (int rows in new[] { 1, width - 1, width })
                data.Add(width, rows);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(WidthsAndRows))]
    public unsafe void PackStrided_EveryDepth_MatchesDefinition(int width, int rows)
    {
        const int Ld = 43;
        for (int kc = 0; kc <= 27; kc++)
        {
            float[] src = Source(rows * Ld, seed: kc);
            float[] dst = Filled(kc * width + 5, float.NaN);
            fixed (float* s = src, d = dst)
                SgemmPacking.PackStrided(s, Ld, rows, kc, width, d);
            for (int p = 0; p < kc; p++)
            {
                for (int r = 0; r < width; r++)
                {
                    float expected = r < rows ? src[r * Ld + p] : 0f;
                    Assert.True(expected.Equals(dst[p * width + r]), $"width {width} rows {rows} kc {kc}: dst[{p}·{width} + {r}] = {dst[p * width + r]}, expected {expected}");
                }
            }

            for (int i = kc * width; i < dst.Length; i++)
                Assert.True(float.IsNaN(dst[i]), $"width {width} rows {rows} kc {kc}: wrote past the panel at {i}");
        }
    }

    [Theory]
    [MemberData(nameof(WidthsAndRows))]
    public unsafe void PackContiguous_EveryDepth_MatchesDefinition(int width, int rows)
    {
        const int Ld = 37;
        for (int kc = 0; kc <= 11; kc++)
        {
            // The source ends exactly at the last element read, so an over-read would be visible under a debugger
            // and the values past it are never used.
            float[] src = Source(kc == 0 ? 0 : (kc - 1) * Ld + rows, seed: kc);
            float[] dst = Filled(kc * width + 5, float.NaN);
            fixed (float* s = src, d = dst)
                SgemmPacking.PackContiguous(s, Ld, rows, kc, width, d);
            for (int p = 0; p < kc; p++)
            {
                for (int r = 0; r < width; r++)
                {
                    float expected = r < rows ? src[p * Ld + r] : 0f;
                    Assert.True(expected.Equals(dst[p * width + r]), $"width {width} rows {rows} kc {kc}: dst[{p}·{width} + {r}] = {dst[p * width + r]}, expected {expected}");
                }
            }

            for (int i = kc * width; i < dst.Length; i++)
                Assert.True(float.IsNaN(dst[i]), $"width {width} rows {rows} kc {kc}: wrote past the panel at {i}");
        }
    }

    private static float[] Source(int length, int seed)
    {
        var random = new Random(seed);
        var values = new float[length];
        for (int i = 0; i < length; i++) values[i] = (float)(random.NextDouble() * 2 - 1);
        return values;
    }

    private static float[] Filled(int length, float value)
    {
        var values = new float[length];
        Array.Fill(values, value);
        return values;
    }
}
