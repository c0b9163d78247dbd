using System.Numerics;

namespace Lowbit.Tensors.Ops;

/// <summary>
/// Max-pooling loops over planes [p0, p1) of x [N·C planes of H × W]. The window maximum is the first element in
/// row-major window order that no later element exceeds (comparison with &gt;), the rule of the reference
/// <c>Tensor.MaxPoolCoreReference</c>; 2 × 2 windows with stride 2 have an unrolled path with the same comparisons.
/// </summary>
internal static class PoolKernels
{
    /// <summary>Whether windows are disjoint and cover every input element (stride = kernel divides H and W).</summary>
    public static bool TilesExactly(in ConvGeometry g) =>
        g.Stride == g.KernelH && g.KernelH == g.KernelW && g.Height % g.KernelH == 0 && g.Width % g.KernelW == 0;

    /// <summary>y[o] = max over window o, for the windows of planes [p0, p1).</summary>
    public static void MaxForward<T>(ReadOnlySpan<T> x, Span<T> y, ConvGeometry g, int p0, int p1) where T : unmanaged, INumber<T>
    {
        int oh = g.OutH, ow = g.OutW, plane = g.Height * g.Width;
        bool twoByTwo = g.KernelH == 2 && g.KernelW == 2 && g.Stride == 2;
        for (int p = p0; p < p1; p++)
        {
            int o = p * oh * ow;
            for (int oy = 0; oy < oh; oy++)
            {
                int rowStart = p * plane + oy * g.Stride * g.Width;
                for (int ox = 0; ox < ow; ox++, o++)
                {
                    int start = rowStart + ox * g.Stride;
                    y[o] = x[twoByTwo ? ArgMax2x2(x, start, g.Width) : ArgMax(x, start, g)];
                }
            }
        }
    }

    /// <summary>gx at each window's maximum += g[o] (and, when windows tile x exactly, 0 everywhere else).</summary>
    public static void MaxBackward<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> gy, Span<T> gx, ConvGeometry g, int p0, int p1) where T : unmanaged, INumber<T>
    {
        int oh = g.OutH, ow = g.OutW, plane = g.Height * g.Width, w = g.Width;
        if (g.KernelH == 2 && TilesExactly(g))
        {
            for (int p = p0; p < p1; p++)
            {
                int o = p * oh * ow;
                for (int oy = 0; oy < oh; oy++)
                {
                    int rowStart = p * plane + 2 * oy * w;
                    for (int ox = 0; ox < ow; ox++, o++)
                    {
                        int start = rowStart + 2 * ox, best = ArgMax2x2(x, start, w);
                        gx[start] = gx[start + 1] = gx[start + w] = gx[start + w + 1] = T.Zero;
                        gx[best] = T.Zero + gy[o]; // as the reference 0 + g (turns −0 into +0)
                    }
                }
            }
            return;
        }
        for (int p = p0; p < p1; p++)
        {
            int o = p * oh * ow;
            for (int oy = 0; oy < oh; oy++)
                for (int ox = 0; ox < ow; ox++, o++)
                {
                    int best = ArgMax(x, p * plane + oy * g.Stride * w + ox * g.Stride, g);
                    gx[best] += gy[o];
                }
        }
    }

    private static int ArgMax2x2<T>(ReadOnlySpan<T> x, int start, int width) where T : unmanaged, INumber<T>
    {
        int best = start;
        T value = x[start];
        if (x[start + 1] > value) { value = x[start + 1]; best = start + 1; }
        if (x[start + width] > value) { value = x[start + width]; best = start + width; }
        if (x[start + width + 1] > value) best = start + width + 1;
        return best;
    }

    private static int ArgMax<T>(ReadOnlySpan<T> x, int start, in ConvGeometry g) where T : unmanaged, INumber<T>
    {
        int best = start;
        T value = x[start];
        for (int ky = 0; ky < g.KernelH; ky++)
            for (int kx = 0; kx < g.KernelW; kx++)
            {
                int idx = start + ky * g.Width + kx;
                if (x[idx] > value) { value = x[idx]; best = idx; }
            }
        return best;
    }
}
