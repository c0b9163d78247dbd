using System.Buffers;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Lowbit.Kernels.Bits;

public static partial class SignByteGemm
{
    /// <summary>
    /// The sparse path is taken when at most this share of the input pairs is non-zero (break-even measured on a Zen 4
    /// with AVX-512BW at about 51 %: BENCHMARKS.md "First layer on sparse inputs"; the AVX2 path is kept to the same
    /// limit); denser inputs go through the dense tile kernels.
    /// </summary>
    internal const double SparseMaxDensity = 0.5;

    /// <summary>
    /// Below this many byte products (non-zero pairs × pair-row bytes) the sparse paths stay on one thread: about 2 M
    /// products are 25 µs of the 512-bit kernel, the least work worth waking a worker for (a batch of one MNIST image
    /// is ~0.18 M, a batch of 100 ~18 M).
    /// </summary>
    internal const long MinSparseParallelWork = 1L << 21;

    /// <summary>
    /// Inputs such as MNIST pixels are mostly zero: lists the non-zero pairs once and, when they are at most
    /// <see cref="SparseMaxDensity"/> of all pairs, computes c on the sparse path (the scan costs ~1 % of a dense
    /// product). Returns false, with c untouched, when the input is denser or a pair index would not fit 16 bits.
    /// </summary>
    internal static bool TryMultiplySparse(ReadOnlySpan<byte> x, int m, SignBytePanel panel, Span<int> c, int threads)
    {
        int pairs = panel.PairCount;
        if (pairs > ushort.MaxValue) return false;
        int[] lists = ArrayPool<int>.Shared.Rent(Math.Max(1, m * pairs));
        int[] counts = ArrayPool<int>.Shared.Rent(m);
        try
        {
            long nonZero = ListNonZeroPairs(x, m, panel.Length, lists, counts);
            if (nonZero > SparseMaxDensity * m * pairs) return false;
            if (Avx512BW.IsSupported) MultiplySparse512(x, m, panel, c, threads, lists, counts);
            else MultiplySparse256(x, m, panel, c, threads, lists, counts);
            return true;
        }
        finally
        {
            ArrayPool<int>.Shared.Return(lists);
            ArrayPool<int>.Shared.Return(counts);
        }
    }

    /// <summary>
    /// Counts the non-zero input pairs (x[i, 2p], x[i, 2p+1]) of every row and lists them as <c>p &lt;&lt; 16 | value</c>
    /// (value = the two bytes as a little-endian 16-bit word) in <paramref name="lists"/> <c>[m, PairCount]</c>.
    /// </summary>
    /// <returns>The total number of non-zero pairs.</returns>
    internal static unsafe long ListNonZeroPairs(ReadOnlySpan<byte> x, int m, int k, Span<int> lists, Span<int> counts)
    {
        int pairs = (k + 1) / 2;
        long total = 0;
        var tail = stackalloc byte[64];
        fixed (byte* px = x)
        fixed (int* pl = lists)
        {
            for (int i = 0; i < m; i++)
            {
                byte* row = px + (nint)i * k;
                int* list = pl + (nint)i * pairs;
                int count = 0;
                for (int p0 = 0; p0 < pairs; p0 += 32)
                {
                    // 32 pairs = 64 bytes per step; the last step copies what is left of the row into a zeroed buffer
                    // (a row of odd length must not read the next row's first byte as its last pair's high byte).
                    int bytes = Math.Min(64, k - 2 * p0);
                    byte* src = row + 2 * p0;
                    if (bytes < 64)
                    {
                        Unsafe.InitBlockUnaligned(tail, 0, 64);
                        Unsafe.CopyBlockUnaligned(tail, src, (uint)bytes);
                        src = tail;
                    }
                    uint nonZero;
                    if (Vector512.IsHardwareAccelerated)
                        nonZero = ~(uint)Vector512.Equals(Vector512.Load(src).AsUInt16(), Vector512<ushort>.Zero).ExtractMostSignificantBits();
                    else if (Vector256.IsHardwareAccelerated)
                        nonZero = ~(Vector256.Equals(Vector256.Load(src).AsUInt16(), Vector256<ushort>.Zero).ExtractMostSignificantBits()
                            | Vector256.Equals(Vector256.Load(src + 32).AsUInt16(), Vector256<ushort>.Zero).ExtractMostSignificantBits() << 16);
                    else
                    {
                        nonZero = 0;
                        for (int q = 0; q < 32; q++)
                            if (((ushort*)src)[q] != 0) nonZero |= 1u << q;
                    }
                    while (nonZero != 0)
                    {
                        int q = BitOperations.TrailingZeroCount(nonZero);
                        nonZero &= nonZero - 1;
                        list[count++] = (p0 + q) << 16 | ((ushort*)src)[q];
                    }
                }
                counts[i] = count;
                total += count;
            }
        }
        return total;
    }

    /// <summary>
    /// Sparse-input path (AVX-512BW): for each row, only its non-zero input pairs are visited, and for each one the
    /// pair is broadcast and multiplied (<c>vpmaddubsw</c>) against 32 units' pair-major weights per instruction,
    /// accumulating 16-bit sums per unit (exact for 64 pairs: 64·510 &lt; 2^15) that are widened to 32 bits every 64
    /// pairs. No horizontal sums; the cost is proportional to the non-zero pairs. The loops run block by block of 64
    /// units (<see cref="SignBytePanel.BlockMajor"/>, contiguous) and, inside a block, over all rows, so a block's
    /// weights are read from the first-level cache after the first rows. Blocks are split between threads; every
    /// output element has one owner, so results are identical for every thread count.
    /// </summary>
    internal static unsafe void MultiplySparse512(ReadOnlySpan<byte> x, int m, SignBytePanel panel, Span<int> c, int threads,
        ReadOnlySpan<int> lists, ReadOnlySpan<int> counts, long minParallelWork = MinSparseParallelWork)
    {
        int n = panel.Rows, pairs = panel.PairCount, blocks = panel.UnitBlocks;
        sbyte[] table = panel.BlockMajor;
        long nonZero = 0;
        for (int i = 0; i < m; i++) nonZero += counts[i];
        int parts = nonZero * panel.PairRowBytes < minParallelWork ? 1 : threads;
        // Each list entry widened to 8 bytes: the pair's two bytes twice (a 32-bit broadcast from memory needs no
        // vector-port shuffle, unlike a 16-bit broadcast from a register) and the pair's byte offset in a block.
        ulong[] wide = ArrayPool<ulong>.Shared.Rent(Math.Max(1, m * pairs));
        try
        {
            for (int i = 0; i < m; i++)
            {
                var from = lists.Slice(i * pairs, counts[i]);
                var to = wide.AsSpan(i * pairs, counts[i]);
                for (int q = 0; q < from.Length; q++)
                {
                    uint e = (uint)from[q], value = e & 0xFFFF;
                    to[q] = (ulong)((e >> 16) * 2 * SignBytePanel.BlockUnits) << 32 | (value | value << 16);
                }
            }
            fixed (sbyte* pt = table)
            fixed (ulong* pl = wide)
            fixed (int* pn = counts, pc = c)
            {
                var job = new SparseBlocksJob((nint)pt, (nint)pl, (nint)pn, (nint)pc, m, n, pairs);
                if (parts == 1) job.Run(0, blocks);
                else RowPartition.Run(blocks, parts, 1, job.Run);
            }
        }
        finally
        {
            ArrayPool<ulong>.Shared.Return(wide);
        }
    }

    /// <summary>The blocks [b0, b1) of <see cref="MultiplySparse512"/> for every row.</summary>
    private readonly struct SparseBlocksJob(nint table, nint lists, nint counts, nint c, int m, int n, int pairs)
    {
        public unsafe void Run(int b0, int b1)
        {
            const int blockBytes = 2 * SignBytePanel.BlockUnits;
            // lists: the widened entries [m, pairs] of MultiplySparse512.
            var partial = stackalloc int[SignBytePanel.BlockUnits];
            for (int b = b0; b < b1; b++)
            {
                sbyte* weights = (sbyte*)table + (nint)b * pairs * blockBytes;
                int j0 = b * SignBytePanel.BlockUnits, units = Math.Min(SignBytePanel.BlockUnits, n - j0);
                for (int i = 0; i < m; i++)
                {
                    int* row = (int*)c + (nint)i * n + j0;
                    ulong* list = (ulong*)lists + (nint)i * pairs;
                    int count = ((int*)counts)[i];
                    if (units == SignBytePanel.BlockUnits) Sparse64(list, count, weights, row);
                    else
                    {
                        Sparse64(list, count, weights, partial);
                        Unsafe.CopyBlockUnaligned(row, partial, (uint)(units * sizeof(int)));
                    }
                }
            }
        }
    }

    /// <summary>
    /// 64 units (two vectors of 32) of one block over one row's non-zero pairs, written to <paramref name="output"/>;
    /// list entries as <see cref="MultiplySparse512"/> widens them.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void Sparse64(ulong* list, int count, sbyte* weights, int* output)
    {
        Vector512<int> s0 = default, s1 = default, s2 = default, s3 = default;
        for (int q0 = 0; q0 < count; q0 += BlocksPerFlush)
        {
            int q1 = Math.Min(count, q0 + BlocksPerFlush);
            Vector512<short> a0 = default, a1 = default;
            for (int q = q0; q < q1; q++)
            {
                int* e = (int*)(list + q);
                sbyte* w = weights + e[1];
                var xv = Vector512.Create(*(uint*)e).AsByte();
                a0 += Avx512BW.MultiplyAddAdjacent(xv, Vector512.Load(w));
                a1 += Avx512BW.MultiplyAddAdjacent(xv, Vector512.Load(w + 64));
            }
            s0 += Avx512F.ConvertToVector512Int32(a0.GetLower());
            s1 += Avx512F.ConvertToVector512Int32(a0.GetUpper());
            s2 += Avx512F.ConvertToVector512Int32(a1.GetLower());
            s3 += Avx512F.ConvertToVector512Int32(a1.GetUpper());
        }
        Vector512.Store(s0, output);
        Vector512.Store(s1, output + 16);
        Vector512.Store(s2, output + 32);
        Vector512.Store(s3, output + 48);
    }

    /// <summary>
    /// Sparse-input path with AVX2, as <see cref="MultiplySparse512"/> with 256-bit vectors: 16 units per
    /// <c>vpmaddubsw</c>, 16-bit sums widened every 64 pairs, units split between threads in blocks of 16.
    /// </summary>
    internal static unsafe void MultiplySparse256(ReadOnlySpan<byte> x, int m, SignBytePanel panel, Span<int> c, int threads,
        ReadOnlySpan<int> lists, ReadOnlySpan<int> counts, long minParallelWork = MinSparseParallelWork)
    {
        int n = panel.Rows, pairs = panel.PairCount, rowBytes = panel.PairRowBytes, vectors = rowBytes / 32;
        sbyte[] table = panel.PairMajor;
        long nonZero = 0;
        for (int i = 0; i < m; i++) nonZero += counts[i];
        int parts = nonZero * rowBytes < minParallelWork ? 1 : threads;
        fixed (sbyte* pt = table)
        fixed (int* pl = lists, pn = counts, pc = c)
        {
            nint tAddr = (nint)pt, lAddr = (nint)pl, nAddr = (nint)pn, cAddr = (nint)pc;
            RowPartition.Run(vectors, parts, 1, (v0, v1) =>
            {
                int[] rowSums = ArrayPool<int>.Shared.Rent((v1 - v0) * 16);
                try
                {
                    fixed (int* acc = rowSums)
                        for (int i = 0; i < m; i++)
                        {
                            Unsafe.InitBlockUnaligned(acc, 0, (uint)((v1 - v0) * 16 * sizeof(int)));
                            int* list = (int*)lAddr + (nint)i * pairs;
                            int count = ((int*)nAddr)[i];
                            int v = v0;
                            for (; v + 8 <= v1; v += 8) Sparse8x256(list, count, (sbyte*)tAddr + (nint)v * 32, rowBytes, acc + (v - v0) * 16);
                            for (; v < v1; v++) Sparse1x256(list, count, (sbyte*)tAddr + (nint)v * 32, rowBytes, acc + (v - v0) * 16);
                            int j0 = v0 * 16, j1 = Math.Min(n, v1 * 16);
                            if (j1 > j0) Unsafe.CopyBlockUnaligned((int*)cAddr + (nint)i * n + j0, acc, (uint)((j1 - j0) * sizeof(int)));
                        }
                }
                finally
                {
                    ArrayPool<int>.Shared.Return(rowSums);
                }
            });
        }
    }

    /// <summary>128 units (8 vectors of 16) over one row's non-zero pairs, added into <paramref name="acc"/>.</summary>
    private static unsafe void Sparse8x256(int* list, int count, sbyte* table, int rowBytes, int* acc)
    {
        for (int q0 = 0; q0 < count; q0 += BlocksPerFlush)
        {
            int q1 = Math.Min(count, q0 + BlocksPerFlush);
            Vector256<short> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default, a6 = default, a7 = default;
            for (int q = q0; q < q1; q++)
            {
                int e = list[q];
                sbyte* w = table + (nint)(e >>> 16) * rowBytes;
                var xv = Vector256.Create((ushort)e).AsByte();
                a0 += Avx2.MultiplyAddAdjacent(xv, Vector256.Load(w));
                a1 += Avx2.MultiplyAddAdjacent(xv, Vector256.Load(w + 32));
                a2 += Avx2.MultiplyAddAdjacent(xv, Vector256.Load(w + 64));
                a3 += Avx2.MultiplyAddAdjacent(xv, Vector256.Load(w + 96));
                a4 += Avx2.MultiplyAddAdjacent(xv, Vector256.Load(w + 128));
                a5 += Avx2.MultiplyAddAdjacent(xv, Vector256.Load(w + 160));
                a6 += Avx2.MultiplyAddAdjacent(xv, Vector256.Load(w + 192));
                a7 += Avx2.MultiplyAddAdjacent(xv, Vector256.Load(w + 224));
            }
            AddWidened256(acc, a0); AddWidened256(acc + 16, a1); AddWidened256(acc + 32, a2); AddWidened256(acc + 48, a3);
            AddWidened256(acc + 64, a4); AddWidened256(acc + 80, a5); AddWidened256(acc + 96, a6); AddWidened256(acc + 112, a7);
        }
    }

    /// <summary>16 units (one vector) over one row's non-zero pairs, added into <paramref name="acc"/>.</summary>
    private static unsafe void Sparse1x256(int* list, int count, sbyte* table, int rowBytes, int* acc)
    {
        for (int q0 = 0; q0 < count; q0 += BlocksPerFlush)
        {
            int q1 = Math.Min(count, q0 + BlocksPerFlush);
            Vector256<short> a0 = default;
            for (int q = q0; q < q1; q++)
            {
                int e = list[q];
                a0 += Avx2.MultiplyAddAdjacent(Vector256.Create((ushort)e).AsByte(), Vector256.Load(table + (nint)(e >>> 16) * rowBytes));
            }
            AddWidened256(acc, a0);
        }
    }

    /// <summary>acc[0..16) += the 16 16-bit lanes of <paramref name="a"/> sign-extended, in lane order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void AddWidened256(int* acc, Vector256<short> a)
    {
        Vector256.Store(Vector256.Load(acc) + Avx2.ConvertToVector256Int32(a.GetLower()), acc);
        Vector256.Store(Vector256.Load(acc + 8) + Avx2.ConvertToVector256Int32(a.GetUpper()), acc + 8);
    }
}
