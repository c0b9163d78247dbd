using System.Runtime.Intrinsics;
using Lowbit.Kernels.Gemm;

namespace Lowbit.Inference.Runtime;

/// <summary>
/// One float32 dot product computed with exactly the operation sequence <see cref="Sgemm.Multiply"/> uses for each
/// output element, so that a single undecided unit can be replayed without a GEMM call (~40 µs of packing and
/// scheduling per call on this machine, for 784 multiply-adds).
/// </summary>
/// <remarks>
/// Sgemm's vector paths (Sgemm.Blocked.cs, the 8×32 and 6×16 microkernels) accumulate each element in one lane over
/// depth blocks of 256: s = fma(x_p, w_p, s) from s = 0 within a block, then c = 1·s for the first block and
/// c = 1·s + 1·c for later ones (separately rounded; α = 1, β = 0); the scalar path adds rounded products in order.
/// That is an implementation detail of another module, so <see cref="Create"/> checks the emulation against Sgemm
/// itself on random data of the layer's length and returns null when they differ in any bit; callers then replay
/// with Sgemm. Random float32 data makes different summation orders disagree with overwhelming probability.
/// </remarks>
internal sealed class SgemmDotEmulation
{
    private const int DepthBlock = 256;
    private readonly bool _fused;

    private SgemmDotEmulation(bool fused) => _fused = fused;

    /// <summary>
    /// Values summed one after another from zero before a partial sum joins the running total (the depth block of the
    /// vector paths; the whole length on the scalar path): the summation order that
    /// <see cref="Export.FirstLayerBound.OrderedBound"/> bounds.
    /// </summary>
    /// <param name="k">The reduction length.</param>
    public int BlockLength(int k) => _fused ? Math.Min(DepthBlock, Math.Max(k, 1)) : Math.Max(k, 1);

    /// <summary>The emulation for dot products of length <paramref name="k"/>, or null if it does not reproduce Sgemm bit for bit.</summary>
    public static SgemmDotEmulation? Create(int k)
    {
        var emulation = new SgemmDotEmulation(Vector512.IsHardwareAccelerated || Vector256.IsHardwareAccelerated);
        var random = new Random(20261122);
        var x = new float[k];
        var w = new float[4 * k];
        var y = new float[4];
        for (int trial = 0; trial < 8; trial++)
        {
            for (int t = 0; t < k; t++) x[t] = (float)(random.NextDouble() * 2 - 1);
            for (int t = 0; t < w.Length; t++) w[t] = (float)(random.NextDouble() * 2 - 1) * (trial % 2 == 0 ? 1f : 1e3f);
            bool signs = trial >= 6; // the last trials check DotSigns on ±1 weights
            if (signs) for (int t = 0; t < w.Length; t++) w[t] = w[t] >= 0 ? 1f : -1f;
            Sgemm.Multiply(false, true, 1, 4, k, 1f, x, k, w, k, 0f, y, 4, 1);
            int words = (k + 63) / 64;
            var packed = new ulong[4 * words];
            for (int t = 0; t < w.Length; t++) if (w[t] > 0) packed[(t / k) * words + (t % k) / 64] |= 1UL << (t % k % 64);
            var four = new float[4];
            if (signs)
                emulation.DotSigns4(x, packed.AsSpan(0, words), x, packed.AsSpan(words, words), x, packed.AsSpan(2 * words, words), x, packed.AsSpan(3 * words, words), four);
            for (int j = 0; j < 4; j++)
            {
                float emulated = signs ? emulation.DotSigns(x, packed.AsSpan(j * words, words)) : emulation.Dot(x, w.AsSpan(j * k, k));
                if (BitConverter.SingleToInt32Bits(emulated) != BitConverter.SingleToInt32Bits(y[j])) return null;
                if (signs && BitConverter.SingleToInt32Bits(four[j]) != BitConverter.SingleToInt32Bits(y[j])) return null;
            }
        }
        return emulation;
    }

    /// <summary>
    /// Σ_t x_t·s_t for packed signs s (bit 1 = +1) in Sgemm's operation order, without unpacking: a product with ±1 is
    /// exact, so fma(x, ±1, acc) = acc ± x rounded once, and (unfused) acc + (±1·x) rounds the same sum once.
    /// </summary>
    public float DotSigns(ReadOnlySpan<float> x, ReadOnlySpan<ulong> signs)
    {
        float c = 0f;
        int block = _fused ? DepthBlock : int.MaxValue;
        for (int start = 0; start < x.Length; start += block)
        {
            int end = (int)Math.Min(x.Length, (long)start + block);
            float s = 0f;
            for (int t = start; t < end; t++) s += Signed(x[t], signs[t >> 6] >> (t & 63));
            c = start == 0 ? s : s + c;
        }
        return c;
    }

    /// <summary>
    /// Four <see cref="DotSigns"/> at once (independent accumulators, each with exactly the single version's operation
    /// sequence): the four dependent chains overlap in the pipeline.
    /// </summary>
    public void DotSigns4(ReadOnlySpan<float> x0, ReadOnlySpan<ulong> s0, ReadOnlySpan<float> x1, ReadOnlySpan<ulong> s1,
        ReadOnlySpan<float> x2, ReadOnlySpan<ulong> s2, ReadOnlySpan<float> x3, ReadOnlySpan<ulong> s3, Span<float> result)
    {
        int n = x0.Length, block = _fused ? DepthBlock : int.MaxValue;
        float c0 = 0f, c1 = 0f, c2 = 0f, c3 = 0f;
        for (int start = 0; start < n; start += block)
        {
            int end = (int)Math.Min(n, (long)start + block);
            float a0 = 0f, a1 = 0f, a2 = 0f, a3 = 0f;
            for (int t = start; t < end; t++)
            {
                int word = t >> 6, bit = t & 63;
                a0 += Signed(x0[t], s0[word] >> bit);
                a1 += Signed(x1[t], s1[word] >> bit);
                a2 += Signed(x2[t], s2[word] >> bit);
                a3 += Signed(x3[t], s3[word] >> bit);
            }
            if (start == 0) (c0, c1, c2, c3) = (a0, a1, a2, a3);
            else (c0, c1, c2, c3) = (a0 + c0, a1 + c1, a2 + c2, a3 + c3);
        }
        result[0] = c0;
        result[1] = c1;
        result[2] = c2;
        result[3] = c3;
    }

    /// <summary>x if bit 0 of <paramref name="bits"/> is 1, else −x (sign bit flipped, no branch); s + (−x) is s − x in IEEE arithmetic.</summary>
    private static float Signed(float x, ulong bits) =>
        BitConverter.Int32BitsToSingle(BitConverter.SingleToInt32Bits(x) ^ (int)((~(uint)bits & 1u) << 31));

    /// <summary>Σ_t x_t·w_t in Sgemm's operation order.</summary>
    public float Dot(ReadOnlySpan<float> x, ReadOnlySpan<float> w)
    {
        if (!_fused)
        {
            float sum = 0f;
            for (int t = 0; t < x.Length; t++) sum += x[t] * w[t];
            return sum;
        }
        float c = 0f;
        for (int start = 0; start < x.Length; start += DepthBlock)
        {
            int end = Math.Min(x.Length, start + DepthBlock);
            float s = 0f;
            for (int t = start; t < end; t++) s = MathF.FusedMultiplyAdd(x[t], w[t], s);
            c = start == 0 ? s : s + c;
        }
        return c;
    }
}
