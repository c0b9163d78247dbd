using System.Buffers;
using System.Numerics;

namespace Lowbit.Kernels.Bits;

/// <summary>
/// Per-level integer dot products of ±1 activations with heterogeneous (per-weight bit-width) residual weight
/// planes stored as sign planes plus nested masks (HBB, Fromm et al. 2018; layout in <see cref="BitLayout"/>).
/// </summary>
/// <remarks>
/// <para>For activation row <c>a_i</c> (±1, packed signs), weight row j and level l:
/// <c>out[i, j, l] = Σ_{t ∈ A_l} a_{i,t}·b_{j,l,t} = popcount(m_{j,l}) − 2·popcount(m_{j,l} AND (a_i XOR b_{j,l}))</c>.
/// The caller forms <c>y[i, j] = Σ_l μ_l·out[i, j, l]</c>. <c>popcount(m_{j,l})</c> is computed once per weight row and
/// level. Words whose mask word is zero are skipped (only a win when masks are sparse or block-structured).</para>
/// <para>Layouts (see <see cref="BitLayout"/>): a <c>[m, WordsPerRow(bits)]</c>; signs and masks
/// <c>[n, levels, WordsPerRow(bits)]</c>; out <c>[m, n, levels]</c>. The kernel does not require the masks to be
/// nested or the sign bits outside a mask to be zero (both are conventions of the format, not of the arithmetic).</para>
/// </remarks>
public static partial class MaskedPlaneGemm
{
    /// <summary>Computes <c>out[i, j, l] = popcount(m_{j,l}) − 2·popcount(m_{j,l} AND (a_i XOR b_{j,l}))</c>.</summary>
    /// <param name="a">Packed ±1 activations <c>[m, WordsPerRow(bits)]</c>.</param>
    /// <param name="signs">Weight sign planes <c>[n, levels, WordsPerRow(bits)]</c>.</param>
    /// <param name="masks">Level masks <c>[n, levels, WordsPerRow(bits)]</c> (bit set = weight active at that level).</param>
    /// <param name="m">Activation rows (≥ 0).</param>
    /// <param name="n">Weight rows (≥ 0).</param>
    /// <param name="levels">Levels per weight row (≥ 1).</param>
    /// <param name="bits">Reduction length in values (≥ 0).</param>
    /// <param name="output">Output <c>[m, n, levels]</c>.</param>
    /// <param name="threads">Worker threads (≥ 1).</param>
    /// <exception cref="ArgumentOutOfRangeException">A size is out of range.</exception>
    /// <exception cref="ArgumentException">A span is too short or has non-zero padding bits.</exception>
    public static void Multiply(ReadOnlySpan<ulong> a, ReadOnlySpan<ulong> signs, ReadOnlySpan<ulong> masks,
        int m, int n, int levels, int bits, Span<int> output, int threads = 1)
    {
        Validate(a, signs, masks, m, n, levels, bits, output.Length, threads);
        if (m == 0 || n == 0) return;
        MultiplyBlocked(a, signs, masks, m, n, levels, bits, output, threads);
    }

    internal static void Validate(ReadOnlySpan<ulong> a, ReadOnlySpan<ulong> signs, ReadOnlySpan<ulong> masks,
        int m, int n, int levels, int bits, int outputLength, int threads)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(m);
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        ArgumentOutOfRangeException.ThrowIfNegative(bits);
        ArgumentOutOfRangeException.ThrowIfLessThan(levels, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        int words = BitLayout.WordsPerRow(bits);
        string planeShape = $"[n={n}, levels={levels}, words={words}]";
        BitChecks.Length(nameof(a), a.Length, BitChecks.Count(nameof(a), m, words), $"[m={m}, words={words}]");
        BitChecks.Length(nameof(signs), signs.Length, BitChecks.Count(nameof(signs), n, levels, words), planeShape);
        BitChecks.Length(nameof(masks), masks.Length, BitChecks.Count(nameof(masks), n, levels, words), planeShape);
        BitChecks.Length("output", outputLength, BitChecks.Count("output", m, n, levels), $"[m={m}, n={n}, levels={levels}]");
        BitChecks.Padding(nameof(a), a, m, words, bits);
        BitChecks.Padding(nameof(signs), signs, n * levels, words, bits);
        BitChecks.Padding(nameof(masks), masks, n * levels, words, bits);
    }

    /// <summary>Reference path: the formula as written, no precomputation, no skipping.</summary>
    internal static void MultiplyScalar(ReadOnlySpan<ulong> a, ReadOnlySpan<ulong> signs, ReadOnlySpan<ulong> masks,
        int m, int n, int levels, int bits, Span<int> output)
    {
        int words = BitLayout.WordsPerRow(bits);
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
                for (int l = 0; l < levels; l++)
                {
                    int plane = (j * levels + l) * words;
                    int active = 0, disagree = 0;
                    for (int w = 0; w < words; w++)
                    {
                        ulong mask = masks[plane + w];
                        active += BitOperations.PopCount(mask);
                        disagree += BitOperations.PopCount(mask & (a[i * words + w] ^ signs[plane + w]));
                    }
                    output[(i * n + j) * levels + l] = active - 2 * disagree;
                }
    }

    /// <summary>Precomputed mask popcounts, zero mask words skipped, output rows split between threads.</summary>
    internal static unsafe void MultiplyBlocked(ReadOnlySpan<ulong> a, ReadOnlySpan<ulong> signs, ReadOnlySpan<ulong> masks,
        int m, int n, int levels, int bits, Span<int> output, int threads = 1)
    {
        int words = BitLayout.WordsPerRow(bits);
        int planes = n * levels;
        int[] active = ArrayPool<int>.Shared.Rent(Math.Max(1, planes));
        try
        {
            for (int r = 0; r < planes; r++)
            {
                int count = 0;
                foreach (ulong x in masks.Slice(r * words, words)) count += BitOperations.PopCount(x);
                active[r] = count;
            }
            fixed (ulong* pa = a, ps = signs, pm = masks)
            fixed (int* po = output, pActive = active)
            {
                nint aAddr = (nint)pa, sAddr = (nint)ps, mAddr = (nint)pm, oAddr = (nint)po, activeAddr = (nint)pActive;
                int aLength = m * words, planeLength = planes * words, oLength = m * planes;
                RowPartition.Run(m, threads, 1, (start, end) =>
                {
                    var aAll = new ReadOnlySpan<ulong>((void*)aAddr, aLength);
                    var sAll = new ReadOnlySpan<ulong>((void*)sAddr, planeLength);
                    var mAll = new ReadOnlySpan<ulong>((void*)mAddr, planeLength);
                    var activeAll = new ReadOnlySpan<int>((void*)activeAddr, planes);
                    var oAll = new Span<int>((void*)oAddr, oLength);
                    for (int i = start; i < end; i++)
                    {
                        ReadOnlySpan<ulong> ai = aAll.Slice(i * words, words);
                        Span<int> oi = oAll.Slice(i * planes, planes);
                        for (int r = 0; r < planes; r++) oi[r] = activeAll[r] - 2 * MaskedDisagreements(ai, sAll.Slice(r * words, words), mAll.Slice(r * words, words));
                    }
                });
            }
        }
        finally
        {
            ArrayPool<int>.Shared.Return(active);
        }
    }

    private static int MaskedDisagreements(ReadOnlySpan<ulong> a, ReadOnlySpan<ulong> sign, ReadOnlySpan<ulong> mask)
    {
        int c0 = 0, c1 = 0;
        int w = 0;
        for (; w + 2 <= a.Length; w += 2)
        {
            ulong m0 = mask[w], m1 = mask[w + 1];
            if ((m0 | m1) == 0) continue;
            c0 += BitOperations.PopCount(m0 & (a[w] ^ sign[w]));
            c1 += BitOperations.PopCount(m1 & (a[w + 1] ^ sign[w + 1]));
        }
        if (w < a.Length) c0 += BitOperations.PopCount(mask[w] & (a[w] ^ sign[w]));
        return c0 + c1;
    }
}
