namespace Lowbit.Tensors.Ops;

/// <summary>Geometry of a 2-D convolution or pooling window.</summary>
internal readonly record struct ConvGeometry(int Batch, int Channels, int Height, int Width, int KernelH, int KernelW, int Stride, int Padding)
{
    public int OutH => (Height + 2 * Padding - KernelH) / Stride + 1;
    public int OutW => (Width + 2 * Padding - KernelW) / Stride + 1;
    public int ColumnRows => Channels * KernelH * KernelW;
    public int ColumnCols => Batch * OutH * OutW;
}

/// <summary>im2col / col2im on the whole batch (callers may split rows or channels across threads). Plain loops, no unsafe.</summary>
internal static class ConvKernels
{
    /// <summary>x [N, C, H, W] → cols [C·kh·kw, N·OH·OW]; row (c, ky, kx), column (n, oy, ox); padding reads 0.</summary>
    public static void Im2Col<T>(ReadOnlySpan<T> x, Span<T> cols, in ConvGeometry g) where T : unmanaged
        => Im2Col(x, cols, g, 0, g.ColumnRows);

    /// <summary>The columns of images [n0, n1) only (all rows): im2col of a batch slice into the whole-batch layout.</summary>
    public static void Im2ColImages<T>(ReadOnlySpan<T> x, Span<T> cols, in ConvGeometry g, int n0, int n1) where T : unmanaged
        => Im2Col(x, cols, g, 0, g.ColumnRows, n0, n1);

    /// <summary>Rows [row0, row1) of <see cref="Im2Col{T}(ReadOnlySpan{T}, Span{T}, in ConvGeometry)"/> (rows are independent).</summary>
    public static void Im2Col<T>(ReadOnlySpan<T> x, Span<T> cols, in ConvGeometry g, int row0, int row1) where T : unmanaged
        => Im2Col(x, cols, g, row0, row1, 0, g.Batch);

    private static void Im2Col<T>(ReadOnlySpan<T> x, Span<T> cols, in ConvGeometry g, int row0, int row1, int n0, int n1) where T : unmanaged
    {
        int oh = g.OutH, ow = g.OutW, plane = g.Height * g.Width, colCols = g.ColumnCols;
        for (int row = row0; row < row1; row++)
        {
            int c = row / (g.KernelH * g.KernelW), ky = row / g.KernelW % g.KernelH, kx = row % g.KernelW;
            var dst = cols.Slice(row * colCols, colCols);
            for (int n = n0; n < n1; n++)
            {
                var src = x.Slice((n * g.Channels + c) * plane, plane);
                var (ox0, ox1) = ValidRange(ow, g.Width, g.Stride, g.Padding, kx);
                for (int oy = 0; oy < oh; oy++)
                {
                    int iy = oy * g.Stride - g.Padding + ky;
                    var d = dst.Slice((n * oh + oy) * ow, ow);
                    if ((uint)iy >= (uint)g.Height || ox0 >= ox1) { d.Clear(); continue; }
                    var srcRow = src.Slice(iy * g.Width, g.Width);
                    d[..ox0].Clear();
                    d[ox1..].Clear();
                    int ix0 = ox0 * g.Stride - g.Padding + kx;
                    if (g.Stride == 1) srcRow.Slice(ix0, ox1 - ox0).CopyTo(d[ox0..ox1]);
                    else for (int ox = ox0, ix = ix0; ox < ox1; ox++, ix += g.Stride) d[ox] = srcRow[ix];
                }
            }
        }
    }

    /// <summary>Output columns [ox0, ox1) whose input column ox·stride − padding + kx lies inside [0, width).</summary>
    internal static (int Start, int End) ValidRange(int outWidth, int width, int stride, int padding, int kx)
    {
        int first = padding - kx; // smallest ox·stride allowed
        int start = first <= 0 ? 0 : (first + stride - 1) / stride;
        int lastIx = width - 1 + padding - kx; // largest ox·stride allowed
        int end = lastIx < 0 ? 0 : Math.Min(outWidth, lastIx / stride + 1);
        return (Math.Min(start, end), end);
    }

    /// <summary>Adjoint of Im2Col: accumulates cols back into dx [N, C, H, W] (dx must start at zero).</summary>
    public static void Col2Im<T>(ReadOnlySpan<T> cols, Span<T> dx, in ConvGeometry g) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
        => Col2Im(cols, dx, g, 0, g.Channels);

    /// <summary>Channels [c0, c1) of Col2Im; a channel's rows accumulate in the same (ky, kx) order whatever the split.</summary>
    public static void Col2Im<T>(ReadOnlySpan<T> cols, Span<T> dx, in ConvGeometry g, int c0, int c1) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        int oh = g.OutH, ow = g.OutW, plane = g.Height * g.Width, colCols = g.ColumnCols;
        for (int c = c0; c < c1; c++)
            for (int ky = 0; ky < g.KernelH; ky++)
                for (int kx = 0; kx < g.KernelW; kx++)
                {
                    int row = (c * g.KernelH + ky) * g.KernelW + kx;
                    var src = cols.Slice(row * colCols, colCols);
                    for (int n = 0; n < g.Batch; n++)
                    {
                        var dst = dx.Slice((n * g.Channels + c) * plane, plane);
                        var (ox0, ox1) = ValidRange(ow, g.Width, g.Stride, g.Padding, kx);
                        if (ox0 >= ox1) continue;
                        int ix0 = ox0 * g.Stride - g.Padding + kx;
                        for (int oy = 0; oy < oh; oy++)
                        {
                            int iy = oy * g.Stride - g.Padding + ky;
                            if ((uint)iy >= (uint)g.Height) continue;
                            var s = src.Slice((n * oh + oy) * ow, ow);
                            var dRow = dst.Slice(iy * g.Width, g.Width);
                            if (g.Stride == 1)
                            {
                                var target = dRow.Slice(ix0, ox1 - ox0);
                                System.Numerics.Tensors.TensorPrimitives.Add(target, s[ox0..ox1], target);
                            }
                            else
                            {
                                for (int ox = ox0, ix = ix0; ox < ox1; ox++, ix += g.Stride) dRow[ix] += s[ox];
                            }
                        }
                    }
                }
    }

    /// <summary>[A, B, inner] → [B, A, inner] (swaps the two leading axes).</summary>
    public static void SwapLeading<T>(ReadOnlySpan<T> src, Span<T> dst, int a, int b, int inner) => SwapLeading(src, dst, a, b, inner, 0, a);

    /// <summary>Source rows i in [i0, i1) of <see cref="SwapLeading{T}(ReadOnlySpan{T}, Span{T}, int, int, int)"/>.</summary>
    public static void SwapLeading<T>(ReadOnlySpan<T> src, Span<T> dst, int a, int b, int inner, int i0, int i1)
    {
        for (int i = i0; i < i1; i++)
            for (int j = 0; j < b; j++)
                src.Slice((i * b + j) * inner, inner).CopyTo(dst.Slice((j * a + i) * inner, inner));
    }
}
