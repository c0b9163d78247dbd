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
    private readonly unsafe partial struct Job(XnorConvPath path, XnorConvFilters filters, ulong* input, uint* padded, uint* weights, int* thresholds, ulong* output,
        int* counts, bool channelMajor, ulong* minChannels = null)
    {
        private readonly ulong* _minChannels = minChannels; // pooled signs (XnorConv.Pooled.cs): channels that take the minimum
        private readonly XnorConvPath _path = path;
        private readonly ulong* _input = input;
        private readonly bool _channelMajor = channelMajor; // counts [images, O, P] rather than [images, P, O]
        private readonly XnorConvFilters _filters = filters;
        private readonly uint* _padded = padded, _weights = weights;
        private readonly int* _thresholds = thresholds, _counts = counts; // _thresholds null: store counts
        private readonly ulong* _output = output;
        private readonly int _outWords = BitLayout.WordsPerRow(filters.Shape.OutChannels); // output words per pixel

        /// <summary>Images [n0, n1) one at a time: pad the image, then compute its output pixels.</summary>
        public void Images(int n0, int n1)
        {
            var s = _filters.Shape;
            int inImage = s.Height * s.Width * BitLayout.WordsPerRow(s.InChannels), padImage = PaddedLength(s, 1), perImage = s.OutHeight * s.OutWidth;
            for (int n = n0; n < n1; n++)
            {
                PadImage(new ReadOnlySpan<ulong>(_input + (nint)n * inImage, inImage), s, new Span<uint>(_padded + (nint)n * padImage, padImage));
                Pixels(n * perImage, (n + 1) * perImage);
            }
        }

        public void Pixels(int t0, int t1)
        {
            fixed (int* offsets = _filters.StepOffsets, windows = _filters.Windows) Pixels(t0, t1, offsets, windows);
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void Pixels(int t0, int t1, int* offsets, int* windows)
        {
            var s = _filters.Shape;
            // The 512-bit sign path writes every output word whole; the others OR vectors into them.
            if (_thresholds != null && _path != XnorConvPath.Vector512)
                new Span<ulong>(_output + (nint)t0 * _outWords, (t1 - t0) * _outWords).Clear();
            int perImage = s.OutHeight * s.OutWidth, imageWords = PaddedLength(s, 1);
            var tables = _path == XnorConvPath.Vector512 ? PopCountTables512.Create() : default;
            for (int t = t0; t < t1;)
            {
                int n = t / perImage, first = n * perImage, end = Math.Min(perImage, t1 - first);
                Range(_padded + (nint)n * imageWords, windows, first, t - first, end, offsets, tables);
                t = first + end;
            }
        }

        /// <summary>Output pixels [r0, r1) of one image (pixel r is output pixel first + r); tiles stay inside the range.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void Range(uint* image, int* windows, int first, int r0, int r1, int* offsets, in PopCountTables512 tables)
        {
            var s = _filters.Shape;
            int steps = _filters.Steps;
            if (_path == XnorConvPath.Scalar)
            {
                for (int r = r0; r < r1; r++) ScalarPixel(first + r, image + windows[r], offsets);
                return;
            }
            if (_path == XnorConvPath.Vector512 && _thresholds != null)
            {
                SignsRange512(image, windows, first, r0, r1, offsets, tables);
                return;
            }
            int laneWidth = _path == XnorConvPath.Vector512 ? 16 : 8, vectors = (s.OutChannels + laneWidth - 1) / laneWidth, last = r1 - 1;
            if (vectors == 1)
            {
                for (int r = r0; r < r1; r += 4)
                {
                    uint* x0 = image + windows[r], x1 = image + windows[Math.Min(r + 1, last)];
                    uint* x2 = image + windows[Math.Min(r + 2, last)], x3 = image + windows[Math.Min(r + 3, last)];
                    var c = Tile(x0, x1, x2, x3, _weights, _weights, _weights, _weights, offsets, steps, tables);
                    for (int j = 0; j < 4 && r + j < r1; j++) Store(first + r + j, 0, c, j);
                }
            }
            else if (vectors == 2)
            {
                uint* w1 = _weights + laneWidth;
                for (int r = r0; r < r1; r += 2)
                {
                    uint* x0 = image + windows[r], x1 = image + windows[Math.Min(r + 1, last)];
                    var c = Tile(x0, x0, x1, x1, _weights, w1, _weights, w1, offsets, steps, tables);
                    Store(first + r, 0, c, 0);
                    Store(first + r, laneWidth, c, 1);
                    if (r + 1 >= r1) continue;
                    Store(first + r + 1, 0, c, 2);
                    Store(first + r + 1, laneWidth, c, 3);
                }
            }
            else
            {
                for (int r = r0; r < r1; r++)
                {
                    uint* x = image + windows[r];
                    for (int v = 0; v < vectors; v += 4)
                    {
                        uint* w = _weights + v * laneWidth;
                        var c = Tile(x, x, x, x, w, w + laneWidth, w + 2 * laneWidth, w + 3 * laneWidth, offsets, steps, tables);
                        for (int j = 0; j < 4 && v + j < vectors; j++) Store(first + r, (v + j) * laneWidth, c, j);
                    }
                }
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private TileCounts Tile(uint* x0, uint* x1, uint* x2, uint* x3, uint* w0, uint* w1, uint* w2, uint* w3, int* offsets, int steps, in PopCountTables512 tables)
        {
            int lanes = _filters.Lanes;
            if (_path == XnorConvPath.Vector256) return Tile256(x0, x1, x2, x3, w0, w1, w2, w3, offsets, steps, lanes);
            if (steps < CarrySaveMinSteps) return Tile512(x0, x1, x2, x3, w0, w1, w2, w3, offsets, steps, lanes, tables);
            if (steps >= CarrySave18MinSteps && steps <= CarrySave18MaxSteps)
            {
                return new TileCounts
                {
                    C0 = CarrySave18(x0, w0, offsets, steps, lanes, tables),
                    C1 = CarrySave18(x1, w1, offsets, steps, lanes, tables),
                    C2 = CarrySave18(x2, w2, offsets, steps, lanes, tables),
                    C3 = CarrySave18(x3, w3, offsets, steps, lanes, tables),
                };
            }
            if (steps < HarleySealMinSteps)
            {
                return new TileCounts
                {
                    C0 = CarrySave9(x0, w0, offsets, steps, lanes, tables),
                    C1 = CarrySave9(x1, w1, offsets, steps, lanes, tables),
                    C2 = CarrySave9(x2, w2, offsets, steps, lanes, tables),
                    C3 = CarrySave9(x3, w3, offsets, steps, lanes, tables),
                };
            }
            return new TileCounts
            {
                C0 = HarleySeal512(x0, w0, offsets, steps, lanes, tables),
                C1 = HarleySeal512(x1, w1, offsets, steps, lanes, tables),
                C2 = HarleySeal512(x2, w2, offsets, steps, lanes, tables),
                C3 = HarleySeal512(x3, w3, offsets, steps, lanes, tables),
            };
        }

        /// <summary>
        /// Vector j of a tile: the counts of output channels [lane, lane + width) of pixel t. Inlined into the tile loops
        /// (no stackalloc here: a method with one is never inlined, and the call per vector cost as much as a 9-step tile).
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private void Store(int t, int lane, in TileCounts c, int j)
        {
            if (_path == XnorConvPath.Vector512)
            {
                Vector512<int> v = c.Get512(j);
                if (_thresholds == null) StoreCounts(t, lane, v, 16);
                else _output[(nint)t * _outWords + (lane >> 6)] |= Vector512.LessThanOrEqual(v, Vector512.Load(_thresholds + lane)).ExtractMostSignificantBits() << (lane & 63);
                return;
            }
            Vector256<int> u = c.Get256(j);
            if (_thresholds == null) StoreCounts(t, lane, u.ToVector512(), 8);
            else _output[(nint)t * _outWords + (lane >> 6)] |= (ulong)Vector256.LessThanOrEqual(u, Vector256.Load(_thresholds + lane)).ExtractMostSignificantBits() << (lane & 63);
        }

        /// <summary>The first <paramref name="width"/> lanes of <paramref name="v"/> (none past O) through <see cref="StoreCounts(int, int, int*, int)"/>.</summary>
        [MethodImpl(MethodImplOptions.NoInlining)]
        private void StoreCounts(int t, int lane, Vector512<int> v, int width)
        {
            int* values = stackalloc int[16];
            v.Store(values);
            StoreCounts(t, lane, values, Math.Min(width, _filters.Shape.OutChannels - lane));
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
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void ScalarPixel(int t, uint* x, int* offsets)
        {
            var s = _filters.Shape;
            int steps = _filters.Steps, lanes = _filters.Lanes, o = s.OutChannels, outWords = BitLayout.WordsPerRow(o);
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

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public readonly Vector512<int> Get512(int j) => j switch { 0 => C0, 1 => C1, 2 => C2, _ => C3 };

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public readonly Vector256<int> Get256(int j) => Get512(j).GetLower();
    }

    /// <summary>
    /// 4 × 16 lanes: c_j[l] = Σ_r popcount(x_j[offsets[r]] XOR w_j[r·lanes + l]). Byte counters per ≤ 31 steps, then
    /// widened to 32-bit lanes.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe TileCounts Tile512(uint* x0, uint* x1, uint* x2, uint* x3, uint* w0, uint* w1, uint* w2, uint* w3, int* offsets, int steps, int lanes,
        in PopCountTables512 tables)
    {
        Vector512<byte> ta = tables.A, tb = tables.B;
        Vector512<int> q0 = default, q1 = default, q2 = default, q3 = default;
        for (int start = 0; start < steps; start += ChunkSteps)
        {
            int end = Math.Min(steps, start + ChunkSteps);
            Vector512<byte> s0 = default, s1 = default, s2 = default, s3 = default;
            for (int r = start; r < end; r++)
            {
                nint off = offsets[r], wo = (nint)r * lanes;
                s0 += ByteCounts((Vector512.Create(x0[off]) ^ Vector512.Load(w0 + wo)).AsUInt64(), ta, tb);
                s1 += ByteCounts((Vector512.Create(x1[off]) ^ Vector512.Load(w1 + wo)).AsUInt64(), ta, tb);
                s2 += ByteCounts((Vector512.Create(x2[off]) ^ Vector512.Load(w2 + wo)).AsUInt64(), ta, tb);
                s3 += ByteCounts((Vector512.Create(x3[off]) ^ Vector512.Load(w3 + wo)).AsUInt64(), ta, tb);
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
    private static unsafe Vector512<int> HarleySeal512(uint* x, uint* w, int* offsets, int steps, int lanes, in PopCountTables512 tables) =>
        HarleySeal512Inlined(x, w, offsets, steps, lanes, tables.A, tables.B);

    /// <summary><see cref="HarleySeal512"/> inlined into a caller that holds the tables.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe Vector512<int> HarleySeal512Inlined(uint* x, uint* w, int* offsets, int steps, int lanes,
        Vector512<byte> ta, Vector512<byte> tb)
    {
        Vector512<ulong> ones = default, twos = default, fours = default;
        Vector512<byte> eights = default; // ≤ 8 per byte per block, widened every 31 blocks
        Vector512<int> total = default;
        int r = 0, blocks = 0;
        int* off = offsets;
        uint* wp = w;
        for (; r + 8 <= steps; r += 8)
        {
            var (o1, twosA) = PopCountGemm.CarrySave(ones, Xor512(x, ref off, ref wp, lanes), Xor512(x, ref off, ref wp, lanes));
            var (o2, twosB) = PopCountGemm.CarrySave(o1, Xor512(x, ref off, ref wp, lanes), Xor512(x, ref off, ref wp, lanes));
            var (t1, foursA) = PopCountGemm.CarrySave(twos, twosA, twosB);
            (o1, twosA) = PopCountGemm.CarrySave(o2, Xor512(x, ref off, ref wp, lanes), Xor512(x, ref off, ref wp, lanes));
            (ones, twosB) = PopCountGemm.CarrySave(o1, Xor512(x, ref off, ref wp, lanes), Xor512(x, ref off, ref wp, lanes));
            (twos, var foursB) = PopCountGemm.CarrySave(t1, twosA, twosB);
            (fours, var carry) = PopCountGemm.CarrySave(fours, foursA, foursB);
            eights += ByteCounts(carry, ta, tb);
            if (++blocks == ChunkSteps)
            {
                total += Widen(eights);
                eights = default;
                blocks = 0;
            }
        }
        Vector512<byte> rest = default; // ≤ 7 tail steps: ≤ 56 per byte
        for (; r < steps; r++) rest += ByteCounts(Xor512(x, ref off, ref wp, lanes), ta, tb);
        Vector512<byte> f = ByteCounts(fours, ta, tb);
        Vector512<byte> weighted = f + f + ByteCounts(twos, ta, tb); // ≤ 24
        weighted = weighted + weighted + ByteCounts(ones, ta, tb) + rest; // ≤ 48 + 8 + 56
        return ((total + Widen(eights)) << 3) + Widen(weighted);
    }

    /// <summary>The next step's XOR of the broadcast input word and 16 filter words; advances both cursors.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe Vector512<ulong> Xor512(uint* x, ref int* offset, ref uint* w, int lanes)
    {
        var d = (Vector512.Create(x[*offset]) ^ Vector512.Load(w)).AsUInt64();
        offset++;
        w += lanes;
        return d;
    }

    /// <summary>As <see cref="Tile512"/> with 8 lanes per vector.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe TileCounts Tile256(uint* x0, uint* x1, uint* x2, uint* x3, uint* w0, uint* w1, uint* w2, uint* w3, int* offsets, int steps, int lanes)
    {
        Vector256<byte> table = Vector256.Create(0x0302020102010100UL, 0x0403030203020201UL, 0x0302020102010100UL, 0x0403030203020201UL).AsByte();
        Vector256<int> q0 = default, q1 = default, q2 = default, q3 = default;
        for (int start = 0; start < steps; start += ChunkSteps)
        {
            int end = Math.Min(steps, start + ChunkSteps);
            Vector256<byte> s0 = default, s1 = default, s2 = default, s3 = default;
            for (int r = start; r < end; r++)
            {
                nint off = offsets[r], wo = (nint)r * lanes;
                s0 += ByteCounts((Vector256.Create(x0[off]) ^ Vector256.Load(w0 + wo)).AsUInt64(), table);
                s1 += ByteCounts((Vector256.Create(x1[off]) ^ Vector256.Load(w1 + wo)).AsUInt64(), table);
                s2 += ByteCounts((Vector256.Create(x2[off]) ^ Vector256.Load(w2 + wo)).AsUInt64(), table);
                s3 += ByteCounts((Vector256.Create(x3[off]) ^ Vector256.Load(w3 + wo)).AsUInt64(), table);
            }
            q0 += Widen(s0);
            q1 += Widen(s1);
            q2 += Widen(s2);
            q3 += Widen(s3);
        }
        return new TileCounts { C0 = q0.ToVector512(), C1 = q1.ToVector512(), C2 = q2.ToVector512(), C3 = q3.ToVector512() };
    }

    /// <summary>
    /// Lookup tables of <see cref="ByteCounts(Vector512{ulong}, Vector512{byte}, Vector512{byte})"/>: with AVX-512 VBMI popcount of the low 6 and low 2 bits
    /// (<c>vpermb</c>), else the 16-entry nibble table. Passed in, because the properties that build them are not always
    /// inlined into the tile loops (then they were called per step).
    /// </summary>
    private readonly struct PopCountTables512(Vector512<byte> a, Vector512<byte> b)
    {
        public readonly Vector512<byte> A = a, B = b;

        public static PopCountTables512 Create() => Avx512Vbmi.IsSupported
            ? new(PopCountGemm.PopCountLow6, PopCountGemm.PopCountLow2)
            : new(PopCountGemm.PopCountNibble, PopCountGemm.PopCountNibble);
    }

    /// <summary>Popcount of each byte (0..8), as <see cref="PopCountGemm.LaneByteCounts(Vector512{ulong})"/> with the tables given.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<byte> ByteCounts(Vector512<ulong> x, Vector512<byte> a, Vector512<byte> b)
    {
        if (Avx512Vbmi.IsSupported) return Avx512Vbmi.PermuteVar64x8(a, x.AsByte()) + Avx512Vbmi.PermuteVar64x8(b, (x >>> 6).AsByte());
        Vector512<byte> nibble = Vector512.Create((byte)0x0F);
        Vector512<byte> lo = x.AsByte() & nibble;
        Vector512<byte> hi = Vector512.ShiftRightLogical(x, 4).AsByte() & nibble;
        if (Avx512BW.IsSupported) return Avx512BW.Shuffle(a, lo) + Avx512BW.Shuffle(a, hi);
        return Vector512.Shuffle(a, lo) + Vector512.Shuffle(a, hi);
    }

    /// <summary>Popcount of each byte (0..8) by two 16-entry nibble lookups in <paramref name="table"/> (popcount(i), i &lt; 16, per 128-bit lane).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<byte> ByteCounts(Vector256<ulong> x, Vector256<byte> table)
    {
        Vector256<byte> nibble = Vector256.Create((byte)0x0F);
        Vector256<byte> lo = x.AsByte() & nibble;
        Vector256<byte> hi = Vector256.ShiftRightLogical(x, 4).AsByte() & nibble;
        if (Avx2.IsSupported) return Avx2.Shuffle(table, lo) + Avx2.Shuffle(table, hi);
        return Vector256.Shuffle(table, lo) + Vector256.Shuffle(table, hi);
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
