using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Lowbit.Kernels.Bits;

internal static partial class PopCountGemm
{
    /// <summary>Row length (words) from which <see cref="MultiplyHarleySeal512{TOp, TEpi}"/> beats <see cref="MultiplyVector512{TOp, TEpi}"/> (measured).</summary>
    public const int HarleySealMinWords = 16;

    /// <summary>
    /// Vector path with a Harley-Seal carry-save adder per 64-bit lane (Muła, Kurz, Lemire 2018, "Faster population
    /// counts using AVX2 instructions"): the combined words of one (A row, B row) pair are added bit-sliced into
    /// ones/twos/fours counters with 3-input XOR/majority (one <c>vpternlogq</c> each); only the eights, produced once
    /// per 8 words, go through the nibble-lookup popcount. Panels as in <see cref="MultiplyVector512{TOp, TEpi}"/>;
    /// tile 1 A row × 16 B rows (A broadcasts shared by two independent adder chains); A rows are taken in
    /// blocks of ~16 KiB so that each B panel pair is read from L2 once per block and then reused from L1.
    /// </summary>
    /// <remarks>Invariant: lane total = 8·Σpopcount(eights) + 4·popcount(fours) + 2·popcount(twos) + popcount(ones) + tail words.</remarks>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void MultiplyHarleySeal512<TOp, TEpi>(ReadOnlySpan<ulong> a, int rows, ReadOnlySpan<ulong> panels, int n, int words, Span<int> c, int ldc, TEpi epi)
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
                HarleySealRowsTwoPanels<TOp, TEpi>(a, i0, iEnd, words, panels.Slice(p * panelWords, 2 * panelWords), c, ldc, p * PanelRows, n, epi);
            }
            if (p < panelCount)
            {
                for (int i = i0; i < iEnd; i++)
                {
                    Vector512<ulong> q0 = HarleySealLanes<TOp>(a.Slice(i * words, words), panels.Slice(p * panelWords, panelWords), words);
                    Store16(q0, Vector512<ulong>.Zero, c.Slice(i * ldc), p * PanelRows, n, epi);
                }
            }
        }
    }

    /// <summary>
    /// Rows <c>[i0, iEnd)</c> of A against one panel pair. Its own compilation unit on purpose: when the JIT inlined the
    /// adder loop into larger callers, the copy it chose at run time was up to 3× slower (measured with bits-timing).
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void HarleySealRowsTwoPanels<TOp, TEpi>(ReadOnlySpan<ulong> a, int i0, int iEnd, int words, ReadOnlySpan<ulong> pair,
        Span<int> c, int ldc, int j0, int n, TEpi epi)
        where TOp : IBitCombine where TEpi : IPopCountEpilogue
    {
        for (int i = i0; i < iEnd; i++)
        {
            var (q0, q1) = HarleySealTwoPanels<TOp>(a.Slice(i * words, words), pair, words);
            Store16(q0, q1, c.Slice(i * ldc), j0, n, epi);
        }
    }

    /// <summary>Bit-sliced lane counters of one Harley-Seal accumulation.</summary>
    private struct LaneCounter
    {
        public Vector512<ulong> Ones, Twos, Fours, Total;
        public Vector512<byte> Eights;

        /// <summary>Adds 8 words per lane; the eights carry goes to the byte counter.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void AddBlock(Vector512<ulong> d0, Vector512<ulong> d1, Vector512<ulong> d2, Vector512<ulong> d3,
            Vector512<ulong> d4, Vector512<ulong> d5, Vector512<ulong> d6, Vector512<ulong> d7)
        {
            Vector512<ulong> twosA, twosB, foursA, foursB, eights;
            (Ones, twosA) = CarrySave(Ones, d0, d1);
            (Ones, twosB) = CarrySave(Ones, d2, d3);
            (Twos, foursA) = CarrySave(Twos, twosA, twosB);
            (Ones, twosA) = CarrySave(Ones, d4, d5);
            (Ones, twosB) = CarrySave(Ones, d6, d7);
            (Twos, foursB) = CarrySave(Twos, twosA, twosB);
            (Fours, eights) = CarrySave(Fours, foursA, foursB);
            Eights += LaneByteCounts(eights);
        }

        /// <summary>Moves the eights byte counter (≤ 8 per block) into the 64-bit lane total before it can overflow.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void FlushEights()
        {
            Total += SumBytesPerLane(Eights);
            Eights = default;
        }

        /// <summary>Lane total = 8·eights + 4·popcount(fours) + 2·popcount(twos) + popcount(ones) + <paramref name="extra"/> (bytes, ≤ 255 − 56).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public readonly Vector512<ulong> Finish(Vector512<byte> extra)
        {
            Vector512<ulong> eights = (Total + SumBytesPerLane(Eights)) << 3;
            Vector512<byte> fours = LaneByteCounts(Fours);
            Vector512<byte> weighted = fours + fours + LaneByteCounts(Twos); // ≤ 24 per byte
            weighted = weighted + weighted + LaneByteCounts(Ones) + extra;   // ≤ 56 + extra
            return eights + SumBytesPerLane(weighted);
        }
    }

    /// <summary>One A row against two adjacent panels (16 B rows): A broadcasts are shared, two independent adder chains.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector512<ulong>, Vector512<ulong>) HarleySealTwoPanels<TOp>(ReadOnlySpan<ulong> a, ReadOnlySpan<ulong> panels, int words)
        where TOp : IBitCombine
    {
        ref ulong aw = ref MemoryMarshal.GetReference(a);
        ref ulong p0 = ref MemoryMarshal.GetReference(panels);
        ref ulong p1 = ref Unsafe.Add(ref p0, words * PanelRows);
        LaneCounter s0 = default, s1 = default;
        int blocks = 0, w = 0;
        for (; w + 8 <= words; w += 8)
        {
            Vector512<ulong> x0 = Vector512.Create(aw), x1 = Vector512.Create(Unsafe.Add(ref aw, 1));
            Vector512<ulong> x2 = Vector512.Create(Unsafe.Add(ref aw, 2)), x3 = Vector512.Create(Unsafe.Add(ref aw, 3));
            Vector512<ulong> x4 = Vector512.Create(Unsafe.Add(ref aw, 4)), x5 = Vector512.Create(Unsafe.Add(ref aw, 5));
            Vector512<ulong> x6 = Vector512.Create(Unsafe.Add(ref aw, 6)), x7 = Vector512.Create(Unsafe.Add(ref aw, 7));
            s0.AddBlock(TOp.Combine(x0, Vector512.LoadUnsafe(ref p0)), TOp.Combine(x1, Vector512.LoadUnsafe(ref p0, 8)),
                TOp.Combine(x2, Vector512.LoadUnsafe(ref p0, 16)), TOp.Combine(x3, Vector512.LoadUnsafe(ref p0, 24)),
                TOp.Combine(x4, Vector512.LoadUnsafe(ref p0, 32)), TOp.Combine(x5, Vector512.LoadUnsafe(ref p0, 40)),
                TOp.Combine(x6, Vector512.LoadUnsafe(ref p0, 48)), TOp.Combine(x7, Vector512.LoadUnsafe(ref p0, 56)));
            s1.AddBlock(TOp.Combine(x0, Vector512.LoadUnsafe(ref p1)), TOp.Combine(x1, Vector512.LoadUnsafe(ref p1, 8)),
                TOp.Combine(x2, Vector512.LoadUnsafe(ref p1, 16)), TOp.Combine(x3, Vector512.LoadUnsafe(ref p1, 24)),
                TOp.Combine(x4, Vector512.LoadUnsafe(ref p1, 32)), TOp.Combine(x5, Vector512.LoadUnsafe(ref p1, 40)),
                TOp.Combine(x6, Vector512.LoadUnsafe(ref p1, 48)), TOp.Combine(x7, Vector512.LoadUnsafe(ref p1, 56)));
            aw = ref Unsafe.Add(ref aw, 8);
            p0 = ref Unsafe.Add(ref p0, 8 * PanelRows);
            p1 = ref Unsafe.Add(ref p1, 8 * PanelRows);
            if (++blocks == ChunkWords)
            {
                s0.FlushEights();
                s1.FlushEights();
                blocks = 0;
            }
        }
        Vector512<byte> rest0 = default, rest1 = default;
        for (; w < words; w++) // ≤ 7 tail words: ≤ 56 per byte
        {
            Vector512<ulong> x = Vector512.Create(aw);
            rest0 += LaneByteCounts(TOp.Combine(x, Vector512.LoadUnsafe(ref p0)));
            rest1 += LaneByteCounts(TOp.Combine(x, Vector512.LoadUnsafe(ref p1)));
            aw = ref Unsafe.Add(ref aw, 1);
            p0 = ref Unsafe.Add(ref p0, PanelRows);
            p1 = ref Unsafe.Add(ref p1, PanelRows);
        }
        return (s0.Finish(rest0), s1.Finish(rest1));
    }

    /// <summary>Per-lane popcount of <c>Combine(a[w], panel[w, lane])</c> summed over all words (single panel).</summary>
    private static Vector512<ulong> HarleySealLanes<TOp>(ReadOnlySpan<ulong> a, ReadOnlySpan<ulong> panel, int words)
        where TOp : IBitCombine
    {
        ref ulong aRef = ref MemoryMarshal.GetReference(a);
        ref ulong pRef = ref MemoryMarshal.GetReference(panel);
        LaneCounter s = default;
        int blocks = 0, w = 0;
        for (; w + 8 <= words; w += 8)
        {
            s.AddBlock(D<TOp>(ref aRef, ref pRef, w), D<TOp>(ref aRef, ref pRef, w + 1), D<TOp>(ref aRef, ref pRef, w + 2),
                D<TOp>(ref aRef, ref pRef, w + 3), D<TOp>(ref aRef, ref pRef, w + 4), D<TOp>(ref aRef, ref pRef, w + 5),
                D<TOp>(ref aRef, ref pRef, w + 6), D<TOp>(ref aRef, ref pRef, w + 7));
            if (++blocks == ChunkWords)
            {
                s.FlushEights();
                blocks = 0;
            }
        }
        Vector512<byte> rest = default;
        for (; w < words; w++) rest += LaneByteCounts(D<TOp>(ref aRef, ref pRef, w));
        return s.Finish(rest);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<ulong> D<TOp>(ref ulong aRef, ref ulong pRef, int w) where TOp : IBitCombine =>
        TOp.Combine(Vector512.Create(Unsafe.Add(ref aRef, w)), Vector512.LoadUnsafe(ref pRef, (nuint)(w * PanelRows)));

    /// <summary>Full adder on bit slices: sum = a ⊕ b ⊕ c, carry = majority(a, b, c).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static (Vector512<ulong> Sum, Vector512<ulong> Carry) CarrySave(Vector512<ulong> a, Vector512<ulong> b, Vector512<ulong> c)
    {
        if (Avx512F.IsSupported)
        {
            return (Avx512F.TernaryLogic(a, b, c, 0x96), Avx512F.TernaryLogic(a, b, c, 0xE8));
        }
        Vector512<ulong> u = a ^ b;
        return (u ^ c, (a & b) | (u & c));
    }
}
