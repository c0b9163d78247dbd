using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Lowbit.Kernels.Bits;

public static partial class XnorConv
{
    /// <summary>
    /// Whether <see cref="Job.SignsRange3x3{TWords}"/> takes a convolution: a 3×3 kernel on 1, 2 or 4 input words per pixel
    /// (≤ 32, 33–64 or 97–128 channels: 9, 18 or 36 reduction steps, counted by the 9-, 18- and 36-input trees).
    /// </summary>
    internal static bool Takes3x3(XnorConvFilters filters) =>
        filters.Shape.Kernel == 3 && filters.InputWords is 1 or 2 or 4;

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
            int vectorWords = 9 * TWords.Words * 16; // filter words per vector of 16 filters
            uint* weights = _filters.VectorMajorPointer;
            int* thresholds = _thresholds; // lanes entries, −1 past O
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
                        Vector512<int> c = TWords.Count(x0, x1, x2, weights + (nint)v * vectorWords, ta, tb);
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

        static abstract Vector512<int> Count(uint* x0, uint* x1, uint* x2, uint* w, Vector512<byte> ta, Vector512<byte> tb);
    }

    /// <summary>≤ 32 channels: 9 steps through the tree of <see cref="CarrySave9"/>.</summary>
    private readonly unsafe struct OneWord : IInputWords
    {
        public static int Words => 1;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<int> Count(uint* x0, uint* x1, uint* x2, uint* w, Vector512<byte> ta, Vector512<byte> tb)
        {
            var (ones, c4, s5, c5) = Tree9At<OneWord>(x0, x1, x2, w, 0);
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
        public static Vector512<int> Count(uint* x0, uint* x1, uint* x2, uint* w, Vector512<byte> ta, Vector512<byte> tb)
        {
            var (ones, twos, fours, e1, e2) = Tree18At<TwoWords>(x0, x1, x2, w, 0);
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
        public static Vector512<int> Count(uint* x0, uint* x1, uint* x2, uint* w, Vector512<byte> ta, Vector512<byte> tb)
        {
            var (onesP, twosP, foursP, e1P, e2P) = Tree18At<FourWords>(x0, x1, x2, w, 0);
            var (onesQ, twosQ, foursQ, e1Q, e2Q) = Tree18At<FourWords>(x0, x1, x2, w, 18);
            Vector512<ulong> ones = onesP ^ onesQ, t = onesP & onesQ;
            var (twos, f) = PopCountGemm.CarrySave(twosP, twosQ, t);
            var (fours, g) = PopCountGemm.CarrySave(foursP, foursQ, f);
            var (h, i) = PopCountGemm.CarrySave(e1P, e2P, e1Q);
            var (eights, j) = PopCountGemm.CarrySave(e2Q, g, h);
            Vector512<ulong> sixteens = i ^ j, k = i & j;
            Vector512<byte> high = ByteCounts(k, ta, tb);
            high = high + high + ByteCounts(sixteens, ta, tb); // ≤ 24 per byte
            high = high + high + ByteCounts(eights, ta, tb); // ≤ 56
            Vector512<byte> low = ByteCounts(fours, ta, tb);
            low = low + low + ByteCounts(twos, ta, tb);
            low = low + low + ByteCounts(ones, ta, tb); // ≤ 56
            return (Widen(high) << 3) + Widen(low);
        }
    }

    /// <summary>
    /// Step <paramref name="step"/> (a constant once inlined) of a 3×3 window: the broadcast input word XOR the 16 filter
    /// words, both at displacements the JIT folds into the loads.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe Vector512<ulong> Tap<TWords>(uint* x0, uint* x1, uint* x2, uint* w, int step) where TWords : struct, IInputWords
    {
        int tap = step / TWords.Words, word = step - tap * TWords.Words, ky = tap / 3, kx = tap - 3 * ky;
        uint* row = ky == 0 ? x0 : ky == 1 ? x1 : x2;
        return (Vector512.Create(row[kx * TWords.Words + word]) ^ Vector512.Load(w + 16 * step)).AsUInt64();
    }

    /// <summary><see cref="Tree9"/> over steps [b, b + 9) of a 3×3 window.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe (Vector512<ulong> Ones, Vector512<ulong> C4, Vector512<ulong> S5, Vector512<ulong> C5) Tree9At<TWords>(
        uint* x0, uint* x1, uint* x2, uint* w, int b) where TWords : struct, IInputWords
    {
        var (s1, c1) = PopCountGemm.CarrySave(Tap<TWords>(x0, x1, x2, w, b), Tap<TWords>(x0, x1, x2, w, b + 1), Tap<TWords>(x0, x1, x2, w, b + 2));
        var (s2, c2) = PopCountGemm.CarrySave(Tap<TWords>(x0, x1, x2, w, b + 3), Tap<TWords>(x0, x1, x2, w, b + 4), Tap<TWords>(x0, x1, x2, w, b + 5));
        var (s3, c3) = PopCountGemm.CarrySave(Tap<TWords>(x0, x1, x2, w, b + 6), Tap<TWords>(x0, x1, x2, w, b + 7), Tap<TWords>(x0, x1, x2, w, b + 8));
        var (ones, c4) = PopCountGemm.CarrySave(s1, s2, s3);
        var (s5, c5) = PopCountGemm.CarrySave(c1, c2, c3);
        return (ones, c4, s5, c5);
    }

    /// <summary><see cref="Tree18"/> over steps [b, b + 18) of a 3×3 window.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe (Vector512<ulong> Ones, Vector512<ulong> Twos, Vector512<ulong> Fours, Vector512<ulong> E1, Vector512<ulong> E2)
        Tree18At<TWords>(uint* x0, uint* x1, uint* x2, uint* w, int b) where TWords : struct, IInputWords
    {
        var (onesA, c4A, s5A, c5A) = Tree9At<TWords>(x0, x1, x2, w, b);
        var (onesB, c4B, s5B, c5B) = Tree9At<TWords>(x0, x1, x2, w, b + 9);
        Vector512<ulong> ones = onesA ^ onesB, t = onesA & onesB;
        var (u, f1) = PopCountGemm.CarrySave(c4A, s5A, c4B);
        var (twos, f2) = PopCountGemm.CarrySave(s5B, t, u);
        var (v, e1) = PopCountGemm.CarrySave(c5A, c5B, f1);
        return (ones, twos, v ^ f2, e1, v & f2);
    }
}
