using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Lowbit.Kernels.Gemm;

/// <summary>
/// Packs blocks of A and B into the interleaved micro-panels the microkernels read
/// (<c>dst[p·width + r]</c>, r across the panel, p along k). Transposes are handled here, so no transposed
/// copy of an operand is ever materialised.
/// </summary>
/// <remarks>
/// Two source shapes occur. "Strided" sources hold a panel's rows r contiguous in p (A not transposed, B
/// transposed): <c>dst[p·width + r] = src[r·ld + p]</c>, which is a transpose, done in 8 × 8 register blocks.
/// "Contiguous" sources hold r contiguous for each p (A transposed, B not transposed):
/// <c>dst[p·width + r] = src[p·ld + r]</c>, a plain row copy. Rows r ≥ rows are written as zeros.
/// </remarks>
internal static unsafe class SgemmPacking
{
    /// <summary>dst[p·width + r] = src[p·ld + r] for r &lt; rows, zero for rows ≤ r &lt; width; p &lt; kc.</summary>
    public static void PackContiguous(float* src, nint ld, int rows, int kc, int width, float* dst)
    {
        if (rows == width && width == 32)
        {
            for (int p = 0; p < kc; p++, src += ld, dst += 32)
            {
                Vector256.Load(src).Store(dst);
                Vector256.Load(src + 8).Store(dst + 8);
                Vector256.Load(src + 16).Store(dst + 16);
                Vector256.Load(src + 24).Store(dst + 24);
            }
            return;
        }

        if (rows == width && width == 6)
        {
            // Two overlapping 4-float copies per p (floats 0..3 and 2..5): no read past the row's 6 floats.
            for (int p = 0; p < kc; p++, src += ld, dst += 6)
            {
                Vector128.Load(src).Store(dst);
                Vector128.Load(src + 2).Store(dst + 2);
            }
            return;
        }

        if (rows == width && width % 8 == 0)
        {
            for (int p = 0; p < kc; p++, src += ld, dst += width)
            {
                for (int r = 0; r < width; r += 8)
                    Vector256.Load(src + r).Store(dst + r);
            }
            return;
        }

        for (int p = 0; p < kc; p++, src += ld, dst += width)
        {
            int r = 0;
            for (; r < rows; r++) dst[r] = src[r];
            for (; r < width; r++) dst[r] = 0f;
        }
    }

    /// <summary>dst[p·width + r] = src[r·ld + p] for r &lt; rows, zero for rows ≤ r &lt; width; p &lt; kc.</summary>
    public static void PackStrided(float* src, nint ld, int rows, int kc, int width, float* dst)
    {
        int r0 = 0;
        if (Avx.IsSupported && rows == 6 && width == 6)
        {
            PackStrided6(src, ld, kc, dst);
            return;
        }

        if (Avx.IsSupported)
        {
            for (; r0 + 8 <= rows; r0 += 8)
            {
                int p0 = 0;
                for (; p0 + 8 <= kc; p0 += 8)
                    Transpose8x8(src + r0 * ld + p0, ld, dst + (nint)p0 * width + r0, width);
                for (; p0 < kc; p0++)
                {
                    for (int r = r0; r < r0 + 8; r++)
                        dst[(nint)p0 * width + r] = src[r * ld + p0];
                }
            }
        }

        for (int r = r0; r < rows; r++)
        {
            float* s = src + r * ld;
            float* d = dst + r;
            for (int p = 0; p < kc; p++, d += width)
                *d = s[p];
        }

        if (rows < width)
        {
            for (int p = 0; p < kc; p++)
            {
                float* d = dst + (nint)p * width;
                for (int r = rows; r < width; r++) d[r] = 0f;
            }
        }
    }

    /// <summary>
    /// <see cref="PackStrided"/> for a full 6-row panel (the Vector256 kernel's A panels): 8 columns p at a time, the
    /// 6 × 8 block is transposed as an 8 × 8 block with two zero rows, and the 8 resulting [r0..r5, 0, 0] vectors are
    /// stored at dst + 6p in increasing p, each store's two trailing zeros overwritten by the next one. The last
    /// vector of a block is stored as 4 + 2 floats so nothing is written past the block's 48 floats.
    /// </summary>
    private static void PackStrided6(float* src, nint ld, int kc, float* dst)
    {
        int p0 = 0;
        for (; p0 + 8 <= kc; p0 += 8)
        {
            float* s = src + p0;
            Transpose6x8(Avx.LoadVector256(s), Avx.LoadVector256(s + ld), Avx.LoadVector256(s + 2 * ld),
                Avx.LoadVector256(s + 3 * ld), Avx.LoadVector256(s + 4 * ld), Avx.LoadVector256(s + 5 * ld), dst + (nint)p0 * 6);
        }

        for (; p0 < kc; p0++)
        {
            for (int r = 0; r < 6; r++)
                dst[(nint)p0 * 6 + r] = src[r * ld + p0];
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose6x8(Vector256<float> r0, Vector256<float> r1, Vector256<float> r2, Vector256<float> r3,
        Vector256<float> r4, Vector256<float> r5, float* dst)
    {
        Vector256<float> zero = Vector256<float>.Zero;
        Vector256<float> t0 = Avx.UnpackLow(r0, r1), t1 = Avx.UnpackHigh(r0, r1);
        Vector256<float> t2 = Avx.UnpackLow(r2, r3), t3 = Avx.UnpackHigh(r2, r3);
        Vector256<float> t4 = Avx.UnpackLow(r4, r5), t5 = Avx.UnpackHigh(r4, r5);
        Vector256<float> u0 = Avx.Shuffle(t0, t2, 0x44), u1 = Avx.Shuffle(t0, t2, 0xEE);
        Vector256<float> u2 = Avx.Shuffle(t1, t3, 0x44), u3 = Avx.Shuffle(t1, t3, 0xEE);
        Vector256<float> u4 = Avx.Shuffle(t4, zero, 0x44), u5 = Avx.Shuffle(t4, zero, 0xEE);
        Vector256<float> u6 = Avx.Shuffle(t5, zero, 0x44), u7 = Avx.Shuffle(t5, zero, 0xEE);
        Avx.Store(dst, Avx.Permute2x128(u0, u4, 0x20));
        Avx.Store(dst + 6, Avx.Permute2x128(u1, u5, 0x20));
        Avx.Store(dst + 12, Avx.Permute2x128(u2, u6, 0x20));
        Avx.Store(dst + 18, Avx.Permute2x128(u3, u7, 0x20));
        Avx.Store(dst + 24, Avx.Permute2x128(u0, u4, 0x31));
        Avx.Store(dst + 30, Avx.Permute2x128(u1, u5, 0x31));
        Avx.Store(dst + 36, Avx.Permute2x128(u2, u6, 0x31));
        Vector256<float> last = Avx.Permute2x128(u3, u7, 0x31);
        last.GetLower().Store(dst + 42);
        dst[46] = last.GetElement(4);
        dst[47] = last.GetElement(5);
    }

    /// <summary>
    /// Writes the transpose of the 8 × 8 block at <paramref name="src"/> (row stride <paramref name="ld"/>) to
    /// <paramref name="dst"/> (row stride <paramref name="dstStride"/>). AVX only; the scalar loop in
    /// <see cref="PackStrided"/> is the portable path.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose8x8(float* src, nint ld, float* dst, nint dstStride)
    {
        Vector256<float> r0 = Avx.LoadVector256(src);
        Vector256<float> r1 = Avx.LoadVector256(src + ld);
        Vector256<float> r2 = Avx.LoadVector256(src + 2 * ld);
        Vector256<float> r3 = Avx.LoadVector256(src + 3 * ld);
        Vector256<float> r4 = Avx.LoadVector256(src + 4 * ld);
        Vector256<float> r5 = Avx.LoadVector256(src + 5 * ld);
        Vector256<float> r6 = Avx.LoadVector256(src + 6 * ld);
        Vector256<float> r7 = Avx.LoadVector256(src + 7 * ld);

        // Interleave pairs of rows, then pairs of pairs, then swap 128-bit halves.
        Vector256<float> t0 = Avx.UnpackLow(r0, r1), t1 = Avx.UnpackHigh(r0, r1);
        Vector256<float> t2 = Avx.UnpackLow(r2, r3), t3 = Avx.UnpackHigh(r2, r3);
        Vector256<float> t4 = Avx.UnpackLow(r4, r5), t5 = Avx.UnpackHigh(r4, r5);
        Vector256<float> t6 = Avx.UnpackLow(r6, r7), t7 = Avx.UnpackHigh(r6, r7);

        Vector256<float> u0 = Avx.Shuffle(t0, t2, 0x44), u1 = Avx.Shuffle(t0, t2, 0xEE);
        Vector256<float> u2 = Avx.Shuffle(t1, t3, 0x44), u3 = Avx.Shuffle(t1, t3, 0xEE);
        Vector256<float> u4 = Avx.Shuffle(t4, t6, 0x44), u5 = Avx.Shuffle(t4, t6, 0xEE);
        Vector256<float> u6 = Avx.Shuffle(t5, t7, 0x44), u7 = Avx.Shuffle(t5, t7, 0xEE);

        Avx.Store(dst, Avx.Permute2x128(u0, u4, 0x20));
        Avx.Store(dst + dstStride, Avx.Permute2x128(u1, u5, 0x20));
        Avx.Store(dst + 2 * dstStride, Avx.Permute2x128(u2, u6, 0x20));
        Avx.Store(dst + 3 * dstStride, Avx.Permute2x128(u3, u7, 0x20));
        Avx.Store(dst + 4 * dstStride, Avx.Permute2x128(u0, u4, 0x31));
        Avx.Store(dst + 5 * dstStride, Avx.Permute2x128(u1, u5, 0x31));
        Avx.Store(dst + 6 * dstStride, Avx.Permute2x128(u2, u6, 0x31));
        Avx.Store(dst + 7 * dstStride, Avx.Permute2x128(u3, u7, 0x31));
    }
}
