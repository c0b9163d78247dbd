using System.Numerics;
using Lowbit.Tensors.Autograd;

namespace Lowbit.Tensors;

public sealed partial class Tensor
{
    /// <summary>
    /// Pads height and width of [N, C, H, W] by <paramref name="padding"/> on every side with the constant
    /// <paramref name="value"/> (e.g. −1 or +1 so that binary activations stay binary, Larq's pad_values).
    /// </summary>
    /// <param name="x">Input [N, C, H, W].</param>
    /// <param name="padding">Pixels added on each side (≥ 0).</param>
    /// <param name="value">Value of the added pixels.</param>
    /// <returns>[N, C, H + 2·padding, W + 2·padding]; the gradient of the interior flows back, the border's is dropped.</returns>
    public static Tensor Pad2d(Tensor x, int padding, double value)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentOutOfRangeException.ThrowIfNegative(padding);
        if (x.Rank != 4) throw new ArgumentException($"Pad2d expects input [batch, channels, height, width], got {ShapeUtil.Format(x.ShapeSpan)}.", nameof(x));
        if (padding == 0) return x;
        int planes = x._shape[0] * x._shape[1], h = x._shape[2], w = x._shape[3];
        var y = Uninitialized(x.DType, [x._shape[0], x._shape[1], h + 2 * padding, w + 2 * padding]);
        if (x.DType == DType.Float64) PadPlanes<double>(x.Span<double>(), y.Span<double>(), planes, h, w, padding, value);
        else PadPlanes<float>(x.AsSpan(), y.AsSpan(), planes, h, w, padding, value);
        return GradGraph.Record(y, "Pad2d", [x], g =>
        {
            var gx = Uninitialized(g.DType, x.Shape.ToArray());
            if (g.DType == DType.Float64) CropPlanes<double>(g.Span<double>(), gx.Span<double>(), planes, h, w, padding);
            else CropPlanes<float>(g.AsSpan(), gx.AsSpan(), planes, h, w, padding);
            return [gx];
        });
    }

    /// <summary>
    /// Adds <paramref name="before"/> zero channels in front of and <paramref name="after"/> behind the channels of
    /// [N, C, H, W] (He et al.'s parameter-free "option A" shortcut widens the identity this way).
    /// </summary>
    /// <param name="x">Input [N, C, H, W].</param>
    /// <param name="before">Zero channels in front (≥ 0).</param>
    /// <param name="after">Zero channels behind (≥ 0).</param>
    /// <returns>[N, before + C + after, H, W].</returns>
    public static Tensor PadChannels(Tensor x, int before, int after)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentOutOfRangeException.ThrowIfNegative(before);
        ArgumentOutOfRangeException.ThrowIfNegative(after);
        if (x.Rank != 4) throw new ArgumentException($"PadChannels expects input [batch, channels, height, width], got {ShapeUtil.Format(x.ShapeSpan)}.", nameof(x));
        int n = x._shape[0], c = x._shape[1], plane = x._shape[2] * x._shape[3], outC = before + c + after;
        var y = ZerosResult(x.DType, [n, outC, x._shape[2], x._shape[3]]);
        for (int i = 0; i < n; i++) CopyBlock(x, i * c * plane, y, (i * outC + before) * plane, c * plane);
        return GradGraph.Record(y, "PadChannels", [x], g =>
        {
            var gx = Uninitialized(g.DType, x.Shape.ToArray());
            for (int i = 0; i < n; i++) CopyBlock(g, (i * outC + before) * plane, gx, i * c * plane, c * plane);
            return [gx];
        });
    }

    private static void CopyBlock(Tensor src, int srcStart, Tensor dst, int dstStart, int count)
    {
        if (src.DType == DType.Float64) src.Span<double>().Slice(srcStart, count).CopyTo(dst.Span<double>().Slice(dstStart, count));
        else src.AsSpan().Slice(srcStart, count).CopyTo(dst.AsSpan().Slice(dstStart, count));
    }

    private static void PadPlanes<T>(ReadOnlySpan<T> x, Span<T> y, int planes, int h, int w, int p, double value)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int pw = w + 2 * p, ph = h + 2 * p;
        y.Fill(T.CreateChecked(value));
        for (int i = 0; i < planes; i++)
            for (int r = 0; r < h; r++)
                x.Slice((i * h + r) * w, w).CopyTo(y.Slice((i * ph + r + p) * pw + p, w));
    }

    private static void CropPlanes<T>(ReadOnlySpan<T> g, Span<T> gx, int planes, int h, int w, int p)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int pw = w + 2 * p, ph = h + 2 * p;
        for (int i = 0; i < planes; i++)
            for (int r = 0; r < h; r++)
                g.Slice((i * ph + r + p) * pw + p, w).CopyTo(gx.Slice((i * h + r) * w, w));
    }
}
