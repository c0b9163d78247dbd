using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Lowbit.Kernels.Conv;

public static partial class WinogradConv
{
    // Vector512 paths of the element-wise products: the same FMA chains as the Vector256 tiles (every M and dU element
    // is one chain in the same order), over wider tiles, so all paths stay bit-identical. The transforms are shared.

    /// <summary>Tiles per Vector512 forward product tile (3 vectors of 16).</summary>
    private const int WideColumns = 48;

    /// <summary>The Vector512 path of <see cref="Forward"/> (arguments already checked); runs on any hardware.</summary>
    /// <remarks>Products in tiles of 8 output rows (panels p, p + 1) × 48 tiles; a last 24 columns or a last odd panel use the Vector256 tile.</remarks>
    internal static unsafe void ForwardVector512(ReadOnlySpan<float> xphase, ReadOnlySpan<float> u, WinogradShape s, WinogradPlan plan, Span<float> y, int tile0, int tile1,
        Span<float> scratch, ReadOnlySpan<float> bias)
    {
        int c = s.InChannels, rows = RoundRows(s.OutChannels), panels = rows / PanelRows, ld = plan.BlockTiles;
        fixed (float* px = xphase, pu = u, py = y, ps = scratch, pb = bias)
        {
            int vStride = PositionStride(c, ld), mStride = PositionStride(rows, ld);
            float* v = ps, m = ps + (nint)Positions * vStride;
            for (int first = tile0; first < tile1; first += ld)
            {
                int count = Math.Min(ld, tile1 - first), used = (count + TileColumns - 1) / TileColumns * TileColumns;
                InputTransform(px, s, first, count, v, ld, vStride);
                ClearTail(v, vStride, c, ld, count, used);
                for (int xi = 0; xi < Positions; xi++)
                {
                    float* vx = v + (nint)xi * vStride;
                    for (int p = 0; p < panels; p += 2)
                    {
                        float* w = pu + ((nint)xi * panels + p) * c * PanelRows;
                        float* mRow = m + (nint)xi * mStride + (nint)p * PanelRows * ld;
                        if (p + 1 == panels)
                        {
                            for (int col = 0; col < used; col += TileColumns) ProductTile(c, w, vx + col, ld, mRow + col);
                            continue;
                        }
                        int col0 = 0;
                        for (; col0 + WideColumns <= used; col0 += WideColumns) ProductTile512(c, w, w + (nint)c * PanelRows, vx + col0, ld, mRow + col0);
                        if (col0 < used)
                        {
                            ProductTile(c, w, vx + col0, ld, mRow + col0);
                            ProductTile(c, w + (nint)c * PanelRows, vx + col0, ld, mRow + (nint)PanelRows * ld + col0);
                        }
                    }
                }
                OutputTransform(m, ld, mStride, s, first, count, py, bias.IsEmpty ? null : pb);
            }
        }
    }

    /// <summary>m[r·ld + 16j ..] = Σ_q w_r[q·4 + r % 4]·v[q·ld + 16j ..] for 8 rows (w0: rows 0–3, w1: rows 4–7) × 3 vectors (FMA in increasing q).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void ProductTile512(int k, float* w0, float* w1, float* v, nint ld, float* m)
    {
        Vector512<float> a00 = default, a01 = default, a02 = default, a10 = default, a11 = default, a12 = default;
        Vector512<float> a20 = default, a21 = default, a22 = default, a30 = default, a31 = default, a32 = default;
        Vector512<float> a40 = default, a41 = default, a42 = default, a50 = default, a51 = default, a52 = default;
        Vector512<float> a60 = default, a61 = default, a62 = default, a70 = default, a71 = default, a72 = default;
        for (int q = 0; q < k; q++)
        {
            Vector512<float> b0 = Vector512.Load(v), b1 = Vector512.Load(v + 16), b2 = Vector512.Load(v + 32);
            Vector512<float> c = Vector512.Create(w0[0]);
            a00 = Vector512.FusedMultiplyAdd(c, b0, a00); a01 = Vector512.FusedMultiplyAdd(c, b1, a01); a02 = Vector512.FusedMultiplyAdd(c, b2, a02);
            c = Vector512.Create(w0[1]);
            a10 = Vector512.FusedMultiplyAdd(c, b0, a10); a11 = Vector512.FusedMultiplyAdd(c, b1, a11); a12 = Vector512.FusedMultiplyAdd(c, b2, a12);
            c = Vector512.Create(w0[2]);
            a20 = Vector512.FusedMultiplyAdd(c, b0, a20); a21 = Vector512.FusedMultiplyAdd(c, b1, a21); a22 = Vector512.FusedMultiplyAdd(c, b2, a22);
            c = Vector512.Create(w0[3]);
            a30 = Vector512.FusedMultiplyAdd(c, b0, a30); a31 = Vector512.FusedMultiplyAdd(c, b1, a31); a32 = Vector512.FusedMultiplyAdd(c, b2, a32);
            c = Vector512.Create(w1[0]);
            a40 = Vector512.FusedMultiplyAdd(c, b0, a40); a41 = Vector512.FusedMultiplyAdd(c, b1, a41); a42 = Vector512.FusedMultiplyAdd(c, b2, a42);
            c = Vector512.Create(w1[1]);
            a50 = Vector512.FusedMultiplyAdd(c, b0, a50); a51 = Vector512.FusedMultiplyAdd(c, b1, a51); a52 = Vector512.FusedMultiplyAdd(c, b2, a52);
            c = Vector512.Create(w1[2]);
            a60 = Vector512.FusedMultiplyAdd(c, b0, a60); a61 = Vector512.FusedMultiplyAdd(c, b1, a61); a62 = Vector512.FusedMultiplyAdd(c, b2, a62);
            c = Vector512.Create(w1[3]);
            a70 = Vector512.FusedMultiplyAdd(c, b0, a70); a71 = Vector512.FusedMultiplyAdd(c, b1, a71); a72 = Vector512.FusedMultiplyAdd(c, b2, a72);
            w0 += PanelRows;
            w1 += PanelRows;
            v += ld;
        }
        Store3(m, a00, a01, a02); Store3(m + ld, a10, a11, a12); Store3(m + 2 * ld, a20, a21, a22); Store3(m + 3 * ld, a30, a31, a32);
        Store3(m + 4 * ld, a40, a41, a42); Store3(m + 5 * ld, a50, a51, a52); Store3(m + 6 * ld, a60, a61, a62); Store3(m + 7 * ld, a70, a71, a72);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Store3(float* m, Vector512<float> a, Vector512<float> b, Vector512<float> c)
    {
        a.Store(m);
        b.Store(m + 16);
        c.Store(m + 32);
    }

    /// <summary>The Vector512 path of <see cref="WeightGradientChunks"/> (arguments already checked); runs on any hardware.</summary>
    /// <remarks>As the Vector256 path, with dU tiles of 6 rows × 32 channels (a last 16 channels use the Vector256 tile).</remarks>
    internal static unsafe void WeightGradientChunksVector512(ReadOnlySpan<float> xphase, ReadOnlySpan<float> g, WinogradShape s, WinogradPlan plan, Span<float> partials,
        int chunk0, int chunk1, Span<float> scratch)
    {
        int c = s.InChannels, o = s.OutChannels, padded = PaddedChannels(c), qRows = GradientRows(o), ld = plan.BlockTiles, blocks = Blocks(s, plan);
        int size = Positions * o * padded, vStride = PositionStride(padded, ld), tStride = PositionStride(ld, padded), qStride = PositionStride(qRows, ld);
        fixed (float* px = xphase, pg = g, pp = partials, ps = scratch)
        {
            float* v = ps, vt = v + (nint)Positions * vStride, q = vt + (nint)Positions * tStride;
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
                        {
                            int c0 = 0, rows = Math.Min(6, o - o0);
                            for (; c0 + 32 <= padded; c0 += 32) GradientProductTile512(count, qx + (nint)o0 * ld, ld, tx + c0, padded, dst + (nint)o0 * padded + c0, rows);
                            if (c0 < padded) GradientProductTile(count, qx + (nint)o0 * ld, ld, tx + c0, padded, dst + (nint)o0 * padded + c0, rows);
                        }
                    }
                }
            }
        }
    }

    /// <summary>dst[r·C' + 0..32] += Σ_t q[r·ld + t]·vt[t·C' + 0..32] (one FMA chain per element over t from 0) for rows r &lt; rows.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void GradientProductTile512(int count, float* q, nint ld, float* vt, nint stride, float* dst, int rows)
    {
        Vector512<float> a00 = default, a01 = default, a10 = default, a11 = default, a20 = default, a21 = default;
        Vector512<float> a30 = default, a31 = default, a40 = default, a41 = default, a50 = default, a51 = default;
        float* q1 = q + ld, q2 = q + 2 * ld, q3 = q + 3 * ld, q4 = q + 4 * ld, q5 = q + 5 * ld;
        for (nint t = 0; t < count; t++)
        {
            Vector512<float> b0 = Vector512.Load(vt), b1 = Vector512.Load(vt + 16);
            Vector512<float> e = Vector512.Create(q[t]);
            a00 = Vector512.FusedMultiplyAdd(e, b0, a00); a01 = Vector512.FusedMultiplyAdd(e, b1, a01);
            e = Vector512.Create(q1[t]);
            a10 = Vector512.FusedMultiplyAdd(e, b0, a10); a11 = Vector512.FusedMultiplyAdd(e, b1, a11);
            e = Vector512.Create(q2[t]);
            a20 = Vector512.FusedMultiplyAdd(e, b0, a20); a21 = Vector512.FusedMultiplyAdd(e, b1, a21);
            e = Vector512.Create(q3[t]);
            a30 = Vector512.FusedMultiplyAdd(e, b0, a30); a31 = Vector512.FusedMultiplyAdd(e, b1, a31);
            e = Vector512.Create(q4[t]);
            a40 = Vector512.FusedMultiplyAdd(e, b0, a40); a41 = Vector512.FusedMultiplyAdd(e, b1, a41);
            e = Vector512.Create(q5[t]);
            a50 = Vector512.FusedMultiplyAdd(e, b0, a50); a51 = Vector512.FusedMultiplyAdd(e, b1, a51);
            vt += stride;
        }
        AddRow512(dst, a00, a01);
        if (rows > 1) AddRow512(dst + stride, a10, a11);
        if (rows > 2) AddRow512(dst + 2 * stride, a20, a21);
        if (rows > 3) AddRow512(dst + 3 * stride, a30, a31);
        if (rows > 4) AddRow512(dst + 4 * stride, a40, a41);
        if (rows > 5) AddRow512(dst + 5 * stride, a50, a51);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void AddRow512(float* dst, Vector512<float> a, Vector512<float> b)
    {
        (Vector512.Load(dst) + a).Store(dst);
        (Vector512.Load(dst + 16) + b).Store(dst + 16);
    }
}
