using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Lowbit.Kernels.Bits;

/// <summary>
/// Shared loop driver for popcount GEMMs: <c>c[i, j] = epilogue(Σ_w popcount(Combine(a[i, w], b[j, w])))</c>.
/// A is <c>[rows, words]</c>, B is <c>[n, words]</c>, C is <c>[rows, ldc]</c>. Callers validate; these methods only assert.
/// </summary>
/// <remarks>
/// Paths: <see cref="MultiplyScalar"/> (reference), <see cref="MultiplyBlocked"/> (2×4 register tile, hardware
/// POPCNT through <see cref="BitOperations.PopCount(ulong)"/>), <see cref="MultiplyVector512"/> (B repacked into
/// 8-row panels so one 512-bit vector holds the same word of 8 B rows; per-64-bit-lane popcount by nibble lookup,
/// byte counters widened with SAD every ≤ 31 words, 4 A rows × 16 B rows register tile, A rows in ~16 KiB cache
/// blocks so each B panel pair is reused from L1).
/// </remarks>
internal static partial class PopCountGemm
{
    /// <summary>B rows per panel (one 512-bit vector of words).</summary>
    public const int PanelRows = 8;

    /// <summary>Words per chunk before byte counters could overflow: 31 × 8 = 248 ≤ 255.</summary>
    private const int ChunkWords = 31;

    /// <summary>Reference path: one output at a time, <see cref="BitOperations.PopCount(ulong)"/> per word.</summary>
    public static void MultiplyScalar<TOp, TEpi>(ReadOnlySpan<ulong> a, int rows, ReadOnlySpan<ulong> b, int n, int words, Span<int> c, int ldc, TEpi epi)
        where TOp : IBitCombine where TEpi : IPopCountEpilogue
    {
        for (int i = 0; i < rows; i++)
        {
            ReadOnlySpan<ulong> ai = a.Slice(i * words, words);
            for (int j = 0; j < n; j++)
            {
                ReadOnlySpan<ulong> bj = b.Slice(j * words, words);
                int count = 0;
                for (int w = 0; w < words; w++) count += BitOperations.PopCount(TOp.Combine(ai[w], bj[w]));
                c[i * ldc + j] = epi.Apply(count);
            }
        }
    }

    /// <summary>2 A rows × 4 B rows per tile: 8 independent popcount chains, 6 loads per 8 word pairs. Edges use the reference.</summary>
    public static void MultiplyBlocked<TOp, TEpi>(ReadOnlySpan<ulong> a, int rows, ReadOnlySpan<ulong> b, int n, int words, Span<int> c, int ldc, TEpi epi)
        where TOp : IBitCombine where TEpi : IPopCountEpilogue
    {
        ref ulong aRef = ref MemoryMarshal.GetReference(a);
        ref ulong bRef = ref MemoryMarshal.GetReference(b);
        int i = 0;
        for (; i + 2 <= rows; i += 2)
        {
            ref ulong a0 = ref Unsafe.Add(ref aRef, i * words);
            ref ulong a1 = ref Unsafe.Add(ref a0, words);
            int j = 0;
            for (; j + 4 <= n; j += 4)
            {
                ref ulong b0 = ref Unsafe.Add(ref bRef, j * words);
                ref ulong b1 = ref Unsafe.Add(ref b0, words);
                ref ulong b2 = ref Unsafe.Add(ref b1, words);
                ref ulong b3 = ref Unsafe.Add(ref b2, words);
                int c00 = 0, c01 = 0, c02 = 0, c03 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0;
                for (int w = 0; w < words; w++)
                {
                    ulong x0 = Unsafe.Add(ref a0, w), x1 = Unsafe.Add(ref a1, w);
                    ulong y0 = Unsafe.Add(ref b0, w), y1 = Unsafe.Add(ref b1, w);
                    ulong y2 = Unsafe.Add(ref b2, w), y3 = Unsafe.Add(ref b3, w);
                    c00 += BitOperations.PopCount(TOp.Combine(x0, y0));
                    c01 += BitOperations.PopCount(TOp.Combine(x0, y1));
                    c02 += BitOperations.PopCount(TOp.Combine(x0, y2));
                    c03 += BitOperations.PopCount(TOp.Combine(x0, y3));
                    c10 += BitOperations.PopCount(TOp.Combine(x1, y0));
                    c11 += BitOperations.PopCount(TOp.Combine(x1, y1));
                    c12 += BitOperations.PopCount(TOp.Combine(x1, y2));
                    c13 += BitOperations.PopCount(TOp.Combine(x1, y3));
                }
                Span<int> r0 = c.Slice(i * ldc + j, 4), r1 = c.Slice((i + 1) * ldc + j, 4);
                r0[0] = epi.Apply(c00); r0[1] = epi.Apply(c01); r0[2] = epi.Apply(c02); r0[3] = epi.Apply(c03);
                r1[0] = epi.Apply(c10); r1[1] = epi.Apply(c11); r1[2] = epi.Apply(c12); r1[3] = epi.Apply(c13);
            }
            if (j < n)
            {
                MultiplyScalar<TOp, TEpi>(a.Slice(i * words, 2 * words), 2, b.Slice(j * words), n - j, words, c.Slice(i * ldc + j), ldc, epi);
            }
        }
        if (i < rows)
        {
            MultiplyScalar<TOp, TEpi>(a.Slice(i * words), rows - i, b, n, words, c.Slice(i * ldc), ldc, epi);
        }
    }

    /// <summary>Words needed by <see cref="PackPanels"/>: <c>ceil(n / 8) · words · 8</c>.</summary>
    public static int PanelLength(int n, int words) => checked(((n + PanelRows - 1) / PanelRows) * words * PanelRows);

    /// <summary>Extra words to rent so that <see cref="AlignPanels"/> can start the panels on a 64-byte boundary.</summary>
    public const int AlignmentSlack = 7;

    /// <summary>
    /// First 64-byte aligned word at or after <paramref name="rented"/> (pinned, 8-byte aligned). Unaligned panels make
    /// every 512-bit load straddle two cache lines, which measured about 3× slower for the Harley-Seal tile.
    /// </summary>
    public static unsafe ulong* AlignPanels(ulong* rented) => (ulong*)(((nuint)rented + 63) & ~(nuint)63);

    /// <summary>Repacks B <c>[n, words]</c> into panels <c>[ceil(n/8), words, 8]</c>; rows past n are zero.</summary>
    public static void PackPanels(ReadOnlySpan<ulong> b, int n, int words, Span<ulong> panels)
    {
        int panelCount = (n + PanelRows - 1) / PanelRows;
        for (int p = 0; p < panelCount; p++)
        {
            Span<ulong> panel = panels.Slice(p * words * PanelRows, words * PanelRows);
            for (int l = 0; l < PanelRows; l++)
            {
                int j = p * PanelRows + l;
                for (int w = 0; w < words; w++) panel[w * PanelRows + l] = j < n ? b[j * words + w] : 0;
            }
        }
    }

    /// <summary>Vector path over panels made by <see cref="PackPanels"/>.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void MultiplyVector512<TOp, TEpi>(ReadOnlySpan<ulong> a, int rows, ReadOnlySpan<ulong> panels, int n, int words, Span<int> c, int ldc, TEpi epi)
        where TOp : IBitCombine where TEpi : IPopCountEpilogue
    {
        int panelCount = (n + PanelRows - 1) / PanelRows;
        int panelWords = words * PanelRows;
        int rowBlock = RowBlock(words);
        for (int i0 = 0; i0 < rows; i0 += rowBlock)
        {
            int iEnd = Math.Min(rows, i0 + rowBlock);
            int p = 0;
            for (; p + 2 <= panelCount; p += 2)
            {
                ReadOnlySpan<ulong> pair = panels.Slice(p * panelWords, 2 * panelWords);
                int i = i0;
                for (; i + 4 <= iEnd; i += 4)
                {
                    Tile4x16<TOp, TEpi>(a.Slice(i * words, 4 * words), pair, words, c.Slice(i * ldc), ldc, p * PanelRows, n, epi);
                }
                for (; i < iEnd; i++) Tile1x16<TOp, TEpi>(a.Slice(i * words, words), pair, words, c.Slice(i * ldc), p * PanelRows, n, epi);
            }
            for (; p < panelCount; p++)
            {
                for (int i = i0; i < iEnd; i++)
                {
                    Tile1x8<TOp, TEpi>(a.Slice(i * words, words), panels.Slice(p * panelWords, panelWords), words, c.Slice(i * ldc), p * PanelRows, n, epi);
                }
            }
        }
    }

    /// <summary>A rows per cache block: about 16 KiB of A, at least 4 rows, so a B panel pair is reused from L1.</summary>
    private static int RowBlock(int words) => Math.Max(4, 2048 / Math.Max(1, words)) & ~3;

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Tile4x16<TOp, TEpi>(ReadOnlySpan<ulong> a, ReadOnlySpan<ulong> panels, int words, Span<int> c, int ldc, int j0, int n, TEpi epi)
        where TOp : IBitCombine where TEpi : IPopCountEpilogue
    {
        ref ulong a0 = ref MemoryMarshal.GetReference(a);
        ref ulong a1 = ref Unsafe.Add(ref a0, words);
        ref ulong a2 = ref Unsafe.Add(ref a1, words);
        ref ulong a3 = ref Unsafe.Add(ref a2, words);
        ref ulong p0 = ref MemoryMarshal.GetReference(panels);
        ref ulong p1 = ref Unsafe.Add(ref p0, words * PanelRows);
        Vector512<ulong> q00 = default, q01 = default, q10 = default, q11 = default;
        Vector512<ulong> q20 = default, q21 = default, q30 = default, q31 = default;
        for (int start = 0; start < words; start += ChunkWords)
        {
            int end = Math.Min(words, start + ChunkWords);
            Vector512<byte> s00 = default, s01 = default, s10 = default, s11 = default;
            Vector512<byte> s20 = default, s21 = default, s30 = default, s31 = default;
            for (int w = start; w < end; w++)
            {
                Vector512<ulong> y0 = Vector512.LoadUnsafe(ref p0, (nuint)(w * PanelRows));
                Vector512<ulong> y1 = Vector512.LoadUnsafe(ref p1, (nuint)(w * PanelRows));
                Vector512<ulong> x = Vector512.Create(Unsafe.Add(ref a0, w));
                s00 += LaneByteCounts(TOp.Combine(x, y0)); s01 += LaneByteCounts(TOp.Combine(x, y1));
                x = Vector512.Create(Unsafe.Add(ref a1, w));
                s10 += LaneByteCounts(TOp.Combine(x, y0)); s11 += LaneByteCounts(TOp.Combine(x, y1));
                x = Vector512.Create(Unsafe.Add(ref a2, w));
                s20 += LaneByteCounts(TOp.Combine(x, y0)); s21 += LaneByteCounts(TOp.Combine(x, y1));
                x = Vector512.Create(Unsafe.Add(ref a3, w));
                s30 += LaneByteCounts(TOp.Combine(x, y0)); s31 += LaneByteCounts(TOp.Combine(x, y1));
            }
            q00 += SumBytesPerLane(s00); q01 += SumBytesPerLane(s01);
            q10 += SumBytesPerLane(s10); q11 += SumBytesPerLane(s11);
            q20 += SumBytesPerLane(s20); q21 += SumBytesPerLane(s21);
            q30 += SumBytesPerLane(s30); q31 += SumBytesPerLane(s31);
        }
        Store16(q00, q01, c, j0, n, epi);
        Store16(q10, q11, c.Slice(ldc), j0, n, epi);
        Store16(q20, q21, c.Slice(2 * ldc), j0, n, epi);
        Store16(q30, q31, c.Slice(3 * ldc), j0, n, epi);
    }

    /// <summary>
    /// One A row against a panel pair (16 B rows): the rows left over by <see cref="Tile4x16{TOp, TEpi}"/>, e.g. every
    /// row of a one-image product. Two independent byte counters and one vector store of the 16 results (two
    /// <see cref="Tile1x8{TOp, TEpi}"/> calls with their per-lane stores took 4-5× as long at 4 words).
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Tile1x16<TOp, TEpi>(ReadOnlySpan<ulong> a, ReadOnlySpan<ulong> panels, int words, Span<int> cRow, int j0, int n, TEpi epi)
        where TOp : IBitCombine where TEpi : IPopCountEpilogue
    {
        ref ulong a0 = ref MemoryMarshal.GetReference(a);
        ref ulong p0 = ref MemoryMarshal.GetReference(panels);
        ref ulong p1 = ref Unsafe.Add(ref p0, words * PanelRows);
        Vector512<ulong> q0 = default, q1 = default;
        for (int start = 0; start < words; start += ChunkWords)
        {
            int end = Math.Min(words, start + ChunkWords);
            Vector512<byte> s0 = default, s1 = default;
            for (int w = start; w < end; w++)
            {
                Vector512<ulong> x = Vector512.Create(Unsafe.Add(ref a0, w));
                s0 += LaneByteCounts(TOp.Combine(x, Vector512.LoadUnsafe(ref p0, (nuint)(w * PanelRows))));
                s1 += LaneByteCounts(TOp.Combine(x, Vector512.LoadUnsafe(ref p1, (nuint)(w * PanelRows))));
            }
            q0 += SumBytesPerLane(s0);
            q1 += SumBytesPerLane(s1);
        }
        Store16(q0, q1, cRow, j0, n, epi);
    }

    private static void Tile1x8<TOp, TEpi>(ReadOnlySpan<ulong> a, ReadOnlySpan<ulong> panel, int words, Span<int> cRow, int j0, int n, TEpi epi)
        where TOp : IBitCombine where TEpi : IPopCountEpilogue
    {
        ref ulong p0 = ref MemoryMarshal.GetReference(panel);
        Vector512<ulong> q = default;
        for (int start = 0; start < words; start += ChunkWords)
        {
            int end = Math.Min(words, start + ChunkWords);
            Vector512<byte> s = default;
            for (int w = start; w < end; w++)
            {
                s += LaneByteCounts(TOp.Combine(Vector512.Create(a[w]), Vector512.LoadUnsafe(ref p0, (nuint)(w * PanelRows))));
            }
            q += SumBytesPerLane(s);
        }
        for (int l = 0; l < PanelRows && j0 + l < n; l++) cRow[j0 + l] = epi.Apply((int)q.GetElement(l));
    }

    private static void Store16<TEpi>(Vector512<ulong> lower, Vector512<ulong> upper, Span<int> cRow, int j0, int n, TEpi epi)
        where TEpi : IPopCountEpilogue
    {
        Vector512<int> result = epi.Apply(Vector512.Narrow(lower, upper).AsInt32());
        if (j0 + 16 <= n)
        {
            result.StoreUnsafe(ref MemoryMarshal.GetReference(cRow), (nuint)j0);
            return;
        }
        for (int l = 0; j0 + l < n; l++) cRow[j0 + l] = result.GetElement(l);
    }

    /// <summary>
    /// Popcount of each byte (0..8). With AVX-512 VBMI: two 64-entry <c>vpermb</c> lookups, which ignore index bits
    /// 6–7 so no masking is needed: bits 0–5 of the byte, and bits 6–7 brought down by a 6-bit lane shift (the bits
    /// shifted in from the next byte land in ignored or table-masked positions). Otherwise two 16-entry nibble lookups.
    /// </summary>
    /// <remarks>
    /// The tables are JIT-time constants (<c>Vector512.Create</c> of literals), not <c>static readonly</c> fields: a
    /// static readonly vector is only folded into the code when its class is initialised before the method is
    /// compiled, which tiered compilation arranges (tier 1 comes later) but full optimisation from the first call
    /// (<c>TieredCompilation</c> off, or a method with loops when <c>TC_QuickJitForLoops</c> is off, as the shipped CLI
    /// compiles its kernels) does not; the inner loops then re-read the boxed field through the class-initialisation
    /// helper, which measured about 4× slower (docs: BENCHMARKS.md, JIT tiering). The getters are marked
    /// AggressiveInlining: an eight-element <c>Vector512.Create</c> is above the inliner's size budget, so without a
    /// profile (fully optimised code, or <c>TieredPGO</c> off as in the shipped CLI) every lookup became a call that
    /// returned the table through memory, which measured 3-5× slower on the popcount GEMMs.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector512<byte> LaneByteCounts(Vector512<ulong> x)
    {
        if (Avx512Vbmi.IsSupported)
        {
            return Avx512Vbmi.PermuteVar64x8(PopCountLow6, x.AsByte()) + Avx512Vbmi.PermuteVar64x8(PopCountLow2, (x >>> 6).AsByte());
        }
        Vector512<byte> nibble = Vector512.Create((byte)0x0F);
        Vector512<byte> lo = x.AsByte() & nibble;
        Vector512<byte> hi = Vector512.ShiftRightLogical(x, 4).AsByte() & nibble;
        if (Avx512BW.IsSupported) return Avx512BW.Shuffle(PopCountNibble, lo) + Avx512BW.Shuffle(PopCountNibble, hi);
        return Vector512.Shuffle(PopCountNibble, lo) + Vector512.Shuffle(PopCountNibble, hi);
    }

    /// <summary>popcount(i) for i &lt; 16, repeated in every 128-bit lane (for the in-lane shuffle).</summary>
    internal static Vector512<byte> PopCountNibble
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Vector512.Create(
            0x0302020102010100UL, 0x0403030203020201UL, 0x0302020102010100UL, 0x0403030203020201UL,
            0x0302020102010100UL, 0x0403030203020201UL, 0x0302020102010100UL, 0x0403030203020201UL).AsByte();
    }

    /// <summary>popcount(i &amp; 63), i &lt; 64.</summary>
    internal static Vector512<byte> PopCountLow6
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Vector512.Create(
            0x0302020102010100UL, 0x0403030203020201UL, 0x0403030203020201UL, 0x0504040304030302UL,
            0x0403030203020201UL, 0x0504040304030302UL, 0x0504040304030302UL, 0x0605050405040403UL).AsByte();
    }

    /// <summary>popcount(i &amp; 3), i &lt; 64.</summary>
    internal static Vector512<byte> PopCountLow2
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Vector512.Create(0x0201010002010100UL).AsByte();
    }

    /// <summary>Sum of the 8 bytes of each 64-bit lane (SAD against zero where available).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector512<ulong> SumBytesPerLane(Vector512<byte> s)
    {
        if (Avx512BW.IsSupported) return Avx512BW.SumAbsoluteDifferences(s, Vector512<byte>.Zero).AsUInt64();
        Vector512<ulong> x = s.AsUInt64();
        x = (x & Vector512.Create(0x00FF00FF00FF00FFUL)) + ((x >>> 8) & Vector512.Create(0x00FF00FF00FF00FFUL));
        x = (x & Vector512.Create(0x0000FFFF0000FFFFUL)) + ((x >>> 16) & Vector512.Create(0x0000FFFF0000FFFFUL));
        return (x & Vector512.Create(0x00000000FFFFFFFFUL)) + (x >>> 32);
    }
}
