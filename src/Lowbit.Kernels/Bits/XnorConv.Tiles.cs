using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Lowbit.Kernels.Bits;

public static partial class XnorConv
{
    /// <summary>Reduction steps per byte-counter chunk: 31 × 8 = 248 ≤ 255.</summary>
    private const int ChunkSteps = 31;

    /// <summary>One call's pointers and shape; <see cref="Pixels(int, int)"/> computes a range of output pixels (any split gives the same values).</summary>
    private readonly unsafe struct Job(XnorConvPath path, XnorConvFilters filters, uint* padded, uint* weights, int* thresholds, ulong* output, int* counts,
        bool channelMajor)
    {
        private readonly XnorConvPath _path = path;
        private readonly bool _channelMajor = channelMajor; // counts [images, O, P] rather than [images, P, O]
        private readonly XnorConvFilters _filters = filters;
        private readonly uint* _padded = padded, _weights = weights;
        private readonly int* _thresholds = thresholds, _counts = counts; // _thresholds null: store counts
        private readonly ulong* _output = output;

        public void Pixels(int t0, int t1)
        {
            var s = _filters.Shape;
            int steps = _filters.Steps, words = _filters.InputWords, wp = s.PaddedWidth;
            Span<int> offsetSpan = steps <= 1024 ? stackalloc int[steps] : new int[steps];
            for (int tap = 0, r = 0; tap < s.Kernel * s.Kernel; tap++)
                for (int w = 0; w < words; w++) offsetSpan[r++] = ((tap / s.Kernel) * wp + tap % s.Kernel) * words + w;
            fixed (int* offsets = offsetSpan) Pixels(t0, t1, offsets);
        }

        private void Pixels(int t0, int t1, int* offsets)
        {
            var s = _filters.Shape;
            int steps = _filters.Steps;
            if (_thresholds != null)
            {
                int outWords = BitLayout.WordsPerRow(s.OutChannels);
                new Span<ulong>(_output + (nint)t0 * outWords, (t1 - t0) * outWords).Clear();
            }
            if (_path == XnorConvPath.Scalar)
            {
                for (int t = t0; t < t1; t++) ScalarPixel(t, offsets);
                return;
            }
            int laneWidth = _path == XnorConvPath.Vector512 ? 16 : 8, vectors = (s.OutChannels + laneWidth - 1) / laneWidth;
            if (vectors == 1)
            {
                for (int t = t0; t < t1; t += 4)
                {
                    uint* x0 = Base(t), x1 = Base(Math.Min(t + 1, t1 - 1)), x2 = Base(Math.Min(t + 2, t1 - 1)), x3 = Base(Math.Min(t + 3, t1 - 1));
                    var c = Tile(x0, x1, x2, x3, _weights, _weights, _weights, _weights, offsets, steps);
                    for (int j = 0; j < 4 && t + j < t1; j++) Store(t + j, 0, c, j);
                }
            }
            else if (vectors == 2)
            {
                uint* w1 = _weights + laneWidth;
                for (int t = t0; t < t1; t += 2)
                {
                    uint* x0 = Base(t), x1 = Base(Math.Min(t + 1, t1 - 1));
                    var c = Tile(x0, x0, x1, x1, _weights, w1, _weights, w1, offsets, steps);
                    Store(t, 0, c, 0);
                    Store(t, laneWidth, c, 1);
                    if (t + 1 >= t1) continue;
                    Store(t + 1, 0, c, 2);
                    Store(t + 1, laneWidth, c, 3);
                }
            }
            else
            {
                for (int t = t0; t < t1; t++)
                {
                    uint* x = Base(t);
                    for (int v = 0; v < vectors; v += 4)
                    {
                        uint* w = _weights + v * laneWidth;
                        var c = Tile(x, x, x, x, w, w + laneWidth, w + 2 * laneWidth, w + 3 * laneWidth, offsets, steps);
                        for (int j = 0; j < 4 && v + j < vectors; j++) Store(t, (v + j) * laneWidth, c, j);
                    }
                }
            }
        }

        /// <summary>First word of the padded-map window of output pixel t.</summary>
        private uint* Base(int t)
        {
            var s = _filters.Shape;
            int perImage = s.OutHeight * s.OutWidth, n = t / perImage, r = t - n * perImage, oy = r / s.OutWidth, ox = r - oy * s.OutWidth;
            return _padded + ((nint)(n * s.PaddedHeight + oy * s.Stride) * s.PaddedWidth + ox * s.Stride) * _filters.InputWords;
        }

        private TileCounts Tile(uint* x0, uint* x1, uint* x2, uint* x3, uint* w0, uint* w1, uint* w2, uint* w3, int* offsets, int steps)
        {
            int lanes = _filters.Lanes;
            if (_path == XnorConvPath.Vector256) return Tile256(x0, x1, x2, x3, w0, w1, w2, w3, offsets, steps, lanes);
            if (steps < HarleySealMinSteps) return Tile512(x0, x1, x2, x3, w0, w1, w2, w3, offsets, steps, lanes);
            return new TileCounts
            {
                C0 = HarleySeal512(x0, w0, offsets, steps, lanes),
                C1 = HarleySeal512(x1, w1, offsets, steps, lanes),
                C2 = HarleySeal512(x2, w2, offsets, steps, lanes),
                C3 = HarleySeal512(x3, w3, offsets, steps, lanes),
            };
        }

        /// <summary>Vector j of a tile: the counts of output channels [lane, lane + width) of pixel t.</summary>
        private void Store(int t, int lane, in TileCounts c, int j)
        {
            int o = _filters.Shape.OutChannels;
            if (_path == XnorConvPath.Vector512)
            {
                Vector512<int> v = c.Get512(j);
                if (_thresholds != null)
                {
                    ulong bits = Vector512.LessThanOrEqual(v, Vector512.Load(_thresholds + lane)).ExtractMostSignificantBits();
                    _output[(nint)t * BitLayout.WordsPerRow(o) + (lane >> 6)] |= bits << (lane & 63);
                }
                else
                {
                    int* values = stackalloc int[16];
                    v.Store(values);
                    StoreCounts(t, lane, values, Math.Min(16, o - lane));
                }
                return;
            }
            Vector256<int> u = c.Get256(j);
            if (_thresholds != null)
            {
                ulong bits = Vector256.LessThanOrEqual(u, Vector256.Load(_thresholds + lane)).ExtractMostSignificantBits();
                _output[(nint)t * BitLayout.WordsPerRow(o) + (lane >> 6)] |= bits << (lane & 63);
            }
            else
            {
                int* values = stackalloc int[8];
                u.Store(values);
                StoreCounts(t, lane, values, Math.Min(8, o - lane));
            }
        }

        /// <summary>Counts of output channels [lane, lane + count) of pixel t, in the requested layout.</summary>
        private void StoreCounts(int t, int lane, int* values, int count)
        {
            var s = _filters.Shape;
            int o = s.OutChannels;
            if (!_channelMajor)
            {
                new ReadOnlySpan<int>(values, count).CopyTo(new Span<int>(_counts + (nint)t * o + lane, count));
                return;
            }
            int positions = s.OutHeight * s.OutWidth, n = t / positions;
            int* first = _counts + ((nint)n * o + lane) * positions + (t - n * positions);
            for (int l = 0; l < count; l++) first[(nint)l * positions] = values[l];
        }

        /// <summary>Reference: one output channel at a time, scalar popcount per 32-bit word.</summary>
        private void ScalarPixel(int t, int* offsets)
        {
            var s = _filters.Shape;
            int steps = _filters.Steps, lanes = _filters.Lanes, o = s.OutChannels, outWords = BitLayout.WordsPerRow(o);
            uint* x = Base(t);
            for (int f = 0; f < o; f++)
            {
                int d = 0;
                for (int r = 0; r < steps; r++) d += BitOperations.PopCount(x[offsets[r]] ^ _weights[(nint)r * lanes + f]);
                if (_thresholds == null) StoreCounts(t, f, &d, 1);
                else if (d <= _thresholds[f]) _output[(nint)t * outWords + (f >> 6)] |= 1UL << (f & 63);
            }
        }
    }

    /// <summary>The four count vectors of a tile (as 512-bit, or 256-bit in the low halves).</summary>
    private struct TileCounts
    {
        public Vector512<int> C0, C1, C2, C3;

        public readonly Vector512<int> Get512(int j) => j switch { 0 => C0, 1 => C1, 2 => C2, _ => C3 };

        public readonly Vector256<int> Get256(int j) => Get512(j).GetLower();
    }

    /// <summary>
    /// 4 × 16 lanes: c_j[l] = Σ_r popcount(x_j[offsets[r]] XOR w_j[r·lanes + l]). Byte counters per ≤ 31 steps, then
    /// widened to 32-bit lanes.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe TileCounts Tile512(uint* x0, uint* x1, uint* x2, uint* x3, uint* w0, uint* w1, uint* w2, uint* w3, int* offsets, int steps, int lanes)
    {
        Vector512<int> q0 = default, q1 = default, q2 = default, q3 = default;
        for (int start = 0; start < steps; start += ChunkSteps)
        {
            int end = Math.Min(steps, start + ChunkSteps);
            Vector512<byte> s0 = default, s1 = default, s2 = default, s3 = default;
            for (int r = start; r < end; r++)
            {
                nint off = offsets[r], wo = (nint)r * lanes;
                s0 += PopCountGemm.LaneByteCounts((Vector512.Create(x0[off]) ^ Vector512.Load(w0 + wo)).AsUInt64());
                s1 += PopCountGemm.LaneByteCounts((Vector512.Create(x1[off]) ^ Vector512.Load(w1 + wo)).AsUInt64());
                s2 += PopCountGemm.LaneByteCounts((Vector512.Create(x2[off]) ^ Vector512.Load(w2 + wo)).AsUInt64());
                s3 += PopCountGemm.LaneByteCounts((Vector512.Create(x3[off]) ^ Vector512.Load(w3 + wo)).AsUInt64());
            }
            q0 += Widen(s0);
            q1 += Widen(s1);
            q2 += Widen(s2);
            q3 += Widen(s3);
        }
        return new TileCounts { C0 = q0, C1 = q1, C2 = q2, C3 = q3 };
    }

    /// <summary>Reduction steps from which the 512-bit path counts with <see cref="HarleySeal512"/> (two full adder blocks).</summary>
    internal const int HarleySealMinSteps = 16;

    /// <summary>
    /// One vector of 16 filters against one pixel: c[l] = Σ_r popcount(x[offsets[r]] XOR w[r·lanes + l]) with a
    /// Harley-Seal carry-save adder over the steps (Muła, Kurz, Lemire 2018): the XOR words are added bit-sliced into
    /// ones/twos/fours with 3-input XOR/majority, and only the eights carry, once per 8 steps, goes through the
    /// byte-lookup popcount. Invariant: c = 8·(eights) + 4·popcount(fours) + 2·popcount(twos) + popcount(ones) + tail.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe Vector512<int> HarleySeal512(uint* x, uint* w, int* offsets, int steps, int lanes)
    {
        Vector512<ulong> ones = default, twos = default, fours = default;
        Vector512<byte> eights = default; // ≤ 8 per byte per block, widened every 31 blocks
        Vector512<int> total = default;
        int r = 0, blocks = 0;
        for (; r + 8 <= steps; r += 8)
        {
            var (o1, twosA) = PopCountGemm.CarrySave(ones, Xor512(x, w, offsets, r, lanes), Xor512(x, w, offsets, r + 1, lanes));
            var (o2, twosB) = PopCountGemm.CarrySave(o1, Xor512(x, w, offsets, r + 2, lanes), Xor512(x, w, offsets, r + 3, lanes));
            var (t1, foursA) = PopCountGemm.CarrySave(twos, twosA, twosB);
            (o1, twosA) = PopCountGemm.CarrySave(o2, Xor512(x, w, offsets, r + 4, lanes), Xor512(x, w, offsets, r + 5, lanes));
            (ones, twosB) = PopCountGemm.CarrySave(o1, Xor512(x, w, offsets, r + 6, lanes), Xor512(x, w, offsets, r + 7, lanes));
            (twos, var foursB) = PopCountGemm.CarrySave(t1, twosA, twosB);
            (fours, var carry) = PopCountGemm.CarrySave(fours, foursA, foursB);
            eights += PopCountGemm.LaneByteCounts(carry);
            if (++blocks == ChunkSteps)
            {
                total += Widen(eights);
                eights = default;
                blocks = 0;
            }
        }
        Vector512<byte> rest = default; // ≤ 7 tail steps: ≤ 56 per byte
        for (; r < steps; r++) rest += PopCountGemm.LaneByteCounts(Xor512(x, w, offsets, r, lanes));
        Vector512<byte> f = PopCountGemm.LaneByteCounts(fours);
        Vector512<byte> weighted = f + f + PopCountGemm.LaneByteCounts(twos); // ≤ 24
        weighted = weighted + weighted + PopCountGemm.LaneByteCounts(ones) + rest; // ≤ 48 + 8 + 56
        return ((total + Widen(eights)) << 3) + Widen(weighted);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe Vector512<ulong> Xor512(uint* x, uint* w, int* offsets, int r, int lanes) =>
        (Vector512.Create(x[offsets[r]]) ^ Vector512.Load(w + (nint)r * lanes)).AsUInt64();

    /// <summary>As <see cref="Tile512"/> with 8 lanes per vector.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe TileCounts Tile256(uint* x0, uint* x1, uint* x2, uint* x3, uint* w0, uint* w1, uint* w2, uint* w3, int* offsets, int steps, int lanes)
    {
        Vector256<int> q0 = default, q1 = default, q2 = default, q3 = default;
        for (int start = 0; start < steps; start += ChunkSteps)
        {
            int end = Math.Min(steps, start + ChunkSteps);
            Vector256<byte> s0 = default, s1 = default, s2 = default, s3 = default;
            for (int r = start; r < end; r++)
            {
                nint off = offsets[r], wo = (nint)r * lanes;
                s0 += PopCountGemm.LaneByteCounts((Vector256.Create(x0[off]) ^ Vector256.Load(w0 + wo)).AsUInt64());
                s1 += PopCountGemm.LaneByteCounts((Vector256.Create(x1[off]) ^ Vector256.Load(w1 + wo)).AsUInt64());
                s2 += PopCountGemm.LaneByteCounts((Vector256.Create(x2[off]) ^ Vector256.Load(w2 + wo)).AsUInt64());
                s3 += PopCountGemm.LaneByteCounts((Vector256.Create(x3[off]) ^ Vector256.Load(w3 + wo)).AsUInt64());
            }
            q0 += Widen(s0);
            q1 += Widen(s1);
            q2 += Widen(s2);
            q3 += Widen(s3);
        }
        return new TileCounts { C0 = q0.ToVector512(), C1 = q1.ToVector512(), C2 = q2.ToVector512(), C3 = q3.ToVector512() };
    }

    /// <summary>Sum of the 4 bytes of each 32-bit lane (<c>vpmaddubsw</c> then <c>vpmaddwd</c> against ones where available).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector512<int> Widen(Vector512<byte> s)
    {
        if (Avx512BW.IsSupported)
            return Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(s, Vector512.Create((sbyte)1)), Vector512.Create((short)1));
        Vector512<uint> x = s.AsUInt32();
        x = (x & Vector512.Create(0x00FF00FFu)) + ((x >>> 8) & Vector512.Create(0x00FF00FFu));
        return ((x & Vector512.Create(0xFFFFu)) + (x >>> 16)).AsInt32();
    }

    /// <summary>256-bit <see cref="Widen(Vector512{byte})"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector256<int> Widen(Vector256<byte> s)
    {
        if (Avx2.IsSupported)
            return Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(s, Vector256.Create((sbyte)1)), Vector256.Create((short)1));
        Vector256<uint> x = s.AsUInt32();
        x = (x & Vector256.Create(0x00FF00FFu)) + ((x >>> 8) & Vector256.Create(0x00FF00FFu));
        return ((x & Vector256.Create(0xFFFFu)) + (x >>> 16)).AsInt32();
    }
}
