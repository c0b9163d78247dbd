using System.Buffers;
using System.Runtime.Intrinsics;

namespace Lowbit.Kernels.Bits;

/// <summary>
/// XNOR-popcount GEMM on packed ±1 rows: <c>c[i, j] = Σ_k a[i, k]·b[j, k]</c> for a, b ∈ {±1}.
/// </summary>
/// <remarks>
/// <c>c[i, j] = bits − 2·popcount(a_i XOR b_j)</c> (BinaryNet, Courbariaux, Hubara et al. 2016). Both operands are
/// packed with <see cref="BitPacking.PackSigns"/> along the reduction axis (layout in <see cref="BitLayout"/>), so the
/// zero padding bits never count. B is given row-major <c>[n, words]</c> (one packed row per output column, e.g. a
/// weight matrix <c>[outFeatures, inFeatures]</c>). Results are exact and identical for every thread count.
/// </remarks>
public static class XnorGemm
{
    /// <summary>Computes <c>c[i, j] = bits − 2·popcount(a_i XOR b_j)</c>, the ±1 dot product of row i of A and row j of B.</summary>
    /// <param name="a">Packed A <c>[m, WordsPerRow(bits)]</c>.</param>
    /// <param name="b">Packed B <c>[n, WordsPerRow(bits)]</c>.</param>
    /// <param name="m">Rows of A (≥ 0).</param>
    /// <param name="n">Rows of B = columns of C (≥ 0).</param>
    /// <param name="bits">True reduction length in values (≥ 0).</param>
    /// <param name="c">Output <c>[m, n]</c>, row-major.</param>
    /// <param name="threads">Worker threads (≥ 1); output rows are split between them.</param>
    /// <exception cref="ArgumentOutOfRangeException">A size is negative or <paramref name="threads"/> &lt; 1.</exception>
    /// <exception cref="ArgumentException">A span is too short or a packed row has non-zero padding bits.</exception>
    public static void Multiply(ReadOnlySpan<ulong> a, ReadOnlySpan<ulong> b, int m, int n, int bits, Span<int> c, int threads = 1)
    {
        Validate(a, b, m, n, bits, c.Length, threads);
        if (m == 0 || n == 0) return;
        // BENCHMARKS.md, "Bitwise kernels": Harley-Seal wins from two full 8-word adder blocks on; below that its
        // fixed per-output cost loses to the plain nibble-lookup path. Both beat the POPCNT tile.
        if (!PopCountGemm.PanelsAccelerated) MultiplyBlocked(a, b, m, n, bits, c, threads);
        else MultiplyPanels(a, b, m, n, bits, c, threads, PopCountGemm.PanelKernel.Auto);
    }

    /// <summary>
    /// Computes <c>c[i, j] = bits − 2·popcount(a_i XOR b_j)</c> with B packed once (<see cref="XnorWeights.Pack"/>).
    /// Few rows (m &lt; 4·threads, e.g. one image) split the columns between threads instead of the rows.
    /// </summary>
    /// <param name="a">Packed A <c>[m, WordsPerRow(b.Bits)]</c>.</param>
    /// <param name="b">The packed B operand.</param>
    /// <param name="m">Rows of A (≥ 0).</param>
    /// <param name="c">Output <c>[m, b.Count]</c>, row-major.</param>
    /// <param name="threads">Worker threads (≥ 1).</param>
    /// <exception cref="ArgumentOutOfRangeException">m is negative or <paramref name="threads"/> &lt; 1.</exception>
    /// <exception cref="ArgumentException">A span is too short or a packed row of A has non-zero padding bits.</exception>
    public static void MultiplyPacked(ReadOnlySpan<ulong> a, XnorWeights b, int m, Span<int> c, int threads = 1)
    {
        ArgumentNullException.ThrowIfNull(b);
        int n = b.Count, bits = b.Bits;
        int words = Validate(a, b.Rows, m, n, bits, c.Length, threads);
        if (m == 0 || n == 0) return;
        if (!PopCountGemm.PanelsAccelerated)
        {
            MultiplyBlocked(a, b.Rows, m, n, bits, c, threads);
            return;
        }
        MultiplyPrepacked(a, b, m, c, threads, PopCountGemm.PanelKernel.Auto);
    }

    /// <summary>Vector path over prepacked panels (<paramref name="kernel"/>), rows or columns split between threads.</summary>
    internal static unsafe void MultiplyPrepacked(ReadOnlySpan<ulong> a, XnorWeights b, int m, Span<int> c, int threads, PopCountGemm.PanelKernel kernel)
    {
        int n = b.Count, words = b.Words;
        int panelCount = (n + PopCountGemm.PanelRows - 1) / PopCountGemm.PanelRows;
        fixed (ulong* pa = a, pp = b.Panels)
        fixed (int* pc = c)
        {
            var job = new PrepackedJob(kernel, b, m, pa, pp, pc);
            // Small products stay on the calling thread: the hand-off costs more than ~2^15 word operations.
            if ((long)m * n * words < 1L << 15) threads = 1;
            if (threads == 1) job.Run(0, m, 0, panelCount); // no delegate: a call on one thread allocates nothing
            else if (m >= 4 * threads) RowPartition.Run(m, threads, 4, job.Rows);
            else RowPartition.Run(panelCount, threads, 1, job.Panels);
        }
    }

    /// <summary>One <see cref="MultiplyPrepacked"/> call's operands; any split of rows or panels gives the same values.</summary>
    private readonly unsafe struct PrepackedJob(PopCountGemm.PanelKernel kernel, XnorWeights b, int m, ulong* a, ulong* panels, int* c)
    {
        /// <summary>Rows [start, end) against every panel.</summary>
        public void Rows(int start, int end) => Run(start, end, 0, (b.Count + PopCountGemm.PanelRows - 1) / PopCountGemm.PanelRows);

        /// <summary>Every row against panels [start, end).</summary>
        public void Panels(int start, int end) => Run(0, m, start, end);

        public void Run(int rowStart, int rowEnd, int panelStart, int panelEnd)
        {
            int n = b.Count, words = b.Words, panelWords = words * PopCountGemm.PanelRows;
            int colStart = panelStart * PopCountGemm.PanelRows, colEnd = Math.Min(n, panelEnd * PopCountGemm.PanelRows);
            var aSpan = new ReadOnlySpan<ulong>(a, m * words).Slice(rowStart * words, (rowEnd - rowStart) * words);
            var pSpan = new ReadOnlySpan<ulong>(panels, b.PanelLength).Slice(panelStart * panelWords, (panelEnd - panelStart) * panelWords);
            var cSpan = new Span<int>(c, m * n).Slice(rowStart * n + colStart);
            PopCountGemm.MultiplyPanels<XorCombine, XnorEpilogue>(kernel, aSpan, rowEnd - rowStart, pSpan, colEnd - colStart, words, cSpan, n,
                new XnorEpilogue(b.Bits));
        }
    }

    internal static int Validate(ReadOnlySpan<ulong> a, ReadOnlySpan<ulong> b, int m, int n, int bits, int cLength, int threads)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(m);
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        ArgumentOutOfRangeException.ThrowIfNegative(bits);
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        int words = BitLayout.WordsPerRow(bits);
        BitChecks.Length(nameof(a), a.Length, BitChecks.Count(nameof(a), m, words), $"[m={m}, words={words}] for bits={bits}");
        BitChecks.Length(nameof(b), b.Length, BitChecks.Count(nameof(b), n, words), $"[n={n}, words={words}] for bits={bits}");
        BitChecks.Length("c", cLength, BitChecks.Count("c", m, n), $"[m={m}, n={n}]");
        BitChecks.Padding(nameof(a), a, m, words, bits);
        BitChecks.Padding(nameof(b), b, n, words, bits);
        return words;
    }

    /// <summary>Reference path: plain loops, one <see cref="System.Numerics.BitOperations.PopCount(ulong)"/> per word.</summary>
    internal static void MultiplyScalar(ReadOnlySpan<ulong> a, ReadOnlySpan<ulong> b, int m, int n, int bits, Span<int> c)
    {
        int words = BitLayout.WordsPerRow(bits);
        PopCountGemm.MultiplyScalar<XorCombine, XnorEpilogue>(a, m, b, n, words, c, n, new XnorEpilogue(bits));
    }

    /// <summary>Scalar POPCNT with a 2×4 register tile.</summary>
    internal static unsafe void MultiplyBlocked(ReadOnlySpan<ulong> a, ReadOnlySpan<ulong> b, int m, int n, int bits, Span<int> c, int threads = 1)
    {
        int words = BitLayout.WordsPerRow(bits);
        fixed (ulong* pa = a, pb = b)
        fixed (int* pc = c)
        {
            nint aAddr = (nint)pa, bAddr = (nint)pb, cAddr = (nint)pc;
            int aLength = m * words, bLength = n * words, cLength = m * n;
            RowPartition.Run(m, threads, 2, (start, end) =>
            {
                var aSpan = new ReadOnlySpan<ulong>((void*)aAddr, aLength);
                var bSpan = new ReadOnlySpan<ulong>((void*)bAddr, bLength);
                var cSpan = new Span<int>((void*)cAddr, cLength);
                PopCountGemm.MultiplyBlocked<XorCombine, XnorEpilogue>(aSpan.Slice(start * words, (end - start) * words), end - start,
                    bSpan, n, words, cSpan.Slice(start * n, (end - start) * n), n, new XnorEpilogue(bits));
            });
        }
    }

    /// <summary>512-bit path: B repacked into 8-row panels (pooled, 64-byte aligned scratch), nibble-lookup popcount, 4×16 tile.</summary>
    internal static void MultiplyVector512(ReadOnlySpan<ulong> a, ReadOnlySpan<ulong> b, int m, int n, int bits, Span<int> c, int threads = 1) =>
        MultiplyPanels(a, b, m, n, bits, c, threads, PopCountGemm.PanelKernel.Lookup512);

    /// <summary>512-bit path: panels as <see cref="MultiplyVector512"/>, Harley-Seal carry-save adder per lane, 1×16 tile.</summary>
    internal static void MultiplyHarleySeal512(ReadOnlySpan<ulong> a, ReadOnlySpan<ulong> b, int m, int n, int bits, Span<int> c, int threads = 1) =>
        MultiplyPanels(a, b, m, n, bits, c, threads, PopCountGemm.PanelKernel.HarleySeal512);

    /// <summary>256-bit path: the same panels, nibble lookup with <c>vpshufb</c>, 2×8 tile.</summary>
    internal static void MultiplyVector256(ReadOnlySpan<ulong> a, ReadOnlySpan<ulong> b, int m, int n, int bits, Span<int> c, int threads = 1) =>
        MultiplyPanels(a, b, m, n, bits, c, threads, PopCountGemm.PanelKernel.Lookup256);

    /// <summary>256-bit path: the same panels, Harley-Seal carry-save adders (2-input operations), 1×8 tile.</summary>
    internal static void MultiplyHarleySeal256(ReadOnlySpan<ulong> a, ReadOnlySpan<ulong> b, int m, int n, int bits, Span<int> c, int threads = 1) =>
        MultiplyPanels(a, b, m, n, bits, c, threads, PopCountGemm.PanelKernel.HarleySeal256);

    private static unsafe void MultiplyPanels(ReadOnlySpan<ulong> a, ReadOnlySpan<ulong> b, int m, int n, int bits, Span<int> c, int threads, PopCountGemm.PanelKernel kernel)
    {
        int words = BitLayout.WordsPerRow(bits);
        int panelLength = PopCountGemm.PanelLength(n, words);
        ulong[] rented = ArrayPool<ulong>.Shared.Rent(panelLength + PopCountGemm.AlignmentSlack);
        try
        {
            fixed (ulong* pa = a, pr = rented)
            fixed (int* pc = c)
            {
                ulong* pp = PopCountGemm.AlignPanels(pr);
                PopCountGemm.PackPanels(b, n, words, new Span<ulong>(pp, panelLength));
                nint aAddr = (nint)pa, pAddr = (nint)pp, cAddr = (nint)pc;
                int aLength = m * words, cLength = m * n;
                RowPartition.Run(m, threads, 4, (start, end) =>
                {
                    var aSpan = new ReadOnlySpan<ulong>((void*)aAddr, aLength).Slice(start * words, (end - start) * words);
                    var pSpan = new ReadOnlySpan<ulong>((void*)pAddr, panelLength);
                    var cSpan = new Span<int>((void*)cAddr, cLength).Slice(start * n, (end - start) * n);
                    var epilogue = new XnorEpilogue(bits);
                    PopCountGemm.MultiplyPanels<XorCombine, XnorEpilogue>(kernel, aSpan, end - start, pSpan, n, words, cSpan, n, epilogue);
                });
            }
        }
        finally
        {
            ArrayPool<ulong>.Shared.Return(rented);
        }
    }
}
