using System.Buffers;
using System.Runtime.Intrinsics;

namespace Lowbit.Kernels.Bits;

public static partial class MaskedPlaneGemm
{
    /// <summary>
    /// <see cref="Multiply"/> on weights prepared once by <see cref="MaskedPlaneWeights.Pack"/>: with 512- or 256-bit vectors two
    /// AND-popcount GEMMs over the prepacked panels (see <see cref="MaskedPlaneWeights"/>; Harley-Seal from
    /// <see cref="PopCountGemm.MultiplyPanels{TOp, TEpi}(ReadOnlySpan{ulong}, int, ReadOnlySpan{ulong}, int, int, Span{int}, int, TEpi)"/>, as <see cref="XnorGemm"/>), else the blocked scalar path.
    /// </summary>
    /// <param name="a">Packed ±1 activations <c>[m, WordsPerRow(weights.Bits)]</c>.</param>
    /// <param name="weights">The prepared weights.</param>
    /// <param name="m">Activation rows (≥ 0).</param>
    /// <param name="output">Output <c>[m, weights.Count, weights.Levels]</c>.</param>
    /// <param name="threads">Worker threads (≥ 1); rows are split between them.</param>
    /// <exception cref="ArgumentOutOfRangeException">A size is out of range.</exception>
    /// <exception cref="ArgumentException">A span is too short or has non-zero padding bits.</exception>
    public static void MultiplyPacked(ReadOnlySpan<ulong> a, MaskedPlaneWeights weights, int m, Span<int> output, int threads = 1)
    {
        ArgumentNullException.ThrowIfNull(weights);
        int n = weights.Count, levels = weights.Levels, bits = weights.Bits;
        Validate(a, weights.Signs, weights.Masks, m, n, levels, bits, output.Length, threads);
        if (m == 0 || n == 0) return;
        if (!PopCountGemm.PanelsAccelerated)
        {
            MultiplyBlocked(a, weights.Signs, weights.Masks, m, n, levels, bits, output, threads);
            return;
        }
        MultiplyVector(a, weights, m, output, threads);
    }

    /// <summary>Vector path on the widest width (callable from tests on any hardware: the vector types compute correctly without acceleration).</summary>
    internal static void MultiplyVector(ReadOnlySpan<ulong> a, MaskedPlaneWeights weights, int m, Span<int> output, int threads)
    {
        int rows = weights.Count * weights.Levels;
        var withMask = ArrayPool<int>.Shared.Rent(m * rows);
        var withSigns = ArrayPool<int>.Shared.Rent(m * rows);
        try
        {
            // pc(a AND m) and pc(a AND s') for every (activation row, weight row): raw AND-popcount GEMMs.
            AndPopCounts(a, weights.MaskPanels, m, withMask.AsSpan(0, m * rows), threads);
            AndPopCounts(a, weights.SignPanels, m, withSigns.AsSpan(0, m * rows), threads);
            var active = weights.Active;
            var signCounts = weights.SignCounts;
            for (int i = 0; i < m; i++)
            {
                var o = output.Slice(i * rows, rows);
                var am = withMask.AsSpan(i * rows, rows);
                var as_ = withSigns.AsSpan(i * rows, rows);
                // |m| − 2·popcount(m AND (a XOR s)), popcount(m AND (a XOR s)) = pc(a AND m) + pc(s') − 2·pc(a AND s')
                for (int r = 0; r < rows; r++) o[r] = active[r] - 2 * (am[r] + signCounts[r] - 2 * as_[r]);
            }
        }
        finally
        {
            ArrayPool<int>.Shared.Return(withMask);
            ArrayPool<int>.Shared.Return(withSigns);
        }
    }

    private static unsafe void AndPopCounts(ReadOnlySpan<ulong> a, XnorWeights b, int m, Span<int> c, int threads)
    {
        int n = b.Count, words = b.Words, panelLength = b.PanelLength;
        fixed (ulong* pa = a, pp = b.Panels)
        fixed (int* pc = c)
        {
            nint aAddr = (nint)pa, pAddr = (nint)pp, cAddr = (nint)pc;
            int aLength = m * words, cLength = m * n;
            if ((long)m * n * words < 1L << 15) threads = 1;
            RowPartition.Run(m, threads, 4, (start, end) =>
            {
                var aSpan = new ReadOnlySpan<ulong>((void*)aAddr, aLength).Slice(start * words, (end - start) * words);
                var pSpan = new ReadOnlySpan<ulong>((void*)pAddr, panelLength);
                var cSpan = new Span<int>((void*)cAddr, cLength).Slice(start * n);
                PopCountGemm.MultiplyPanels<AndCombine, RawEpilogue>(aSpan, end - start, pSpan, n, words, cSpan, n, default);
            });
        }
    }
}
