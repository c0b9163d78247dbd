using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Lowbit.Kernels.Conv;

public static partial class WinogradConv
{
    /// <summary>Floats of the chunk partial sums of a weight gradient: Chunks × 16 × O × C' (C' = C rounded up to 16).</summary>
    public static int PartialsLength(WinogradShape s, WinogradPlan plan) => plan.Chunks * Positions * s.OutChannels * PaddedChannels(s.InChannels);

    /// <summary>Input channels rounded up to the 16 of a weight-gradient tile (2 vectors).</summary>
    public static int PaddedChannels(int channels) => (channels + 15) / 16 * 16;

    /// <summary>Output-gradient rows rounded up to the 6 of a weight-gradient tile.</summary>
    internal static int GradientRows(int outChannels) => (outChannels + 5) / 6 * 6;

    /// <summary>Floats of scratch one thread needs for a weight-gradient block: V, its transpose and Q.</summary>
    public static int WeightGradientScratchLength(WinogradShape s, WinogradPlan plan)
    {
        int ld = plan.BlockTiles, padded = PaddedChannels(s.InChannels);
        return Positions * (PositionStride(padded, ld) + PositionStride(ld, padded) + PositionStride(GradientRows(s.OutChannels), ld));
    }

    /// <summary>
    /// Transformed-domain weight gradient, partial sums of chunks [chunk0, chunk1): partials[k, ξ, o, c] =
    /// Σ over the tiles of chunk k of Q[ξ, o]·V[ξ, c] in the order of the type remarks. Chunks are independent (run
    /// them on any threads); <see cref="ReduceWeightGradient"/> then adds them in order and transforms back.
    /// </summary>
    /// <param name="xphase">Padded input in stride-2 phase layout.</param>
    /// <param name="g">Output gradient [N, O, OH, OW].</param>
    /// <param name="shape">Shape.</param>
    /// <param name="plan">Blocks and chunks (<see cref="WeightGradientPlan"/>).</param>
    /// <param name="partials">At least <see cref="PartialsLength"/> floats, [chunk, 16, O, C']; chunks [chunk0, chunk1) are overwritten.</param>
    /// <param name="chunk0">First chunk.</param>
    /// <param name="chunk1">End of the chunk range.</param>
    /// <param name="scratch">At least <see cref="WeightGradientScratchLength"/> floats, used by this call only.</param>
    public static void WeightGradientChunks(ReadOnlySpan<float> xphase, ReadOnlySpan<float> g, WinogradShape shape, WinogradPlan plan, Span<float> partials,
        int chunk0, int chunk1, Span<float> scratch)
    {
        CheckShape(shape, plan);
        if (xphase.Length < shape.Batch * shape.ImageLength) throw new ArgumentException($"Padded input needs {shape.Batch * shape.ImageLength} floats, got {xphase.Length}.", nameof(xphase));
        if (g.Length < shape.Batch * shape.OutChannels * shape.OutH * shape.OutW) throw new ArgumentException("Output gradient is too short for the shape.", nameof(g));
        if (partials.Length < PartialsLength(shape, plan)) throw new ArgumentException($"Partials need {PartialsLength(shape, plan)} floats, got {partials.Length}.", nameof(partials));
        if (scratch.Length < WeightGradientScratchLength(shape, plan))
            throw new ArgumentException($"Scratch needs {WeightGradientScratchLength(shape, plan)} floats, got {scratch.Length}.", nameof(scratch));
        if (plan.Chunks > Blocks(shape, plan)) throw new ArgumentException($"{plan.Chunks} chunks for {Blocks(shape, plan)} blocks: every chunk needs a block.", nameof(plan));
        if (chunk0 < 0 || chunk1 > plan.Chunks || chunk0 > chunk1) throw new ArgumentOutOfRangeException(nameof(chunk1), $"Chunk range [{chunk0}, {chunk1}) is outside [0, {plan.Chunks}).");
        if (DirectConv.UsesVector512) WeightGradientChunksVector512(xphase, g, shape, plan, partials, chunk0, chunk1, scratch);
        else if (IsVectorized) WeightGradientChunksVector256(xphase, g, shape, plan, partials, chunk0, chunk1, scratch);
        else WinogradReference.WeightGradientChunks(xphase, g, shape, plan, partials, chunk0, chunk1);
    }

    /// <summary>
    /// dw[o, c] = Gᵀ·dU[o, c]·G for output channels [o0, o1), dU = ((partials[0] + partials[1]) + partials[2]) + … (the
    /// sum is left in chunk 0's rows of those channels); Gᵀ·… column pass first (rows dU[0] + (dU[1] + dU[2])·½,
    /// (dU[1] − dU[2])·½, (dU[1] + dU[2])·½ + dU[3]), then the same over columns.
    /// </summary>
    /// <param name="partials">Chunk partial sums from <see cref="WeightGradientChunks"/>; chunk 0's rows of [o0, o1) are overwritten.</param>
    /// <param name="shape">Shape.</param>
    /// <param name="plan">The plan the partials were made with.</param>
    /// <param name="dw">Weight gradient [O, C, 3, 3]; rows [o0, o1) are overwritten.</param>
    /// <param name="o0">First output channel.</param>
    /// <param name="o1">End of the output-channel range.</param>
    public static void ReduceWeightGradient(Span<float> partials, WinogradShape shape, WinogradPlan plan, Span<float> dw, int o0, int o1)
    {
        int o = shape.OutChannels, c = shape.InChannels, padded = PaddedChannels(c), size = Positions * o * padded;
        if (partials.Length < PartialsLength(shape, plan)) throw new ArgumentException($"Partials need {PartialsLength(shape, plan)} floats, got {partials.Length}.", nameof(partials));
        if (dw.Length < o * c * 9) throw new ArgumentException($"Weight gradient needs {o * c * 9} floats, got {dw.Length}.", nameof(dw));
        if (o0 < 0 || o1 > o || o0 > o1) throw new ArgumentOutOfRangeException(nameof(o1), $"Channel range [{o0}, {o1}) is outside [0, {o}).");
        int rowLength = (o1 - o0) * padded;
        for (int xi = 0; xi < Positions; xi++)
        {
            var total = partials.Slice((xi * o + o0) * padded, rowLength);
            for (int k = 1; k < plan.Chunks; k++) AddInPlace(total, partials.Slice(k * size + (xi * o + o0) * padded, rowLength));
        }
        Span<float> du = stackalloc float[Positions];
        Span<float> b = stackalloc float[12];
        for (int oc = o0; oc < o1; oc++)
            for (int ch = 0; ch < c; ch++)
            {
                for (int xi = 0; xi < Positions; xi++) du[xi] = partials[(xi * o + oc) * padded + ch];
                for (int j = 0; j < 4; j++)
                {
                    float d0 = du[j], d1 = du[4 + j], d2 = du[8 + j], d3 = du[12 + j];
                    b[j] = d0 + (d1 + d2) * 0.5f;
                    b[4 + j] = (d1 - d2) * 0.5f;
                    b[8 + j] = (d1 + d2) * 0.5f + d3;
                }
                var w = dw.Slice((oc * c + ch) * 9, 9);
                for (int k = 0; k < 3; k++)
                {
                    float b0 = b[4 * k], b1 = b[4 * k + 1], b2 = b[4 * k + 2], b3 = b[4 * k + 3];
                    w[3 * k] = b0 + (b1 + b2) * 0.5f;
                    w[3 * k + 1] = (b1 - b2) * 0.5f;
                    w[3 * k + 2] = (b1 + b2) * 0.5f + b3;
                }
            }
    }

    /// <summary>total[i] += add[i] (elementwise; the same result on every path).</summary>
    private static void AddInPlace(Span<float> total, ReadOnlySpan<float> add)
    {
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            ref float t = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(total);
            ref float a = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(add);
            for (; i + 8 <= total.Length; i += 8)
                (Vector256.LoadUnsafe(ref t, (nuint)i) + Vector256.LoadUnsafe(ref a, (nuint)i)).StoreUnsafe(ref t, (nuint)i);
        }
        for (; i < total.Length; i++) total[i] += add[i];
    }

    /// <summary>The Vector256 path of <see cref="WeightGradientChunks"/> (arguments already checked); runs on any hardware.</summary>
    /// <remarks>
    /// Per block: V [16, C', ld] by the input transform, transposed to Vᵀ [16, ld, C'] (8 × 8 blocks), Q [16, O', ld]; then
    /// per position a 6 × 16 tile of dU: per tile t, 2 vector loads of Vᵀ and 6 broadcasts of Q feed 12 FMAs, so each
    /// dU element is one FMA chain over the block's tiles. Rows and columns past O and C hold scratch values whose sums are
    /// never stored (rows) or never read (columns).
    /// </remarks>
    internal static unsafe void WeightGradientChunksVector256(ReadOnlySpan<float> xphase, ReadOnlySpan<float> g, WinogradShape s, WinogradPlan plan, Span<float> partials,
        int chunk0, int chunk1, Span<float> scratch)
    {
        int c = s.InChannels, o = s.OutChannels, padded = PaddedChannels(c), qRows = GradientRows(o), ld = plan.BlockTiles, blocks = Blocks(s, plan);
        int size = Positions * o * padded, vStride = PositionStride(padded, ld), tStride = PositionStride(ld, padded), qStride = PositionStride(qRows, ld);
        fixed (float* px = xphase, pg = g, pp = partials, ps = scratch)
        {
            float* v = ps, vt = v + (nint)Positions * vStride, q = vt + (nint)Positions * tStride;
            // Rows of V and Q past C and O are never written by the transforms: zero them once so every product is finite.
            for (int xi = 0; xi < Positions; xi++)
            {
                new Span<float>(v + (nint)xi * vStride + (nint)c * ld, (padded - c) * ld).Clear();
                new Span<float>(q + (nint)xi * qStride + (nint)o * ld, (qRows - o) * ld).Clear();
            }
            for (int chunk = chunk0; chunk < chunk1; chunk++)
            {
                float* partial = pp + (nint)chunk * size;
                new Span<float>(partial, size).Clear();
                for (int b = chunk * blocks / plan.Chunks; b < (chunk + 1) * blocks / plan.Chunks; b++)
                {
                    int first = b * ld, count = Math.Min(ld, s.Tiles - first), columns = (count + 7) / 8 * 8;
                    InputTransform(px, s, first, count, v, ld, vStride);
                    GradientTransform(pg, s, first, count, q, ld, qStride);
                    for (int xi = 0; xi < Positions; xi++)
                    {
                        float* vx = v + (nint)xi * vStride, tx = vt + (nint)xi * tStride, qx = q + (nint)xi * qStride, dst = partial + (nint)xi * o * padded;
                        for (int c0 = 0; c0 < padded; c0 += 8)
                            for (int t0 = 0; t0 < columns; t0 += 8) Transpose8(vx + (nint)c0 * ld + t0, ld, tx + (nint)t0 * padded + c0, padded);
                        for (int o0 = 0; o0 < o; o0 += 6)
                            for (int c0 = 0; c0 < padded; c0 += 16)
                                GradientProductTile(count, qx + (nint)o0 * ld, ld, tx + c0, padded, dst + (nint)o0 * padded + c0, Math.Min(6, o - o0));
                    }
                }
            }
        }
    }

    /// <summary>dst[r·C' + 0..16] += Σ_t q[r·ld + t]·vt[t·C' + 0..16] (one FMA chain per element over t from 0) for rows r &lt; rows.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void GradientProductTile(int count, float* q, nint ld, float* vt, nint stride, float* dst, int rows)
    {
        Vector256<float> a00 = default, a01 = default, a10 = default, a11 = default, a20 = default, a21 = default;
        Vector256<float> a30 = default, a31 = default, a40 = default, a41 = default, a50 = default, a51 = default;
        float* q1 = q + ld, q2 = q + 2 * ld, q3 = q + 3 * ld, q4 = q + 4 * ld, q5 = q + 5 * ld;
        for (nint t = 0; t < count; t++)
        {
            Vector256<float> b0 = Vector256.Load(vt), b1 = Vector256.Load(vt + 8);
            Vector256<float> e = Vector256.Create(q[t]);
            a00 = Vector256.FusedMultiplyAdd(e, b0, a00); a01 = Vector256.FusedMultiplyAdd(e, b1, a01);
            e = Vector256.Create(q1[t]);
            a10 = Vector256.FusedMultiplyAdd(e, b0, a10); a11 = Vector256.FusedMultiplyAdd(e, b1, a11);
            e = Vector256.Create(q2[t]);
            a20 = Vector256.FusedMultiplyAdd(e, b0, a20); a21 = Vector256.FusedMultiplyAdd(e, b1, a21);
            e = Vector256.Create(q3[t]);
            a30 = Vector256.FusedMultiplyAdd(e, b0, a30); a31 = Vector256.FusedMultiplyAdd(e, b1, a31);
            e = Vector256.Create(q4[t]);
            a40 = Vector256.FusedMultiplyAdd(e, b0, a40); a41 = Vector256.FusedMultiplyAdd(e, b1, a41);
            e = Vector256.Create(q5[t]);
            a50 = Vector256.FusedMultiplyAdd(e, b0, a50); a51 = Vector256.FusedMultiplyAdd(e, b1, a51);
            vt += stride;
        }
        AddRow(dst, a00, a01);
        if (rows > 1) AddRow(dst + stride, a10, a11);
        if (rows > 2) AddRow(dst + 2 * stride, a20, a21);
        if (rows > 3) AddRow(dst + 3 * stride, a30, a31);
        if (rows > 4) AddRow(dst + 4 * stride, a40, a41);
        if (rows > 5) AddRow(dst + 5 * stride, a50, a51);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void AddRow(float* dst, Vector256<float> a, Vector256<float> b)
    {
        (Vector256.Load(dst) + a).Store(dst);
        (Vector256.Load(dst + 8) + b).Store(dst + 8);
    }

    /// <summary>dst[j·dstStride + i] = src[i·srcStride + j] for an 8 × 8 block (a copy: exact).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Transpose8(float* src, nint srcStride, float* dst, nint dstStride)
    {
        if (!System.Runtime.Intrinsics.X86.Avx.IsSupported)
        {
            for (int i = 0; i < 8; i++)
                for (int j = 0; j < 8; j++) dst[j * dstStride + i] = src[i * srcStride + j];
            return;
        }
        TransposeAvx(src, srcStride, dst, dstStride);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void TransposeAvx(float* src, nint srcStride, float* dst, nint dstStride)
    {
        var r0 = Vector256.Load(src); var r1 = Vector256.Load(src + srcStride);
        var r2 = Vector256.Load(src + 2 * srcStride); var r3 = Vector256.Load(src + 3 * srcStride);
        var r4 = Vector256.Load(src + 4 * srcStride); var r5 = Vector256.Load(src + 5 * srcStride);
        var r6 = Vector256.Load(src + 6 * srcStride); var r7 = Vector256.Load(src + 7 * srcStride);
        var t0 = Avx.UnpackLow(r0, r1); var t1 = Avx.UnpackHigh(r0, r1);
        var t2 = Avx.UnpackLow(r2, r3); var t3 = Avx.UnpackHigh(r2, r3);
        var t4 = Avx.UnpackLow(r4, r5); var t5 = Avx.UnpackHigh(r4, r5);
        var t6 = Avx.UnpackLow(r6, r7); var t7 = Avx.UnpackHigh(r6, r7);
        var s0 = Avx.Shuffle(t0, t2, 0x44); var s1 = Avx.Shuffle(t0, t2, 0xEE);
        var s2 = Avx.Shuffle(t1, t3, 0x44); var s3 = Avx.Shuffle(t1, t3, 0xEE);
        var s4 = Avx.Shuffle(t4, t6, 0x44); var s5 = Avx.Shuffle(t4, t6, 0xEE);
        var s6 = Avx.Shuffle(t5, t7, 0x44); var s7 = Avx.Shuffle(t5, t7, 0xEE);
        Avx.Permute2x128(s0, s4, 0x20).Store(dst); Avx.Permute2x128(s1, s5, 0x20).Store(dst + dstStride);
        Avx.Permute2x128(s2, s6, 0x20).Store(dst + 2 * dstStride); Avx.Permute2x128(s3, s7, 0x20).Store(dst + 3 * dstStride);
        Avx.Permute2x128(s0, s4, 0x31).Store(dst + 4 * dstStride); Avx.Permute2x128(s1, s5, 0x31).Store(dst + 5 * dstStride);
        Avx.Permute2x128(s2, s6, 0x31).Store(dst + 6 * dstStride); Avx.Permute2x128(s3, s7, 0x31).Store(dst + 7 * dstStride);
    }
}
