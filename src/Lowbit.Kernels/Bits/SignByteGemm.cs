using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Lowbit.Kernels.Bits;

/// <summary>
/// First layer of a binary network on 8-bit inputs: <c>c[i, j] = Σ_t x[i, t]·s[j, t]</c> for unsigned bytes x and
/// weights s ∈ {−1, 0, +1} (±1 for binary panels, also 0 for masked ones), exact in 32-bit integers.
/// </summary>
/// <remarks>
/// The vector paths multiply 64 (AVX-512BW) or 32 (AVX2) byte pairs per instruction with <c>vpmaddubsw</c>
/// (unsigned × signed bytes, adjacent products summed into 16-bit lanes): with |s| ≤ 1 each pair sum lies in
/// [−510, 510], so 16-bit accumulators stay exact for 64 blocks (64·510 &lt; 2^15) and are then widened to 32 bits
/// with <c>vpmaddwd</c> by ones. Inputs are copied into zero-padded rows of <see cref="Stride"/> bytes (the panel's
/// padding is zero too), so no tail handling is needed in the loops. A register tile of 4 images × 4 units reuses
/// every load four times. Work is split over units (columns) between threads: results are exact and identical for
/// every thread count. The scalar reference is <see cref="MultiplyScalar"/>.
/// </remarks>
public static partial class SignByteGemm
{
    /// <summary>16-bit accumulation blocks before widening: 64 blocks·510 &lt; 32,768.</summary>
    private const int BlocksPerFlush = 64;

    /// <summary>Padded row length: <paramref name="k"/> rounded up to a multiple of 64.</summary>
    /// <param name="k">Values per row (≥ 0).</param>
    /// <returns>The stride in bytes.</returns>
    public static int Stride(int k) => checked((k + 63) & ~63);

    /// <summary>Computes <c>c[i, j] = Σ_t x[i, t]·s[j, t]</c>.</summary>
    /// <param name="x">Unsigned 8-bit inputs <c>[m, k]</c> (e.g. raw pixels), k = panel.Length.</param>
    /// <param name="m">Input rows (≥ 0).</param>
    /// <param name="panel">The ±1 weights <c>[n, k]</c>.</param>
    /// <param name="c">Output <c>[m, n]</c>.</param>
    /// <param name="threads">Worker threads (≥ 1); units are split between them.</param>
    /// <exception cref="ArgumentOutOfRangeException">m is negative or threads &lt; 1.</exception>
    /// <exception cref="ArgumentException">A span is too short.</exception>
    public static void Multiply(ReadOnlySpan<byte> x, int m, SignBytePanel panel, Span<int> c, int threads = 1)
    {
        Validate(x, m, panel, c.Length, threads);
        if (m == 0 || panel.Rows == 0) return;
        if ((Avx512BW.IsSupported || Avx2.IsSupported) && TryMultiplySparse(x, m, panel, c, threads)) return;
        if (Avx512BW.IsSupported) MultiplyPadded(x, m, panel, c, threads, Width.V512);
        else if (Avx2.IsSupported) MultiplyPadded(x, m, panel, c, threads, Width.V256);
        else MultiplyScalar(x, m, panel, c);
    }

    internal enum Width
    {
        V256,
        V512,
    }

    internal static void Validate(ReadOnlySpan<byte> x, int m, SignBytePanel panel, int cLength, int threads)
    {
        ArgumentNullException.ThrowIfNull(panel);
        ArgumentOutOfRangeException.ThrowIfNegative(m);
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        BitChecks.Length(nameof(x), x.Length, BitChecks.Count(nameof(x), m, panel.Length), $"[m={m}, k={panel.Length}]");
        BitChecks.Length("c", cLength, BitChecks.Count("c", m, panel.Rows), $"[m={m}, n={panel.Rows}]");
    }

    /// <summary>Reference path: plain loops in 32-bit integers, no padding copy.</summary>
    internal static void MultiplyScalar(ReadOnlySpan<byte> x, int m, SignBytePanel panel, Span<int> c)
    {
        int n = panel.Rows, k = panel.Length, stride = panel.Stride;
        var w = panel.Weights;
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                int sum = 0;
                for (int t = 0; t < k; t++) sum += x[i * k + t] * w[j * stride + t];
                c[i * n + j] = sum;
            }
    }

    /// <summary>Vector path of the given width (callable directly from tests; the ISA must be supported).</summary>
    internal static unsafe void MultiplyPadded(ReadOnlySpan<byte> x, int m, SignBytePanel panel, Span<int> c, int threads, Width width)
    {
        int n = panel.Rows, k = panel.Length, stride = panel.Stride;
        byte[] padded = ArrayPool<byte>.Shared.Rent(Math.Max(1, m * stride));
        try
        {
            for (int i = 0; i < m; i++)
            {
                x.Slice(i * k, k).CopyTo(padded.AsSpan(i * stride, k));
                padded.AsSpan(i * stride + k, stride - k).Clear();
            }
            fixed (byte* px = padded)
            fixed (sbyte* pw = panel.Weights)
            fixed (int* pc = c)
            {
                nint xAddr = (nint)px, wAddr = (nint)pw, cAddr = (nint)pc;
                // Units split between threads in multiples of 4 (the tile width); each output element has one owner.
                // Below 4 images the 512-bit path reads the packed bits (1/8 of the bytes) and expands them in registers.
                bool fromBits = width == Width.V512 && m < 4 && panel.IsBinary;
                var sums = stackalloc int[4];
                for (int i = 0; fromBits && i < m; i++)
                {
                    int s = 0;
                    foreach (byte v in padded.AsSpan(i * stride, stride)) s += v;
                    sums[i] = s;
                }
                int parts = (long)m * n * stride < MinParallelWork ? 1 : threads;
                fixed (ulong* pb = panel.Packed)
                {
                    nint bAddr = (nint)pb, sumsAddr = (nint)sums;
                    RowPartition.Run(n, parts, 4, (start, end) =>
                    {
                        if (fromBits) ColumnsFromBits512((byte*)xAddr, m, (ulong*)bAddr, n, stride, (int*)cAddr, start, end, (int*)sumsAddr);
                        else if (width == Width.V512) Columns512((byte*)xAddr, m, (sbyte*)wAddr, n, stride, (int*)cAddr, start, end);
                        else Columns256((byte*)xAddr, m, (sbyte*)wAddr, n, stride, (int*)cAddr, start, end);
                    });
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(padded);
        }
    }

    /// <summary>Below this many byte products a call stays on one thread (thread hand-off costs more).</summary>
    private const long MinParallelWork = 1L << 17;

    /// <summary>
    /// Few rows (1..3), 512-bit: c[i, j] = 2·Σ_{t: s_jt = +1} x_it − Σ_t x_it. Each packed word is broadcast, spread one
    /// bit per byte with vpshufb (byte q of a 128-bit lane takes word byte 2·lane + q/8), masked with its bit and
    /// clamped to {0, 1}; vpmaddubsw against the pixels then sums x over the +1 weights (pairs ≤ 510: exact).
    /// </summary>
    private static unsafe void ColumnsFromBits512(byte* x, int m, ulong* packed, int n, int stride, int* c, int start, int end, int* pixelSums)
    {
        int blocks = stride / 64;
        var spread = Vector512.Create(
            (byte)0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1,
            2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3,
            4, 4, 4, 4, 4, 4, 4, 4, 5, 5, 5, 5, 5, 5, 5, 5,
            6, 6, 6, 6, 6, 6, 6, 6, 7, 7, 7, 7, 7, 7, 7, 7);
        var bitOfByte = Vector512.Create(0x8040201008040201UL).AsByte();
        var one = Vector512<byte>.One;
        int j = start;
        if (m == 1)
        {
            // One image: four units at a time (independent accumulators, one combined reduction).
            for (; j + 4 <= end; j += 4)
            {
                ulong* r0 = packed + (nint)j * blocks;
                Vector512<short> a0 = default, a1 = default, a2 = default, a3 = default;
                Vector512<int> t0 = default, t1 = default, t2 = default, t3 = default;
                for (int b = 0; b < blocks; b++)
                {
                    var xb = Vector512.Load(x + b * 64);
                    a0 += Avx512BW.MultiplyAddAdjacent(xb, Vector512.Min(Avx512BW.Shuffle(Vector512.Create(r0[b]).AsByte(), spread) & bitOfByte, one).AsSByte());
                    a1 += Avx512BW.MultiplyAddAdjacent(xb, Vector512.Min(Avx512BW.Shuffle(Vector512.Create(r0[blocks + b]).AsByte(), spread) & bitOfByte, one).AsSByte());
                    a2 += Avx512BW.MultiplyAddAdjacent(xb, Vector512.Min(Avx512BW.Shuffle(Vector512.Create(r0[2 * blocks + b]).AsByte(), spread) & bitOfByte, one).AsSByte());
                    a3 += Avx512BW.MultiplyAddAdjacent(xb, Vector512.Min(Avx512BW.Shuffle(Vector512.Create(r0[3 * blocks + b]).AsByte(), spread) & bitOfByte, one).AsSByte());
                    if ((b + 1) % BlocksPerFlush == 0 || b == blocks - 1)
                    {
                        t0 += Widen512(a0); t1 += Widen512(a1); t2 += Widen512(a2); t3 += Widen512(a3);
                        a0 = a1 = a2 = a3 = default;
                    }
                }
                var sums = Sum4(t0, t1, t2, t3);
                (sums + sums - Vector128.Create(pixelSums[0])).Store(c + j);
            }
        }
        for (; j < end; j++)
        {
            ulong* row = packed + (nint)j * blocks;
            Vector512<short> a0 = default, a1 = default, a2 = default;
            Vector512<int> t0 = default, t1 = default, t2 = default;
            for (int b = 0; b < blocks; b++)
            {
                var bits = Avx512BW.Shuffle(Vector512.Create(row[b]).AsByte(), spread);
                var s = Vector512.Min(bits & bitOfByte, one).AsSByte(); // 1 where the weight is +1, else 0
                a0 += Avx512BW.MultiplyAddAdjacent(Vector512.Load(x + b * 64), s);
                if (m > 1) a1 += Avx512BW.MultiplyAddAdjacent(Vector512.Load(x + stride + b * 64), s);
                if (m > 2) a2 += Avx512BW.MultiplyAddAdjacent(Vector512.Load(x + 2 * stride + b * 64), s);
                if ((b + 1) % BlocksPerFlush == 0 || b == blocks - 1)
                {
                    t0 += Widen512(a0); t1 += Widen512(a1); t2 += Widen512(a2);
                    a0 = a1 = a2 = default;
                }
            }
            c[j] = 2 * Vector512.Sum(t0) - pixelSums[0];
            if (m > 1) c[(nint)n + j] = 2 * Vector512.Sum(t1) - pixelSums[1];
            if (m > 2) c[2 * (nint)n + j] = 2 * Vector512.Sum(t2) - pixelSums[2];
        }
    }

    private static unsafe void Columns512(byte* x, int m, sbyte* w, int n, int stride, int* c, int start, int end)
    {
        int blocks = stride / 64;
        // Units in groups of 64 (64·stride bytes of weights stay cache-resident while every image passes).
        for (int j0 = start; j0 < end; j0 += 64)
        {
            int j1 = Math.Min(end, j0 + 64);
            int i = 0;
            for (; i + 4 <= m; i += 4)
            {
                int j = j0;
                for (; j + 4 <= j1; j += 4) Tile512x4x4(x + (nint)i * stride, w + (nint)j * stride, stride, blocks, c + (nint)i * n + j, n);
                for (; j < j1; j++)
                    for (int r = 0; r < 4; r++) c[(nint)(i + r) * n + j] = Dot512(x + (nint)(i + r) * stride, w + (nint)j * stride, blocks);
            }
            for (; i < m; i++)
                for (int j = j0; j < j1; j++) c[(nint)i * n + j] = Dot512(x + (nint)i * stride, w + (nint)j * stride, blocks);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<int> Widen512(Vector512<short> acc) => Avx512BW.MultiplyAddAdjacent(acc, Vector512<short>.One);

    private static unsafe int Dot512(byte* x, sbyte* w, int blocks)
    {
        var total = Vector512<int>.Zero;
        for (int b0 = 0; b0 < blocks; b0 += BlocksPerFlush)
        {
            var acc = Vector512<short>.Zero;
            int b1 = Math.Min(blocks, b0 + BlocksPerFlush);
            for (int b = b0; b < b1; b++)
                acc += Avx512BW.MultiplyAddAdjacent(Vector512.Load(x + b * 64), Vector512.Load(w + b * 64));
            total += Widen512(acc);
        }
        return Vector512.Sum(total);
    }

    /// <summary>4 images × 4 units: 16 accumulators, 8 loads per 64-byte block.</summary>
    private static unsafe void Tile512x4x4(byte* x, sbyte* w, int stride, int blocks, int* c, int ldc)
    {
        Vector512<int> t00 = default, t01 = default, t02 = default, t03 = default, t10 = default, t11 = default, t12 = default, t13 = default;
        Vector512<int> t20 = default, t21 = default, t22 = default, t23 = default, t30 = default, t31 = default, t32 = default, t33 = default;
        for (int b0 = 0; b0 < blocks; b0 += BlocksPerFlush)
        {
            Vector512<short> a00 = default, a01 = default, a02 = default, a03 = default, a10 = default, a11 = default, a12 = default, a13 = default;
            Vector512<short> a20 = default, a21 = default, a22 = default, a23 = default, a30 = default, a31 = default, a32 = default, a33 = default;
            int b1 = Math.Min(blocks, b0 + BlocksPerFlush);
            for (int b = b0; b < b1; b++)
            {
                nint o = (nint)b * 64;
                var w0 = Vector512.Load(w + o);
                var w1 = Vector512.Load(w + stride + o);
                var w2 = Vector512.Load(w + 2 * stride + o);
                var w3 = Vector512.Load(w + 3 * stride + o);
                var x0 = Vector512.Load(x + o);
                a00 += Avx512BW.MultiplyAddAdjacent(x0, w0); a01 += Avx512BW.MultiplyAddAdjacent(x0, w1);
                a02 += Avx512BW.MultiplyAddAdjacent(x0, w2); a03 += Avx512BW.MultiplyAddAdjacent(x0, w3);
                var x1 = Vector512.Load(x + stride + o);
                a10 += Avx512BW.MultiplyAddAdjacent(x1, w0); a11 += Avx512BW.MultiplyAddAdjacent(x1, w1);
                a12 += Avx512BW.MultiplyAddAdjacent(x1, w2); a13 += Avx512BW.MultiplyAddAdjacent(x1, w3);
                var x2 = Vector512.Load(x + 2 * stride + o);
                a20 += Avx512BW.MultiplyAddAdjacent(x2, w0); a21 += Avx512BW.MultiplyAddAdjacent(x2, w1);
                a22 += Avx512BW.MultiplyAddAdjacent(x2, w2); a23 += Avx512BW.MultiplyAddAdjacent(x2, w3);
                var x3 = Vector512.Load(x + 3 * stride + o);
                a30 += Avx512BW.MultiplyAddAdjacent(x3, w0); a31 += Avx512BW.MultiplyAddAdjacent(x3, w1);
                a32 += Avx512BW.MultiplyAddAdjacent(x3, w2); a33 += Avx512BW.MultiplyAddAdjacent(x3, w3);
            }
            t00 += Widen512(a00); t01 += Widen512(a01); t02 += Widen512(a02); t03 += Widen512(a03);
            t10 += Widen512(a10); t11 += Widen512(a11); t12 += Widen512(a12); t13 += Widen512(a13);
            t20 += Widen512(a20); t21 += Widen512(a21); t22 += Widen512(a22); t23 += Widen512(a23);
            t30 += Widen512(a30); t31 += Widen512(a31); t32 += Widen512(a32); t33 += Widen512(a33);
        }
        Sum4(t00, t01, t02, t03).Store(c);
        Sum4(t10, t11, t12, t13).Store(c + ldc);
        Sum4(t20, t21, t22, t23).Store(c + 2 * ldc);
        Sum4(t30, t31, t32, t33).Store(c + 3 * ldc);
    }

    /// <summary>The lane sums of four vectors, (Σa, Σb, Σc, Σd), by interleaving adds instead of four separate reductions.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<int> Sum4(Vector512<int> a, Vector512<int> b, Vector512<int> c, Vector512<int> d)
    {
        // Per 128-bit lane: (a0+a2, b0+b2, a1+a3, b1+b3), then (Σa, Σb, Σc, Σd) of that lane; finally add the 4 lanes.
        var ab = Avx512F.UnpackLow(a, b) + Avx512F.UnpackHigh(a, b);
        var cd = Avx512F.UnpackLow(c, d) + Avx512F.UnpackHigh(c, d);
        var abcd = Avx512F.UnpackLow(ab.AsInt64(), cd.AsInt64()).AsInt32() + Avx512F.UnpackHigh(ab.AsInt64(), cd.AsInt64()).AsInt32();
        var half = abcd.GetLower() + abcd.GetUpper();
        return half.GetLower() + half.GetUpper();
    }

    private static unsafe void Columns256(byte* x, int m, sbyte* w, int n, int stride, int* c, int start, int end)
    {
        int blocks = stride / 32; // 32-byte blocks: 64 blocks·510 still < 2^15 per flush
        for (int j0 = start; j0 < end; j0 += 64)
        {
            int j1 = Math.Min(end, j0 + 64);
            int i = 0;
            for (; i + 2 <= m; i += 2)
            {
                int j = j0;
                for (; j + 4 <= j1; j += 4) Tile256x2x4(x + (nint)i * stride, w + (nint)j * stride, stride, blocks, c + (nint)i * n + j, n);
                for (; j < j1; j++)
                    for (int r = 0; r < 2; r++) c[(nint)(i + r) * n + j] = Dot256(x + (nint)(i + r) * stride, w + (nint)j * stride, blocks);
            }
            for (; i < m; i++)
                for (int j = j0; j < j1; j++) c[(nint)i * n + j] = Dot256(x + (nint)i * stride, w + (nint)j * stride, blocks);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> Widen256(Vector256<short> acc) => Avx2.MultiplyAddAdjacent(acc, Vector256<short>.One);

    private static unsafe int Dot256(byte* x, sbyte* w, int blocks)
    {
        var total = Vector256<int>.Zero;
        for (int b0 = 0; b0 < blocks; b0 += BlocksPerFlush)
        {
            var acc = Vector256<short>.Zero;
            int b1 = Math.Min(blocks, b0 + BlocksPerFlush);
            for (int b = b0; b < b1; b++)
                acc += Avx2.MultiplyAddAdjacent(Vector256.Load(x + b * 32), Vector256.Load(w + b * 32));
            total += Widen256(acc);
        }
        return Vector256.Sum(total);
    }

    /// <summary>2 images × 4 units: 8 accumulators (16 ymm registers in all).</summary>
    private static unsafe void Tile256x2x4(byte* x, sbyte* w, int stride, int blocks, int* c, int ldc)
    {
        Vector256<int> t00 = default, t01 = default, t02 = default, t03 = default, t10 = default, t11 = default, t12 = default, t13 = default;
        for (int b0 = 0; b0 < blocks; b0 += BlocksPerFlush)
        {
            Vector256<short> a00 = default, a01 = default, a02 = default, a03 = default, a10 = default, a11 = default, a12 = default, a13 = default;
            int b1 = Math.Min(blocks, b0 + BlocksPerFlush);
            for (int b = b0; b < b1; b++)
            {
                nint o = (nint)b * 32;
                var w0 = Vector256.Load(w + o);
                var w1 = Vector256.Load(w + stride + o);
                var w2 = Vector256.Load(w + 2 * stride + o);
                var w3 = Vector256.Load(w + 3 * stride + o);
                var x0 = Vector256.Load(x + o);
                a00 += Avx2.MultiplyAddAdjacent(x0, w0); a01 += Avx2.MultiplyAddAdjacent(x0, w1);
                a02 += Avx2.MultiplyAddAdjacent(x0, w2); a03 += Avx2.MultiplyAddAdjacent(x0, w3);
                var x1 = Vector256.Load(x + stride + o);
                a10 += Avx2.MultiplyAddAdjacent(x1, w0); a11 += Avx2.MultiplyAddAdjacent(x1, w1);
                a12 += Avx2.MultiplyAddAdjacent(x1, w2); a13 += Avx2.MultiplyAddAdjacent(x1, w3);
            }
            t00 += Widen256(a00); t01 += Widen256(a01); t02 += Widen256(a02); t03 += Widen256(a03);
            t10 += Widen256(a10); t11 += Widen256(a11); t12 += Widen256(a12); t13 += Widen256(a13);
        }
        c[0] = Vector256.Sum(t00); c[1] = Vector256.Sum(t01); c[2] = Vector256.Sum(t02); c[3] = Vector256.Sum(t03);
        c += ldc;
        c[0] = Vector256.Sum(t10); c[1] = Vector256.Sum(t11); c[2] = Vector256.Sum(t12); c[3] = Vector256.Sum(t13);
    }
}
