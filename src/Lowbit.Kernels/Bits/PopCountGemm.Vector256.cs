using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Lowbit.Kernels.Bits;

/// <summary>
/// 256-bit (AVX2) paths of the popcount GEMM over the same 8-row panels as the 512-bit paths: one panel word is two
/// 256-bit vectors (B rows 0–3 and 4–7 of the panel). Nibble-lookup popcount with <c>vpshufb</c>, byte counters
/// widened with <c>vpsadbw</c>; Harley-Seal carry-save adders from <see cref="HarleySealMinWords256"/> words per row.
/// </summary>
internal static partial class PopCountGemm
{
    /// <summary>
    /// Row length (words) from which <see cref="MultiplyHarleySeal256{TOp, TEpi}"/> is used instead of
    /// <see cref="MultiplyVector256{TOp, TEpi}"/>. Without vpternlog a carry-save adder takes five operations, and the
    /// lookup path measured faster up to 32 words (1024³: 66-78 vs 34-48 bit-MACs/cycle, 2048³: 81-82 vs 72-78, on a
    /// loaded Zen 3; BENCHMARKS.md).
    /// </summary>
    public const int HarleySealMinWords256 = 64;

    /// <summary>Whether a panel path runs on vector hardware (else callers use <see cref="MultiplyBlocked{TOp, TEpi}"/>).</summary>
    public static bool PanelsAccelerated => Vector512.IsHardwareAccelerated || Vector256.IsHardwareAccelerated;

    /// <summary>The panel kernels, for tests and benchmarks that pin one.</summary>
    public enum PanelKernel
    {
        /// <summary>The widest accelerated width, Harley-Seal for long rows.</summary>
        Auto,

        /// <summary><see cref="MultiplyVector512{TOp, TEpi}"/>.</summary>
        Lookup512,

        /// <summary><see cref="MultiplyHarleySeal512{TOp, TEpi}"/>.</summary>
        HarleySeal512,

        /// <summary><see cref="MultiplyVector256{TOp, TEpi}"/>.</summary>
        Lookup256,

        /// <summary><see cref="MultiplyHarleySeal256{TOp, TEpi}"/>.</summary>
        HarleySeal256,
    }

    /// <summary>Panel product with the given kernel.</summary>
    public static void MultiplyPanels<TOp, TEpi>(PanelKernel kernel, ReadOnlySpan<ulong> a, int rows, ReadOnlySpan<ulong> panels, int n, int words, Span<int> c, int ldc, TEpi epi)
        where TOp : IBitCombine where TEpi : IPopCountEpilogue
    {
        switch (kernel)
        {
            case PanelKernel.Lookup512: MultiplyVector512<TOp, TEpi>(a, rows, panels, n, words, c, ldc, epi); break;
            case PanelKernel.HarleySeal512: MultiplyHarleySeal512<TOp, TEpi>(a, rows, panels, n, words, c, ldc, epi); break;
            case PanelKernel.Lookup256: MultiplyVector256<TOp, TEpi>(a, rows, panels, n, words, c, ldc, epi); break;
            case PanelKernel.HarleySeal256: MultiplyHarleySeal256<TOp, TEpi>(a, rows, panels, n, words, c, ldc, epi); break;
            default: MultiplyPanels<TOp, TEpi>(a, rows, panels, n, words, c, ldc, epi); break;
        }
    }

    /// <summary>
    /// Panel product on the widest accelerated width: 512 bits (Harley-Seal from <see cref="HarleySealMinWords"/>
    /// words, else lookup) or 256 bits (Harley-Seal from <see cref="HarleySealMinWords256"/> words, else lookup).
    /// </summary>
    public static void MultiplyPanels<TOp, TEpi>(ReadOnlySpan<ulong> a, int rows, ReadOnlySpan<ulong> panels, int n, int words, Span<int> c, int ldc, TEpi epi)
        where TOp : IBitCombine where TEpi : IPopCountEpilogue
    {
        if (Vector512.IsHardwareAccelerated)
        {
            if (words >= HarleySealMinWords) MultiplyHarleySeal512<TOp, TEpi>(a, rows, panels, n, words, c, ldc, epi);
            else MultiplyVector512<TOp, TEpi>(a, rows, panels, n, words, c, ldc, epi);
        }
        else if (words >= HarleySealMinWords256)
        {
            MultiplyHarleySeal256<TOp, TEpi>(a, rows, panels, n, words, c, ldc, epi);
        }
        else
        {
            MultiplyVector256<TOp, TEpi>(a, rows, panels, n, words, c, ldc, epi);
        }
    }

    /// <summary>256-bit lookup path over panels made by <see cref="PackPanels"/>: 2 A rows × 8 B rows per tile.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void MultiplyVector256<TOp, TEpi>(ReadOnlySpan<ulong> a, int rows, ReadOnlySpan<ulong> panels, int n, int words, Span<int> c, int ldc, TEpi epi)
        where TOp : IBitCombine where TEpi : IPopCountEpilogue
    {
        int panelCount = (n + PanelRows - 1) / PanelRows;
        int panelWords = words * PanelRows;
        int rowBlock = RowBlock(words);
        for (int i0 = 0; i0 < rows; i0 += rowBlock)
        {
            int iEnd = Math.Min(rows, i0 + rowBlock);
            for (int p = 0; p < panelCount; p++)
            {
                ReadOnlySpan<ulong> panel = panels.Slice(p * panelWords, panelWords);
                int i = i0;
                for (; i + 2 <= iEnd; i += 2) Tile2x8<TOp, TEpi>(a.Slice(i * words, 2 * words), panel, words, c.Slice(i * ldc), ldc, p * PanelRows, n, epi);
                if (i < iEnd) Tile2x8<TOp, TEpi>(a.Slice(i * words, words), panel, words, c.Slice(i * ldc), -1, p * PanelRows, n, epi);
            }
        }
    }

    /// <summary>Two A rows (one when <paramref name="ldc"/> is −1) against one panel: 4 byte counters of 4 lanes each.</summary>
    private static void Tile2x8<TOp, TEpi>(ReadOnlySpan<ulong> a, ReadOnlySpan<ulong> panel, int words, Span<int> c, int ldc, int j0, int n, TEpi epi)
        where TOp : IBitCombine where TEpi : IPopCountEpilogue
    {
        bool two = ldc >= 0;
        ref ulong a0 = ref MemoryMarshal.GetReference(a);
        ref ulong a1 = ref two ? ref Unsafe.Add(ref a0, words) : ref a0;
        ref ulong p0 = ref MemoryMarshal.GetReference(panel);
        Vector256<ulong> q00 = default, q01 = default, q10 = default, q11 = default;
        for (int start = 0; start < words; start += ChunkWords)
        {
            int end = Math.Min(words, start + ChunkWords);
            Vector256<byte> s00 = default, s01 = default, s10 = default, s11 = default;
            for (int w = start; w < end; w++)
            {
                Vector256<ulong> y0 = Vector256.LoadUnsafe(ref p0, (nuint)(w * PanelRows));
                Vector256<ulong> y1 = Vector256.LoadUnsafe(ref p0, (nuint)(w * PanelRows + 4));
                Vector256<ulong> x = Vector256.Create(Unsafe.Add(ref a0, w));
                s00 += LaneByteCounts(TOp.Combine(x, y0));
                s01 += LaneByteCounts(TOp.Combine(x, y1));
                x = Vector256.Create(Unsafe.Add(ref a1, w));
                s10 += LaneByteCounts(TOp.Combine(x, y0));
                s11 += LaneByteCounts(TOp.Combine(x, y1));
            }
            q00 += SumBytesPerLane(s00); q01 += SumBytesPerLane(s01);
            q10 += SumBytesPerLane(s10); q11 += SumBytesPerLane(s11);
        }
        Store8(q00, q01, c, j0, n, epi);
        if (two) Store8(q10, q11, c.Slice(ldc), j0, n, epi);
    }

    /// <summary>256-bit Harley-Seal path over panels made by <see cref="PackPanels"/>: 1 A row × 8 B rows, one adder chain per half panel.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void MultiplyHarleySeal256<TOp, TEpi>(ReadOnlySpan<ulong> a, int rows, ReadOnlySpan<ulong> panels, int n, int words, Span<int> c, int ldc, TEpi epi)
        where TOp : IBitCombine where TEpi : IPopCountEpilogue
    {
        int panelCount = (n + PanelRows - 1) / PanelRows;
        int panelWords = words * PanelRows;
        int rowBlock = RowBlock(words);
        for (int i0 = 0; i0 < rows; i0 += rowBlock)
        {
            int iEnd = Math.Min(rows, i0 + rowBlock);
            for (int p = 0; p < panelCount; p++)
                HarleySealRowsPanel256<TOp, TEpi>(a, i0, iEnd, words, panels.Slice(p * panelWords, panelWords), c, ldc, p * PanelRows, n, epi);
        }
    }

    /// <summary>Rows <c>[i0, iEnd)</c> of A against one panel (its own compilation unit, as the 512-bit version).</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void HarleySealRowsPanel256<TOp, TEpi>(ReadOnlySpan<ulong> a, int i0, int iEnd, int words, ReadOnlySpan<ulong> panel,
        Span<int> c, int ldc, int j0, int n, TEpi epi)
        where TOp : IBitCombine where TEpi : IPopCountEpilogue
    {
        for (int i = i0; i < iEnd; i++)
        {
            var (lower, upper) = HarleySealPanel256<TOp>(a.Slice(i * words, words), panel, words);
            Store8(lower, upper, c.Slice(i * ldc), j0, n, epi);
        }
    }

    /// <summary>Bit-sliced lane counters of one 256-bit Harley-Seal accumulation (as the 512-bit LaneCounter).</summary>
    private struct LaneCounter256
    {
        public Vector256<ulong> Ones, Twos, Fours, Total;
        public Vector256<byte> Eights;

        /// <summary>Adds words w..w+7 of the A row combined with the panel half at <paramref name="p"/>; the eights go to the byte counter.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void AddBlock<TOp>(ref ulong aw, ref ulong p) where TOp : IBitCombine
        {
            Vector256<ulong> twosA, twosB, foursA, foursB, eight;
            (Ones, twosA) = CarrySave(Ones, D256<TOp>(ref aw, ref p, 0), D256<TOp>(ref aw, ref p, 1));
            (Ones, twosB) = CarrySave(Ones, D256<TOp>(ref aw, ref p, 2), D256<TOp>(ref aw, ref p, 3));
            (Twos, foursA) = CarrySave(Twos, twosA, twosB);
            (Ones, twosA) = CarrySave(Ones, D256<TOp>(ref aw, ref p, 4), D256<TOp>(ref aw, ref p, 5));
            (Ones, twosB) = CarrySave(Ones, D256<TOp>(ref aw, ref p, 6), D256<TOp>(ref aw, ref p, 7));
            (Twos, foursB) = CarrySave(Twos, twosA, twosB);
            (Fours, eight) = CarrySave(Fours, foursA, foursB);
            Eights += LaneByteCounts(eight);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void FlushEights()
        {
            Total += SumBytesPerLane(Eights);
            Eights = default;
        }

        /// <summary>Lane total = 8·eights + 4·popcount(fours) + 2·popcount(twos) + popcount(ones) + <paramref name="extra"/> (bytes, ≤ 56).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public readonly Vector256<ulong> Finish(Vector256<byte> extra)
        {
            Vector256<byte> f = LaneByteCounts(Fours);
            Vector256<byte> weighted = f + f + LaneByteCounts(Twos);          // ≤ 24 per byte
            weighted = weighted + weighted + LaneByteCounts(Ones) + extra;      // ≤ 112 per byte
            return ((Total + SumBytesPerLane(Eights)) << 3) + SumBytesPerLane(weighted);
        }
    }

    /// <summary>
    /// Per-lane popcounts of one A row against both halves of a panel, one half after the other: with AVX2's 16
    /// registers two interleaved adder chains spilled (measured no faster), one chain fits.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector256<ulong>, Vector256<ulong>) HarleySealPanel256<TOp>(ReadOnlySpan<ulong> a, ReadOnlySpan<ulong> panel, int words)
        where TOp : IBitCombine =>
        (HarleySealHalf256<TOp>(a, panel, words, 0), HarleySealHalf256<TOp>(a, panel, words, 4));

    /// <summary>Per-lane popcount of <c>Combine(a[w], panel[w, half + lane])</c> over all words, lanes 0–3 of the half.</summary>
    private static Vector256<ulong> HarleySealHalf256<TOp>(ReadOnlySpan<ulong> a, ReadOnlySpan<ulong> panel, int words, int half)
        where TOp : IBitCombine
    {
        ref ulong aw = ref MemoryMarshal.GetReference(a);
        ref ulong p = ref Unsafe.Add(ref MemoryMarshal.GetReference(panel), half);
        LaneCounter256 s = default;
        int blocks = 0, w = 0;
        for (; w + 8 <= words; w += 8)
        {
            s.AddBlock<TOp>(ref aw, ref p);
            aw = ref Unsafe.Add(ref aw, 8);
            p = ref Unsafe.Add(ref p, 8 * PanelRows);
            if (++blocks == ChunkWords)
            {
                s.FlushEights();
                blocks = 0;
            }
        }
        Vector256<byte> rest = default;
        for (; w < words; w++) // ≤ 7 tail words: ≤ 56 per byte
        {
            rest += LaneByteCounts(D256<TOp>(ref aw, ref p, 0));
            aw = ref Unsafe.Add(ref aw, 1);
            p = ref Unsafe.Add(ref p, PanelRows);
        }
        return s.Finish(rest);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<ulong> D256<TOp>(ref ulong aw, ref ulong p, int w) where TOp : IBitCombine =>
        TOp.Combine(Vector256.Create(Unsafe.Add(ref aw, w)), Vector256.LoadUnsafe(ref p, (nuint)(w * PanelRows)));

    /// <summary>Full adder on bit slices: sum = a ⊕ b ⊕ c, carry = majority(a, b, c) (five 2-input operations).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static (Vector256<ulong> Sum, Vector256<ulong> Carry) CarrySave(Vector256<ulong> a, Vector256<ulong> b, Vector256<ulong> c)
    {
        Vector256<ulong> u = a ^ b;
        return (u ^ c, (a & b) | (u & c));
    }

    private static void Store8<TEpi>(Vector256<ulong> lower, Vector256<ulong> upper, Span<int> cRow, int j0, int n, TEpi epi)
        where TEpi : IPopCountEpilogue
    {
        Vector256<int> result = epi.Apply(Vector256.Narrow(lower, upper).AsInt32());
        if (j0 + 8 <= n)
        {
            result.StoreUnsafe(ref MemoryMarshal.GetReference(cRow), (nuint)j0);
            return;
        }
        for (int l = 0; j0 + l < n; l++) cRow[j0 + l] = result.GetElement(l);
    }

    /// <summary>Popcount of each byte (0..8): two 16-entry nibble lookups (<c>vpshufb</c>); the table is a JIT-time constant (see the 512-bit version).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector256<byte> LaneByteCounts(Vector256<ulong> x)
    {
        Vector256<byte> table = Vector256.Create(0x0302020102010100UL, 0x0403030203020201UL, 0x0302020102010100UL, 0x0403030203020201UL).AsByte();
        Vector256<byte> nibble = Vector256.Create((byte)0x0F);
        Vector256<byte> lo = x.AsByte() & nibble;
        Vector256<byte> hi = Vector256.ShiftRightLogical(x, 4).AsByte() & nibble;
        if (Avx2.IsSupported) return Avx2.Shuffle(table, lo) + Avx2.Shuffle(table, hi);
        return Vector256.Shuffle(table, lo) + Vector256.Shuffle(table, hi);
    }

    /// <summary>Sum of the 8 bytes of each 64-bit lane (<c>vpsadbw</c> against zero where available).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector256<ulong> SumBytesPerLane(Vector256<byte> s)
    {
        if (Avx2.IsSupported) return Avx2.SumAbsoluteDifferences(s, Vector256<byte>.Zero).AsUInt64();
        Vector256<ulong> x = s.AsUInt64();
        x = (x & Vector256.Create(0x00FF00FF00FF00FFUL)) + ((x >>> 8) & Vector256.Create(0x00FF00FF00FF00FFUL));
        x = (x & Vector256.Create(0x0000FFFF0000FFFFUL)) + ((x >>> 16) & Vector256.Create(0x0000FFFF0000FFFFUL));
        return (x & Vector256.Create(0x00000000FFFFFFFFUL)) + (x >>> 32);
    }
}
