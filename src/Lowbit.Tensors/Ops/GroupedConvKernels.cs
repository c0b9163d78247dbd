using System.Numerics;

namespace Lowbit.Tensors.Ops;

/// <summary>Shape of a grouped convolution: input [N, C, H, W], weights [O, C/groups, kh, kw], zero padding.</summary>
internal readonly record struct GroupedConvGeometry(
    int Batch, int Channels, int Height, int Width, int OutChannels, int Groups, int KernelH, int KernelW, int Stride, int Padding)
{
    public int OutH => (Height + 2 * Padding - KernelH) / Stride + 1;
    public int OutW => (Width + 2 * Padding - KernelW) / Stride + 1;
    public int GroupChannels => Channels / Groups;
    public int GroupOutChannels => OutChannels / Groups;
}

/// <summary>
/// Grouped (and depthwise) convolution by direct loops: forward, input gradient and weight gradient. Plain loops, no
/// unsafe; every output element is summed in the fixed order (c, ky, kx), so results do not depend on the thread split.
/// </summary>
internal static class GroupedConvKernels
{
    /// <summary>y[n, o, oy, ox] = Σ_{c, ky, kx} x[n, g·C/G + c, oy·s − p + ky, ox·s − p + kx]·w[o, c, ky, kx] for images [n0, n1).</summary>
    public static void Forward<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> w, Span<T> y, in GroupedConvGeometry g, int n0, int n1)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int oh = g.OutH, ow = g.OutW, cg = g.GroupChannels, kk = g.KernelH * g.KernelW;
        for (int n = n0; n < n1; n++)
            for (int o = 0; o < g.OutChannels; o++)
            {
                int cBase = o / g.GroupOutChannels * cg;
                var wo = w.Slice(o * cg * kk, cg * kk);
                var yo = y.Slice((n * g.OutChannels + o) * oh * ow, oh * ow);
                for (int oy = 0; oy < oh; oy++)
                    for (int ox = 0; ox < ow; ox++)
                    {
                        T acc = T.Zero;
                        for (int c = 0; c < cg; c++)
                        {
                            var plane = x.Slice(((n * g.Channels) + cBase + c) * g.Height * g.Width, g.Height * g.Width);
                            for (int ky = 0; ky < g.KernelH; ky++)
                            {
                                int iy = oy * g.Stride - g.Padding + ky;
                                if ((uint)iy >= (uint)g.Height) continue;
                                for (int kx = 0; kx < g.KernelW; kx++)
                                {
                                    int ix = ox * g.Stride - g.Padding + kx;
                                    if ((uint)ix < (uint)g.Width) acc += plane[iy * g.Width + ix] * wo[(c * g.KernelH + ky) * g.KernelW + kx];
                                }
                            }
                        }
                        yo[oy * ow + ox] = acc;
                    }
            }
    }

    /// <summary>dx += adjoint of <see cref="Forward{T}"/> applied to dy, for images [n0, n1) (dx must start at zero).</summary>
    public static void InputGradient<T>(ReadOnlySpan<T> dy, ReadOnlySpan<T> w, Span<T> dx, in GroupedConvGeometry g, int n0, int n1)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int oh = g.OutH, ow = g.OutW, cg = g.GroupChannels, kk = g.KernelH * g.KernelW;
        for (int n = n0; n < n1; n++)
            for (int o = 0; o < g.OutChannels; o++)
            {
                int cBase = o / g.GroupOutChannels * cg;
                var wo = w.Slice(o * cg * kk, cg * kk);
                var go = dy.Slice((n * g.OutChannels + o) * oh * ow, oh * ow);
                for (int c = 0; c < cg; c++)
                {
                    var plane = dx.Slice(((n * g.Channels) + cBase + c) * g.Height * g.Width, g.Height * g.Width);
                    for (int oy = 0; oy < oh; oy++)
                        for (int ox = 0; ox < ow; ox++)
                        {
                            T v = go[oy * ow + ox];
                            for (int ky = 0; ky < g.KernelH; ky++)
                            {
                                int iy = oy * g.Stride - g.Padding + ky;
                                if ((uint)iy >= (uint)g.Height) continue;
                                for (int kx = 0; kx < g.KernelW; kx++)
                                {
                                    int ix = ox * g.Stride - g.Padding + kx;
                                    if ((uint)ix < (uint)g.Width) plane[iy * g.Width + ix] += v * wo[(c * g.KernelH + ky) * g.KernelW + kx];
                                }
                            }
                        }
                }
            }
    }

    /// <summary>dw[o, c, ky, kx] = Σ_{n, oy, ox} dy[n, o, oy, ox]·x[n, g·C/G + c, iy, ix] for output channels [o0, o1).</summary>
    public static void WeightGradient<T>(ReadOnlySpan<T> dy, ReadOnlySpan<T> x, Span<T> dw, in GroupedConvGeometry g, int o0, int o1)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int oh = g.OutH, ow = g.OutW, cg = g.GroupChannels;
        for (int o = o0; o < o1; o++)
        {
            int cBase = o / g.GroupOutChannels * cg;
            for (int c = 0; c < cg; c++)
                for (int ky = 0; ky < g.KernelH; ky++)
                    for (int kx = 0; kx < g.KernelW; kx++)
                    {
                        T acc = T.Zero;
                        for (int n = 0; n < g.Batch; n++)
                        {
                            var plane = x.Slice(((n * g.Channels) + cBase + c) * g.Height * g.Width, g.Height * g.Width);
                            var go = dy.Slice((n * g.OutChannels + o) * oh * ow, oh * ow);
                            for (int oy = 0; oy < oh; oy++)
                            {
                                int iy = oy * g.Stride - g.Padding + ky;
                                if ((uint)iy >= (uint)g.Height) continue;
                                for (int ox = 0; ox < ow; ox++)
                                {
                                    int ix = ox * g.Stride - g.Padding + kx;
                                    if ((uint)ix < (uint)g.Width) acc += go[oy * ow + ox] * plane[iy * g.Width + ix];
                                }
                            }
                        }
                        dw[((o * cg + c) * g.KernelH + ky) * g.KernelW + kx] = acc;
                    }
        }
    }
}
