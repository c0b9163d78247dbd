using System.Numerics;
using Lowbit.Tensors.Autograd;
using Lowbit.Tensors.Ops;

namespace Lowbit.Tensors;

public sealed partial class Tensor
{
    /// <summary>2-D convolution (cross-correlation): direct from padded planes for float32 stride-1 square kernels whose
    /// output width is a multiple of 8, else im2col + GEMM.</summary>
    /// <param name="x">Input [N, C, H, W].</param>
    /// <param name="weight">Filters [O, C, kh, kw].</param>
    /// <param name="bias">Bias [O] or null.</param>
    /// <param name="stride">Stride (≥ 1), both axes.</param>
    /// <param name="padding">Padding (≥ 0) on every side of both axes.</param>
    /// <param name="padValue">Value of the padded pixels: 0, or e.g. ±1 so that binary inputs stay binary (Larq's
    /// pad_values). Padded pixels are constants: no gradient flows to them.</param>
    /// <returns>[N, O, OH, OW] with OH = (H + 2·padding − kh)/stride + 1.</returns>
    public static Tensor Conv2d(Tensor x, Tensor weight, Tensor? bias, int stride = 1, int padding = 0, double padValue = 0)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(weight);
        RequireSameType(x, weight, "Conv2d");
        if (x.Rank != 4) throw new ArgumentException($"Conv2d expects input [batch, channels, height, width], got {ShapeUtil.Format(x.ShapeSpan)}.", nameof(x));
        if (weight.Rank != 4 || weight._shape[1] != x._shape[1])
            throw new ArgumentException($"Conv2d: weight {ShapeUtil.Format(weight.ShapeSpan)} must be [outChannels, {x._shape[1]}, kh, kw] for input {ShapeUtil.Format(x.ShapeSpan)}.", nameof(weight));
        ArgumentOutOfRangeException.ThrowIfLessThan(stride, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(padding);
        var geo = new ConvGeometry(x._shape[0], x._shape[1], x._shape[2], x._shape[3], weight._shape[2], weight._shape[3], stride, padding);
        if (x._shape[2] + 2 * padding < geo.KernelH || x._shape[3] + 2 * padding < geo.KernelW)
            throw new ArgumentException($"Conv2d: kernel {geo.KernelH}x{geo.KernelW} is larger than the padded input {x._shape[2] + 2 * padding}x{x._shape[3] + 2 * padding}.");
        int outC = weight._shape[0];
        if (bias is not null && (bias.Rank != 1 || bias._shape[0] != outC || bias.DType != x.DType))
            throw new ArgumentException($"Conv2d: bias {bias} must be [{outC}] of {x.DType}.", nameof(bias));
        if (UsesDirectConv(x.DType, geo)) return Conv2dDirect(x, weight, bias, geo, (float)padValue);
        if (padValue != 0 && padding > 0)
            return Conv2d(Pad2d(x, padding, padValue), weight, bias, stride, 0);
        var result = Conv2dIm2Col(x, weight, geo);
        return bias is null ? result : Add(result, bias.Reshape(1, outC, 1, 1));
    }

    /// <summary>im2col + GEMM, image by image (any stride, padding and width; float64 too).</summary>
    internal static Tensor Conv2dIm2Col(Tensor x, Tensor weight, ConvGeometry geo)
    {
        int outC = weight._shape[0];
        var cols = Uninitialized(x.DType, [geo.ColumnRows, geo.ColumnCols]); // [C·kh·kw, N·OH·OW], kept for dW
        var y = Uninitialized(x.DType, [geo.Batch, outC, geo.OutH, geo.OutW]);
        // Image by image: im2col of image n, then y[n] = W·cols[:, n] read in place (ldb = N·OH·OW), while that
        // image's columns are still in cache. Every element gets the arithmetic of one whole-batch GEMM.
        ForImages(geo.Batch, (n0, n1, threads) =>
        {
            if (x.DType == DType.Float64) ConvForwardImages<double>(x, weight, cols, y, geo, n0, n1, threads);
            else ConvForwardImages<float>(x, weight, cols, y, geo, n0, n1, threads);
        });
        return GradGraph.Record(y, "Conv2d", [x, weight], g => ConvBackward(g, x, weight, cols, geo));
    }

    /// <summary>
    /// Runs body(n0, n1, gemmThreads) over the batch: image ranges on separate threads with single-threaded GEMMs
    /// when there are at least two images per thread, else all images in turn with multi-threaded GEMMs. Per-image
    /// results do not depend on which way is taken.
    /// </summary>
    private static void ForImages(int batch, Action<int, int, int> body)
    {
        int threads = Compute.Threads;
        if (threads > 1 && batch >= 2 * threads) Compute.For(batch, 1, 1, (n0, n1) => body(n0, n1, 1));
        else body(0, batch, threads);
    }

    private static void ConvForwardImages<T>(Tensor x, Tensor weight, Tensor cols, Tensor y, ConvGeometry geo, int n0, int n1, int threads)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int outC = weight._shape[0], ohw = geo.OutH * geo.OutW, rows = geo.ColumnRows, colCols = geo.ColumnCols;
        for (int n = n0; n < n1; n++)
        {
            ConvKernels.Im2ColImages(x.Span<T>(), cols.Span<T>(), geo, n, n + 1);
            GemmSpans<T>(false, false, outC, ohw, rows, weight.Span<T>(), rows, cols.Span<T>()[(n * ohw)..], colCols,
                y.Span<T>().Slice(n * outC * ohw, outC * ohw), ohw, threads);
        }
    }

    /// <summary>[A, B, inner] → [B, A, inner], source rows split across threads (a copy: any split gives the same result).</summary>
    private static void SwapLeading(Tensor src, Tensor dst, int a, int b, int inner)
    {
        Compute.For(a, Math.Max(1, Elementwise.Grain / Math.Max(1, b * inner)), 1, (i0, i1) =>
        {
            if (src.DType == DType.Float64) ConvKernels.SwapLeading<double>(src.Span<double>(), dst.Span<double>(), a, b, inner, i0, i1);
            else ConvKernels.SwapLeading<float>(src.AsSpan(), dst.AsSpan(), a, b, inner, i0, i1);
        });
    }

    private static void ConvInputGradientImages<T>(Tensor g, Tensor weight, Tensor dx, ConvGeometry geo, int n0, int n1, int threads)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int outC = weight._shape[0], ohw = geo.OutH * geo.OutW, rows = geo.ColumnRows, image = geo.Channels * geo.Height * geo.Width;
        var one = geo with { Batch = 1 };
        T[] scratch = System.Buffers.ArrayPool<T>.Shared.Rent(rows * ohw);
        try
        {
            var gCols = scratch.AsSpan(0, rows * ohw); // [C·kh·kw, OH·OW] of one image
            for (int n = n0; n < n1; n++)
            {
                GemmSpans<T>(true, false, rows, ohw, outC, weight.Span<T>(), rows, g.Span<T>().Slice(n * outC * ohw, outC * ohw), ohw, gCols, ohw, threads);
                ConvKernels.Col2Im<T>(gCols, dx.Span<T>().Slice(n * image, image), one);
            }
        }
        finally
        {
            System.Buffers.ArrayPool<T>.Shared.Return(scratch);
        }
    }

    private static Tensor?[] ConvBackward(Tensor g, Tensor x, Tensor weight, Tensor cols, ConvGeometry geo)
    {
        int outC = weight._shape[0], ohw = geo.OutH * geo.OutW;
        Tensor? gw = null, gx = null;
        if (weight.TracksGrad)
        {
            // dW = gT·colsᵀ as one GEMM over k = N·OH·OW.
            var gT = Uninitialized(g.DType, [outC, geo.ColumnCols]); // [O, N·OH·OW]
            SwapLeading(g, gT, geo.Batch, outC, ohw);
            var gw2 = Uninitialized(g.DType, [outC, geo.ColumnRows]);
            Gemm(false, true, outC, geo.ColumnRows, geo.ColumnCols, gT, cols, 0f, gw2);
            gw = gw2.ViewAs(weight.Shape.ToArray());
        }
        if (x.TracksGrad)
        {
            // Image by image: gCols_n = Wᵀ·g[n] in a per-thread scratch block, then col2im into dx[n].
            var dx = ZerosResult(g.DType, x.Shape.ToArray());
            ForImages(geo.Batch, (n0, n1, threads) =>
            {
                if (g.DType == DType.Float64) ConvInputGradientImages<double>(g, weight, dx, geo, n0, n1, threads);
                else ConvInputGradientImages<float>(g, weight, dx, geo, n0, n1, threads);
            });
            gx = dx;
        }
        return [gx, gw];
    }

    /// <summary>Max pooling over kernel×kernel windows (no padding). Gradient goes to the first maximum of each window.</summary>
    /// <remarks>
    /// "First" is in row-major window order, comparing with &gt; (a later equal value does not win). The backward
    /// pass finds the same element again from x instead of storing indices. Planes (n, c) are independent, so
    /// splitting them across threads does not change results.
    /// </remarks>
    public static Tensor MaxPool2d(Tensor x, int kernel, int stride = 0)
    {
        var geo = PoolGeometry(x, kernel, stride, "MaxPool2d");
        var y = Uninitialized(x.DType, [geo.Batch, geo.Channels, geo.OutH, geo.OutW]);
        int planes = geo.Batch * geo.Channels, grain = Math.Max(1, Ops.Elementwise.Grain / (geo.Height * geo.Width));
        Compute.For(planes, grain, 1, (p0, p1) =>
        {
            if (x.DType == DType.Float64) PoolKernels.MaxForward<double>(x.Span<double>(), y.Span<double>(), geo, p0, p1);
            else PoolKernels.MaxForward<float>(x.AsSpan(), y.AsSpan(), geo, p0, p1);
        });
        return GradGraph.Record(y, "MaxPool2d", [x], g =>
        {
            // MaxBackward writes every element of its planes (it clears them first where windows do not cover x
            // exactly), so gx needs no serial zero-fill.
            var gx = Uninitialized(g.DType, x.Shape.ToArray());
            Compute.For(planes, grain, 1, (p0, p1) =>
            {
                if (g.DType == DType.Float64) PoolKernels.MaxBackward<double>(x.Span<double>(), g.Span<double>(), gx.Span<double>(), geo, p0, p1);
                else PoolKernels.MaxBackward<float>(x.AsSpan(), g.AsSpan(), gx.AsSpan(), geo, p0, p1);
            });
            return [gx];
        });
    }

    private static ConvGeometry PoolGeometry(Tensor x, int kernel, int stride, string op)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (x.Rank != 4) throw new ArgumentException($"{op} expects [batch, channels, height, width], got {ShapeUtil.Format(x.ShapeSpan)}.", nameof(x));
        ArgumentOutOfRangeException.ThrowIfLessThan(kernel, 1);
        if (stride == 0) stride = kernel;
        ArgumentOutOfRangeException.ThrowIfLessThan(stride, 1);
        if (x._shape[2] < kernel || x._shape[3] < kernel)
            throw new ArgumentException($"{op}: kernel {kernel} is larger than the input {x._shape[2]}x{x._shape[3]}.");
        return new ConvGeometry(x._shape[0], x._shape[1], x._shape[2], x._shape[3], kernel, kernel, stride, 0);
    }

    internal static void MaxPoolCoreReference<T>(ReadOnlySpan<T> x, Span<T> y, int[] argmax, ConvGeometry g) where T : unmanaged, INumber<T>
    {
        int oh = g.OutH, ow = g.OutW, o = 0;
        for (int nc = 0; nc < g.Batch * g.Channels; nc++)
        {
            int baseIndex = nc * g.Height * g.Width;
            for (int oy = 0; oy < oh; oy++)
                for (int ox = 0; ox < ow; ox++, o++)
                {
                    int best = baseIndex + oy * g.Stride * g.Width + ox * g.Stride;
                    T bestValue = x[best];
                    for (int ky = 0; ky < g.KernelH; ky++)
                        for (int kx = 0; kx < g.KernelW; kx++)
                        {
                            int idx = baseIndex + (oy * g.Stride + ky) * g.Width + ox * g.Stride + kx;
                            if (x[idx] > bestValue) { bestValue = x[idx]; best = idx; }
                        }
                    y[o] = bestValue;
                    argmax[o] = best;
                }
        }
    }

    /// <summary>Average pooling over kernel×kernel windows (no padding).</summary>
    public static Tensor AvgPool2d(Tensor x, int kernel, int stride = 0)
    {
        var geo = PoolGeometry(x, kernel, stride, "AvgPool2d");
        var y = Uninitialized(x.DType, [geo.Batch, geo.Channels, geo.OutH, geo.OutW]);
        int planes = geo.Batch * geo.Channels, grain = Math.Max(1, Ops.Elementwise.Grain / (geo.Height * geo.Width));
        Compute.For(planes, grain, 1, (p0, p1) =>
        {
            if (x.DType == DType.Float64) AvgPoolCore<double>(x.Span<double>(), y.Span<double>(), geo, false, p0, p1);
            else AvgPoolCore<float>(x.AsSpan(), y.AsSpan(), geo, false, p0, p1);
        });
        return GradGraph.Record(y, "AvgPool2d", [x], g =>
        {
            var gx = Uninitialized(g.DType, x.Shape.ToArray()); // AvgPoolCore clears each plane before adding to it
            Compute.For(planes, grain, 1, (p0, p1) =>
            {
                if (g.DType == DType.Float64) AvgPoolCore<double>(gx.Span<double>(), g.Span<double>(), geo, true, p0, p1);
                else AvgPoolCore<float>(gx.AsSpan(), g.AsSpan(), geo, true, p0, p1);
            });
            return [gx];
        });
    }

    /// <summary>Forward: y = window mean of x. Adjoint (<paramref name="adjoint"/>): x += y / k² spread over each window.</summary>
    /// <summary>
    /// Planes [p0, p1): y = window means of x, or (adjoint) x = Σ over windows of y·scale, with those planes of x
    /// cleared first. Planes are independent, so splitting them across threads does not change results.
    /// </summary>
    private static void AvgPoolCore<T>(Span<T> x, Span<T> y, ConvGeometry g, bool adjoint, int p0, int p1) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T scale = T.One / T.CreateChecked(g.KernelH * g.KernelW);
        int oh = g.OutH, ow = g.OutW, o = p0 * oh * ow, plane = g.Height * g.Width;
        if (adjoint) x.Slice(p0 * plane, (p1 - p0) * plane).Clear();
        for (int nc = p0; nc < p1; nc++)
        {
            int baseIndex = nc * plane;
            for (int oy = 0; oy < oh; oy++)
                for (int ox = 0; ox < ow; ox++, o++)
                {
                    T acc = T.Zero;
                    for (int ky = 0; ky < g.KernelH; ky++)
                        for (int kx = 0; kx < g.KernelW; kx++)
                        {
                            int idx = baseIndex + (oy * g.Stride + ky) * g.Width + ox * g.Stride + kx;
                            if (adjoint) x[idx] += y[o] * scale;
                            else acc += x[idx];
                        }
                    if (!adjoint) y[o] = acc * scale;
                }
        }
    }
}
