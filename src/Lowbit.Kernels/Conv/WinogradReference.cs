namespace Lowbit.Kernels.Conv;

/// <summary>
/// Scalar reference of <see cref="WinogradConv"/>: plain loops, no unsafe, no vectors; tile by tile, the same
/// additions and fused multiply-adds in the same order (type remarks), so its results are bit-identical to the vector
/// kernels (the fallback and the test oracle).
/// </summary>
internal static class WinogradReference
{
    /// <summary>V = Bᵀ·d·B of channel c of tile t (row pass first).</summary>
    public static void InputTile(ReadOnlySpan<float> xphase, WinogradShape s, int t, int c, Span<float> v)
    {
        int n = t / s.TilesPerImage, r = t % s.TilesPerImage, ti = r / s.TilesW, tj = r % s.TilesW, plane = s.PlaneH * s.PlaneW;
        int origin = n * s.ImageLength + c * 4 * plane + ti * s.PlaneW + tj;
        Span<float> f = stackalloc float[16];
        for (int row = 0; row < 4; row++)
        {
            int rowBase = origin + (row % 2) * 2 * plane + row / 2 * s.PlaneW;
            float d0 = xphase[rowBase], d1 = xphase[rowBase + plane], d2 = xphase[rowBase + 1], d3 = xphase[rowBase + plane + 1];
            f[4 * row] = d0 - d2;
            f[4 * row + 1] = d1 + d2;
            f[4 * row + 2] = d2 - d1;
            f[4 * row + 3] = d1 - d3;
        }
        for (int j = 0; j < 4; j++)
        {
            v[j] = f[j] - f[8 + j];
            v[4 + j] = f[4 + j] + f[8 + j];
            v[8 + j] = f[8 + j] - f[4 + j];
            v[12 + j] = f[4 + j] - f[12 + j];
        }
    }

    /// <summary>Q = A·dY·Aᵀ of channel o of tile t from the output gradient g [N, O, OH, OW] (column pass first).</summary>
    public static void GradientTile(ReadOnlySpan<float> g, WinogradShape s, int t, int o, Span<float> q)
    {
        int n = t / s.TilesPerImage, r = t % s.TilesPerImage, ti = r / s.TilesW, tj = r % s.TilesW;
        int origin = ((n * s.OutChannels + o) * s.OutH + 2 * ti) * s.OutW + 2 * tj;
        Span<float> h = stackalloc float[8];
        for (int b = 0; b < 2; b++)
        {
            float q0 = g[origin + b], q1 = g[origin + s.OutW + b];
            h[b] = q0;
            h[2 + b] = q0 + q1;
            h[4 + b] = q0 - q1;
            h[6 + b] = -q1;
        }
        for (int i = 0; i < 4; i++)
        {
            float h0 = h[2 * i], h1 = h[2 * i + 1];
            q[4 * i] = h0;
            q[4 * i + 1] = h0 + h1;
            q[4 * i + 2] = h0 - h1;
            q[4 * i + 3] = -h1;
        }
    }

    public static void Forward(ReadOnlySpan<float> xphase, ReadOnlySpan<float> u, WinogradShape s, Span<float> y, int t0, int t1, ReadOnlySpan<float> bias)
    {
        int c = s.InChannels, panels = WinogradConv.RoundRows(s.OutChannels) / WinogradConv.PanelRows;
        var v = new float[c * 16];
        Span<float> m = stackalloc float[16];
        Span<float> sum = stackalloc float[8];
        for (int t = t0; t < t1; t++)
        {
            for (int ch = 0; ch < c; ch++) InputTile(xphase, s, t, ch, v.AsSpan(ch * 16, 16));
            int n = t / s.TilesPerImage, r = t % s.TilesPerImage, ti = r / s.TilesW, tj = r % s.TilesW;
            for (int o = 0; o < s.OutChannels; o++)
            {
                for (int xi = 0; xi < 16; xi++)
                {
                    float acc = 0f;
                    for (int ch = 0; ch < c; ch++)
                        acc = MathF.FusedMultiplyAdd(u[((xi * panels + o / 4) * c + ch) * 4 + o % 4], v[ch * 16 + xi], acc);
                    m[xi] = acc;
                }
                for (int j = 0; j < 4; j++)
                {
                    sum[j] = m[j] + m[4 + j] + m[8 + j];
                    sum[4 + j] = m[4 + j] - m[8 + j] - m[12 + j];
                }
                int origin = ((n * s.OutChannels + o) * s.OutH + 2 * ti) * s.OutW + 2 * tj;
                for (int a = 0; a < 2; a++)
                {
                    float y0 = sum[4 * a] + sum[4 * a + 1] + sum[4 * a + 2], y1 = sum[4 * a + 1] - sum[4 * a + 2] - sum[4 * a + 3];
                    y[origin + a * s.OutW] = bias.IsEmpty ? y0 : y0 + bias[o];
                    y[origin + a * s.OutW + 1] = bias.IsEmpty ? y1 : y1 + bias[o];
                }
            }
        }
    }

    /// <summary>The chunk partial sums dU of <paramref name="plan"/> for chunks [chunk0, chunk1), each [16, O, C'] at chunk·16·O·C'.</summary>
    public static void WeightGradientChunks(ReadOnlySpan<float> xphase, ReadOnlySpan<float> g, WinogradShape s, WinogradPlan plan, Span<float> partials, int chunk0, int chunk1)
    {
        int c = s.InChannels, o = s.OutChannels, padded = WinogradConv.PaddedChannels(c), blocks = WinogradConv.Blocks(s, plan), size = 16 * o * padded;
        var v = new float[plan.BlockTiles * c * 16];
        var q = new float[plan.BlockTiles * o * 16];
        for (int chunk = chunk0; chunk < chunk1; chunk++)
        {
            var partial = partials.Slice(chunk * size, size);
            partial.Clear();
            for (int b = chunk * blocks / plan.Chunks; b < (chunk + 1) * blocks / plan.Chunks; b++)
            {
                int first = b * plan.BlockTiles, count = Math.Min(plan.BlockTiles, s.Tiles - first);
                for (int local = 0; local < count; local++)
                {
                    for (int ch = 0; ch < c; ch++) InputTile(xphase, s, first + local, ch, v.AsSpan((local * c + ch) * 16, 16));
                    for (int oc = 0; oc < o; oc++) GradientTile(g, s, first + local, oc, q.AsSpan((local * o + oc) * 16, 16));
                }
                for (int xi = 0; xi < 16; xi++)
                    for (int oc = 0; oc < o; oc++)
                        for (int ch = 0; ch < c; ch++)
                        {
                            float acc = 0f;
                            for (int local = 0; local < count; local++)
                                acc = MathF.FusedMultiplyAdd(q[(local * o + oc) * 16 + xi], v[(local * c + ch) * 16 + xi], acc);
                            partial[(xi * o + oc) * padded + ch] += acc;
                        }
            }
        }
    }
}
