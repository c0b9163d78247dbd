using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Lowbit.Kernels.Bits;

public static partial class XnorConv
{
    /// <summary>
    /// Whether <see cref="Job.SignsRange3x3{TWords}"/> takes a convolution: a 3×3 kernel on 1, 2, 4, 8 or 16 input words per
    /// pixel (≤ 32, 33–64, 97–128, 225–256 or 481–512 channels: 9, 18, 36, 72 or 144 reduction steps, counted by the 9-,
    /// 18- and 36-input trees, the last two as 2 or 4 groups of 36).
    /// </summary>
    internal static bool Takes3x3(XnorConvFilters filters) => HasRowTriples(filters.Shape);

    /// <summary>
    /// Whether the scratch holds, after the padded map, its row triples (<see cref="RowTriples"/>): for the 3×3 kernels on 1,
    /// 2, 4, 8 or 16 input words that <see cref="Job.SignsRange3x3{TWords}"/> computes.
    /// </summary>
    internal static bool HasRowTriples(XnorConvShape shape) => shape.Kernel == 3 && ((shape.InChannels + 31) >> 5) is 1 or 2 or 4 or 8 or 16;

    /// <summary>
    /// Row triples of a padded map with <paramref name="words"/> words per pixel: t[i] = p[i] XOR p[i + words] XOR
    /// p[i + 2·words], the XOR of the input words of one kernel row (kx = 0, 1, 2) for the window whose row starts at i;
    /// the last 2·words entries, which no window reads, are zero.
    /// </summary>
    internal static void RowTriples(ReadOnlySpan<uint> padded, int words, Span<uint> triples)
    {
        int n = padded.Length - 2 * words, i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            for (; i + Vector512<uint>.Count <= n; i += Vector512<uint>.Count)
            {
                var t = Vector512.Create(padded.Slice(i)) ^ Vector512.Create(padded.Slice(i + words)) ^ Vector512.Create(padded.Slice(i + 2 * words));
                t.CopyTo(triples.Slice(i));
            }
        }
        for (; i < n; i++) triples[i] = padded[i] ^ padded[i + words] ^ padded[i + 2 * words];
        triples[Math.Max(0, n)..padded.Length].Clear();
    }

    private readonly unsafe partial struct Job
    {
        /// <summary>
        /// <see cref="SignsRange512{TCount}"/> for a 3×3 kernel with <typeparamref name="TWords"/> input words per pixel: every
        /// input word is read at a fixed displacement from one of the window's three row pointers and every filter word at a
        /// fixed displacement in the vector-major filters (<see cref="XnorConvFilters.VectorMajorPointer"/>), so a step costs
        /// a broadcast load, a filter load and an XOR, without the offset table and the two pointer increments per step of
        /// the general loop. Same counts, same trees, same output words.
        /// </summary>
        [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
        private void SignsRange3x3<TWords>(uint* image, int* windows, int first, int r0, int r1, Vector512<byte> ta, Vector512<byte> tb)
            where TWords : struct, IInputWords
        {
            int outWords = _outWords, vectors = (_filters.Shape.OutChannels + 15) >> 4, row = _filters.Shape.PaddedWidth * TWords.Words;
            uint* weights = _filters.VectorMajorPointer;
            int vectorWords = _filters.VectorMajorStride; // filter words per vector of 16 filters: steps, then row triples
            nint triples = (nint)_filters.Shape.PaddedHeight * _filters.Shape.PaddedWidth * TWords.Words; // row triples after the map
            int* thresholds = _thresholds; // lanes entries, −1 past O
            if (TWords.Words >= 8)
            {
                // 8 or 16 input words: one vector's filters (72 or 144 steps + triples: 6-11 KiB) against every window of the
                // range before the next vector's, so they stay in L1 (all 256 filters of 256 channels are 90 KiB).
                for (int r = r0; r < r1; r++) new Span<ulong>(_output + (nint)(first + r) * outWords, outWords).Clear();
                for (int v = 0; v < vectors; v++)
                {
                    uint* wv = weights + (nint)v * vectorWords;
                    var limits = Vector512.Load(thresholds + 16 * v);
                    int q = v >> 2, shift = (v & 3) << 4;
                    for (int r = r0; r < r1; r++)
                    {
                        uint* x0 = image + windows[r], x1 = x0 + row, x2 = x1 + row;
                        Vector512<int> c = TWords.Count(x0, x1, x2, triples, wv, ta, tb);
                        _output[(nint)(first + r) * outWords + q] |= Vector512.LessThanOrEqual(c, limits).ExtractMostSignificantBits() << shift;
                    }
                }
                return;
            }
            for (int r = r0; r < r1; r++)
            {
                uint* x0 = image + windows[r], x1 = x0 + row, x2 = x1 + row;
                ulong* output = _output + (nint)(first + r) * outWords;
                for (int q = 0; q < outWords; q++)
                {
                    int v0 = 4 * q, count = Math.Min(4, vectors - v0);
                    ulong word = 0;
                    for (int j = 0; j < count; j++)
                    {
                        int v = v0 + j;
                        Vector512<int> c = TWords.Count(x0, x1, x2, triples, weights + (nint)v * vectorWords, ta, tb);
                        word |= Vector512.LessThanOrEqual(c, Vector512.Load(thresholds + 16 * v)).ExtractMostSignificantBits() << (j << 4);
                    }
                    output[q] = word;
                }
            }
        }
    }

    /// <summary>
    /// Input words per pixel of <see cref="Job.SignsRange3x3{TWords}"/> and the count of one vector of 16 filters over the
    /// 9·<see cref="Words"/> steps of a 3×3 window whose rows start at x0, x1, x2 (step r = tap·words + word, tap = 3ky + kx,
    /// as <see cref="XnorConvFilters.StepOffsets"/>); w is the vector's <c>[steps, 16]</c> block of the vector-major filters.
    /// </summary>
    private unsafe interface IInputWords
    {
        static abstract int Words { get; }

        static abstract Vector512<int> Count(uint* x0, uint* x1, uint* x2, nint triples, uint* w, Vector512<byte> ta, Vector512<byte> tb);
    }

    /// <summary>≤ 32 channels: 9 steps through the tree of <see cref="CarrySave9"/>.</summary>
    private readonly unsafe struct OneWord : IInputWords
    {
        public static int Words => 1;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<int> Count(uint* x0, uint* x1, uint* x2, nint triples, uint* w, Vector512<byte> ta, Vector512<byte> tb)
        {
            var (ones, c4, s5, c5) = Tree9Word<OneWord>(x0, x1, x2, triples, w, 0);
            if (Avx512Vbmi.IsSupported) return Widen(WeightedCounts9(c5, c4, s5, ones, ta, tb));
            Vector512<byte> sum = ByteCounts(c5, ta, tb); // ≤ 8 per byte
            sum = sum + sum + ByteCounts(c4, ta, tb) + ByteCounts(s5, ta, tb); // ≤ 32
            return Widen(sum + sum + ByteCounts(ones, ta, tb)); // ≤ 72
        }
    }

    /// <summary>33–64 channels: 18 steps through the tree of <see cref="CarrySave18"/>.</summary>
    private readonly unsafe struct TwoWords : IInputWords
    {
        public static int Words => 2;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<int> Count(uint* x0, uint* x1, uint* x2, nint triples, uint* w, Vector512<byte> ta, Vector512<byte> tb)
        {
            var (ones, twos, fours, e1, e2) = Tree18Words<TwoWords>(x0, x1, x2, triples, w, 0);
            Vector512<byte> sum = ByteCounts(e1, ta, tb) + ByteCounts(e2, ta, tb); // ≤ 16 per byte
            sum = sum + sum + ByteCounts(fours, ta, tb); // ≤ 40
            sum = sum + sum + ByteCounts(twos, ta, tb); // ≤ 88
            return Widen(sum + sum + ByteCounts(ones, ta, tb)); // ≤ 184
        }
    }

    /// <summary>97–128 channels: 36 steps through the tree of <see cref="CarrySave36Inlined"/>.</summary>
    private readonly unsafe struct FourWords : IInputWords
    {
        public static int Words => 4;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<int> Count(uint* x0, uint* x1, uint* x2, nint triples, uint* w, Vector512<byte> ta, Vector512<byte> tb)
        {
            var (high, low) = MergeTrees18(
                Tree18Words<FourWords>(x0, x1, x2, triples, w, 0), Tree18Words<FourWords>(x0, x1, x2, triples, w, 2), ta, tb);
            return (Widen(high) << 3) + Widen(low);
        }
    }

    /// <summary>225–256 channels (the full-width VGG-small's 256-channel layers): 72 steps as two groups of 36.</summary>
    private readonly unsafe struct EightWords : IInputWords
    {
        public static int Words => 8;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<int> Count(uint* x0, uint* x1, uint* x2, nint triples, uint* w, Vector512<byte> ta, Vector512<byte> tb) =>
            GroupsOfFour<EightWords>(x0, x1, x2, triples, w, ta, tb);
    }

    /// <summary>481–512 channels (the full-width VGG-small's 512-channel layers): 144 steps as four groups of 36.</summary>
    private readonly unsafe struct SixteenWords : IInputWords
    {
        public static int Words => 16;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<int> Count(uint* x0, uint* x1, uint* x2, nint triples, uint* w, Vector512<byte> ta, Vector512<byte> tb) =>
            GroupsOfFour<SixteenWords>(x0, x1, x2, triples, w, ta, tb);
    }

    /// <summary>
    /// The count over every input word of a 3×3 window, four words (36 steps, <see cref="FourWords"/>' tree) at a time: each
    /// group's per-byte high and low counts are ≤ 56, so up to four groups add in bytes (≤ 224) before one widening.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe Vector512<int> GroupsOfFour<TWords>(uint* x0, uint* x1, uint* x2, nint triples, uint* w, Vector512<byte> ta, Vector512<byte> tb)
        where TWords : struct, IInputWords
    {
        Vector512<byte> high = default, low = default;
        for (int g = 0; g < TWords.Words; g += 4)
        {
            var (h, l) = MergeTrees18(
                Tree18Words<TWords>(x0, x1, x2, triples, w, g), Tree18Words<TWords>(x0, x1, x2, triples, w, g + 2), ta, tb);
            high += h;
            low += l;
        }
        return (Widen(high) << 3) + Widen(low);
    }

    /// <summary>
    /// Kernel row <paramref name="ky"/>, input word <paramref name="word"/> (constants once inlined) of a 3×3 window whose
    /// row starts at <paramref name="row"/>: the carry-save adder of its three XOR words d0, d1, d2 (kx = 0, 1, 2) with
    /// 4 vector operations instead of 5. The sum d0 ⊕ d1 ⊕ d2 = (x0 ⊕ x1 ⊕ x2) ⊕ (w0 ⊕ w1 ⊕ w2) is one XOR of the
    /// broadcast row triple (<see cref="RowTriples"/>, at <paramref name="triples"/> words past the row) with the filters'
    /// triple (<see cref="XnorConvFilters.VectorMajorStride"/>); the carry, maj(d0, d1, d2), is d1 where d1 = d2 and NOT sum
    /// elsewhere (then d0 ≠ sum), one ternary operation on d1, d2 and the sum, so d0 is never formed.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe (Vector512<ulong> Sum, Vector512<ulong> Carry) Row<TWords>(uint* row, nint triples, uint* w, int ky, int word)
        where TWords : struct, IInputWords
    {
        int words = TWords.Words;
        var d1 = (Vector512.Create(row[words + word]) ^ Vector512.Load(w + 16 * ((3 * ky + 1) * words + word))).AsUInt64();
        var d2 = (Vector512.Create(row[2 * words + word]) ^ Vector512.Load(w + 16 * ((3 * ky + 2) * words + word))).AsUInt64();
        var sum = (Vector512.Create(row[triples + word]) ^ Vector512.Load(w + 16 * (9 * words + ky * words + word))).AsUInt64();
        return (sum, CarryFromSum(d1, d2, sum));
    }

    /// <summary>maj(d0, d1, d2) from d1, d2 and sum = d0 ⊕ d1 ⊕ d2: d1 where d1 = d2, else NOT sum.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector512<ulong> CarryFromSum(Vector512<ulong> d1, Vector512<ulong> d2, Vector512<ulong> sum)
    {
        if (Avx512F.IsSupported) return Avx512F.TernaryLogic(d1, d2, sum, 0xD4);
        return Vector512.AndNot(d1 ^ d2, sum) | (d1 & d2);
    }

    /// <summary>
    /// The 9 steps of input word <paramref name="word"/> (taps 0–8) of a 3×3 window through the tree of <see cref="Tree9"/>,
    /// kernel rows as its first three adders: Σ d = ones + 2(c4 + s5) + 4·c5 per bit.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe (Vector512<ulong> Ones, Vector512<ulong> C4, Vector512<ulong> S5, Vector512<ulong> C5) Tree9Word<TWords>(
        uint* x0, uint* x1, uint* x2, nint triples, uint* w, int word) where TWords : struct, IInputWords
    {
        var (s1, c1) = Row<TWords>(x0, triples, w, 0, word);
        var (s2, c2) = Row<TWords>(x1, triples, w, 1, word);
        var (s3, c3) = Row<TWords>(x2, triples, w, 2, word);
        var (ones, c4) = PopCountGemm.CarrySave(s1, s2, s3);
        var (s5, c5) = PopCountGemm.CarrySave(c1, c2, c3);
        return (ones, c4, s5, c5);
    }

    /// <summary>Input words <paramref name="word"/> and <paramref name="word"/> + 1 of a 3×3 window as the bit slices of <see cref="Tree18"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe (Vector512<ulong> Ones, Vector512<ulong> Twos, Vector512<ulong> Fours, Vector512<ulong> E1, Vector512<ulong> E2)
        Tree18Words<TWords>(uint* x0, uint* x1, uint* x2, nint triples, uint* w, int word) where TWords : struct, IInputWords
    {
        var (onesA, c4A, s5A, c5A) = Tree9Word<TWords>(x0, x1, x2, triples, w, word);
        var (onesB, c4B, s5B, c5B) = Tree9Word<TWords>(x0, x1, x2, triples, w, word + 1);
        Vector512<ulong> ones = onesA ^ onesB, t = onesA & onesB;
        var (u, f1) = PopCountGemm.CarrySave(c4A, s5A, c4B);
        var (twos, f2) = PopCountGemm.CarrySave(s5B, t, u);
        var (v, e1) = PopCountGemm.CarrySave(c5A, c5B, f1);
        return (ones, twos, v ^ f2, e1, v & f2);
    }
}
