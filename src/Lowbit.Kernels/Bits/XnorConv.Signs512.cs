using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Lowbit.Kernels.Bits;

public static partial class XnorConv
{
    private readonly unsafe partial struct Job
    {
        /// <summary>
        /// The 512-bit sign path for output pixels [r0, r1) of one image: per pixel and output word, the counts of up to 4
        /// vectors of 16 filters, each compared with its thresholds and packed into one 64-bit word that is written once.
        /// One method per reduction length, with the counting inlined (<typeparamref name="TCount"/>), so that a tile costs
        /// no calls, no return buffers and no read-modify-write of the output. Never inlined: inside the dispatcher's
        /// tier-1 recompilation the inliner's budget ran out and the counting became a call per vector again.
        /// </summary>
        [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
        private void SignsRange512<TCount>(uint* image, int* windows, int first, int r0, int r1, int* offsets, Vector512<byte> ta, Vector512<byte> tb)
            where TCount : struct, ICount512
        {
            int steps = _filters.Steps, lanes = _filters.Lanes, outWords = _outWords, vectors = (_filters.Shape.OutChannels + 15) >> 4;
            int* thresholds = _thresholds; // lanes entries, −1 past O
            for (int r = r0; r < r1; r++)
            {
                uint* x = image + windows[r];
                ulong* output = _output + (nint)(first + r) * outWords;
                for (int q = 0; q < outWords; q++)
                {
                    int v0 = 4 * q, count = Math.Min(4, vectors - v0);
                    ulong word = 0;
                    for (int j = 0; j < count; j++)
                    {
                        int lane = (v0 + j) << 4;
                        Vector512<int> c = TCount.Count(x, _weights + lane, offsets, steps, lanes, ta, tb);
                        word |= Vector512.LessThanOrEqual(c, Vector512.Load(thresholds + lane)).ExtractMostSignificantBits() << (j << 4);
                    }
                    output[q] = word;
                }
            }
        }

        /// <summary>
        /// Picks the counting of <see cref="SignsRange512{TCount}"/> by reduction length (as <see cref="Tile"/> does, plus the
        /// 36-step tree).
        /// </summary>
        private void SignsRange512(uint* image, int* windows, int first, int r0, int r1, int* offsets, in PopCountTables512 tables)
        {
            int steps = _filters.Steps;
            Vector512<byte> ta = tables.A, tb = tables.B;
            if (Takes3x3(_filters))
            {
                switch (_filters.InputWords)
                {
                    case 1: SignsRange3x3<OneWord>(image, windows, first, r0, r1, ta, tb); return;
                    case 2: SignsRange3x3<TwoWords>(image, windows, first, r0, r1, ta, tb); return;
                    case 4: SignsRange3x3<FourWords>(image, windows, first, r0, r1, ta, tb); return;
                    case 8: SignsRange3x3<EightWords>(image, windows, first, r0, r1, ta, tb); return;
                    default: SignsRange3x3<SixteenWords>(image, windows, first, r0, r1, ta, tb); return;
                }
            }
            if (steps < CarrySaveMinSteps) SignsRange512<ByteCount>(image, windows, first, r0, r1, offsets, ta, tb);
            else if (steps >= CarrySave18MinSteps && steps <= CarrySave18MaxSteps)
                SignsRange512<Tree18Count>(image, windows, first, r0, r1, offsets, ta, tb);
            else if (steps < HarleySealMinSteps) SignsRange512<Tree9Count>(image, windows, first, r0, r1, offsets, ta, tb);
            else if (steps >= CarrySave36MinSteps && steps <= CarrySave36MaxSteps)
                SignsRange512<Tree36Count>(image, windows, first, r0, r1, offsets, ta, tb);
            else SignsRange512<HarleySealCount>(image, windows, first, r0, r1, offsets, ta, tb);
        }
    }

    /// <summary>
    /// One vector of 16 filters against one pixel: c[l] = Σ_r popcount(x[offsets[r]] XOR w[r·lanes + l]) over the
    /// <c>steps</c> reduction steps; ta, tb are the <see cref="PopCountTables512"/>.
    /// </summary>
    private unsafe interface ICount512
    {
        static abstract Vector512<int> Count(uint* x, uint* w, int* offsets, int steps, int lanes, Vector512<byte> ta, Vector512<byte> tb);
    }

    /// <summary>Byte-lookup popcount per step (steps &lt; 9 here; any length up to 31 fits the byte counters).</summary>
    private readonly unsafe struct ByteCount : ICount512
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<int> Count(uint* x, uint* w, int* offsets, int steps, int lanes, Vector512<byte> ta, Vector512<byte> tb)
        {
            Vector512<int> total = default;
            for (int start = 0; start < steps; start += ChunkSteps)
            {
                int end = Math.Min(steps, start + ChunkSteps);
                Vector512<byte> sum = default; // ≤ 31 × 8
                for (int r = start; r < end; r++)
                    sum += ByteCounts((Vector512.Create(x[offsets[r]]) ^ Vector512.Load(w + (nint)r * lanes)).AsUInt64(), ta, tb);
                total += Widen(sum);
            }
            return total;
        }
    }

    /// <summary><see cref="CarrySave9Inlined"/> (9–15 steps).</summary>
    private readonly unsafe struct Tree9Count : ICount512
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<int> Count(uint* x, uint* w, int* offsets, int steps, int lanes, Vector512<byte> ta, Vector512<byte> tb) =>
            CarrySave9Inlined(x, w, offsets, steps, lanes, ta, tb);
    }

    /// <summary><see cref="CarrySave18Inlined"/> (18–26 steps).</summary>
    private readonly unsafe struct Tree18Count : ICount512
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<int> Count(uint* x, uint* w, int* offsets, int steps, int lanes, Vector512<byte> ta, Vector512<byte> tb) =>
            CarrySave18Inlined(x, w, offsets, steps, lanes, ta, tb);
    }

    /// <summary><see cref="CarrySave36Inlined"/> (36–44 steps).</summary>
    private readonly unsafe struct Tree36Count : ICount512
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<int> Count(uint* x, uint* w, int* offsets, int steps, int lanes, Vector512<byte> ta, Vector512<byte> tb) =>
            CarrySave36Inlined(x, w, offsets, steps, lanes, ta, tb);
    }

    /// <summary><see cref="HarleySeal512Inlined"/> (16, 17, 27–35 and ≥ 45 steps).</summary>
    private readonly unsafe struct HarleySealCount : ICount512
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<int> Count(uint* x, uint* w, int* offsets, int steps, int lanes, Vector512<byte> ta, Vector512<byte> tb) =>
            HarleySeal512Inlined(x, w, offsets, steps, lanes, ta, tb);
    }
}
