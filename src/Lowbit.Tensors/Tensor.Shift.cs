using System.Numerics;
using Lowbit.Tensors.Autograd;
using Lowbit.Tensors.Ops;

namespace Lowbit.Tensors;

public sealed partial class Tensor
{
    /// <summary>
    /// Shifts every channel of [N, C, H, W] spatially by its own offset and samples with a stride (the shift operation
    /// of shift networks, Wu et al. 2018): y[n, c, i, j] = x[n, c, s·i + offsetY[c], s·j + offsetX[c]], and
    /// <paramref name="fill"/> where that position lies outside the input. No multiplications: every output element is
    /// a copy of one input element or the fill value.
    /// </summary>
    /// <remarks>
    /// A k×k convolution with padding p whose kernel for channel c is one-hot at (py, px) reads x at
    /// (s·i + py − p, s·j + px − p): offsets py − p and px − p give the same sampling. The gradient flows back to the
    /// element each output copied (the map from outputs to inputs is one-to-one), fill positions get none.
    /// </remarks>
    /// <param name="x">Input [N, C, H, W].</param>
    /// <param name="offsetY">Row offset per channel (C values).</param>
    /// <param name="offsetX">Column offset per channel (C values).</param>
    /// <param name="stride">Sampling stride (≥ 1) on both axes.</param>
    /// <param name="outHeight">Output height (≥ 1).</param>
    /// <param name="outWidth">Output width (≥ 1).</param>
    /// <param name="fill">Value of positions outside the input (finite).</param>
    /// <returns>[N, C, outHeight, outWidth].</returns>
    /// <exception cref="ArgumentException">The shapes or offsets do not fit.</exception>
    public static Tensor Shift2d(Tensor x, int[] offsetY, int[] offsetX, int stride, int outHeight, int outWidth, double fill = 0)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(offsetY);
        ArgumentNullException.ThrowIfNull(offsetX);
        if (x.Rank != 4) throw new ArgumentException($"Shift2d expects input [batch, channels, height, width], got {ShapeUtil.Format(x.ShapeSpan)}.", nameof(x));
        int n = x._shape[0], c = x._shape[1];
        if (offsetY.Length != c || offsetX.Length != c)
            throw new ArgumentException($"Shift2d: {offsetY.Length} row and {offsetX.Length} column offsets for {c} channels; give one of each per channel.", nameof(offsetY));
        var geo = new ShiftGeometry(x._shape[2], x._shape[3], stride, outHeight, outWidth, fill);
        var y = Uninitialized(x.DType, [n, c, outHeight, outWidth]);
        if (x.DType == DType.Float64) ShiftPlanes<double>(x.Span<double>(), y.Span<double>(), n, offsetY, offsetX, geo);
        else ShiftPlanes<float>(x.AsSpan(), y.AsSpan(), n, offsetY, offsetX, geo);
        return GradGraph.Record(y, "Shift2d", [x], g =>
        {
            var gx = ZerosResult(g.DType, x.Shape.ToArray());
            if (g.DType == DType.Float64) UnshiftPlanes<double>(g.Span<double>(), gx.Span<double>(), n, offsetY, offsetX, geo);
            else UnshiftPlanes<float>(g.AsSpan(), gx.AsSpan(), n, offsetY, offsetX, geo);
            return [gx];
        });
    }

    private static void ShiftPlanes<T>(ReadOnlySpan<T> x, Span<T> y, int n, int[] offsetY, int[] offsetX, ShiftGeometry geo)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int c = offsetY.Length, inPlane = geo.Height * geo.Width, outPlane = geo.OutHeight * geo.OutWidth;
        T fill = T.CreateChecked(geo.Fill);
        for (int p = 0; p < n * c; p++)
        {
            int ch = p % c;
            var src = x.Slice(p * inPlane, inPlane);
            var dst = y.Slice(p * outPlane, outPlane);
            var (j0, j1) = geo.Columns(offsetX[ch]);
            for (int i = 0; i < geo.OutHeight; i++)
            {
                var row = dst.Slice(i * geo.OutWidth, geo.OutWidth);
                int r = geo.SourceRow(i, offsetY[ch]);
                if (r < 0 || j0 >= j1)
                {
                    row.Fill(fill);
                    continue;
                }
                row[..j0].Fill(fill);
                row[j1..].Fill(fill);
                int start = r * geo.Width + geo.Stride * j0 + offsetX[ch];
                if (geo.Stride == 1) src.Slice(start, j1 - j0).CopyTo(row[j0..j1]);
                else for (int j = j0; j < j1; j++) row[j] = src[start + geo.Stride * (j - j0)];
            }
        }
    }

    private static void UnshiftPlanes<T>(ReadOnlySpan<T> g, Span<T> gx, int n, int[] offsetY, int[] offsetX, ShiftGeometry geo)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int c = offsetY.Length, inPlane = geo.Height * geo.Width, outPlane = geo.OutHeight * geo.OutWidth;
        for (int p = 0; p < n * c; p++)
        {
            int ch = p % c;
            var src = g.Slice(p * outPlane, outPlane);
            var dst = gx.Slice(p * inPlane, inPlane);
            var (j0, j1) = geo.Columns(offsetX[ch]);
            for (int i = 0; i < geo.OutHeight; i++)
            {
                int r = geo.SourceRow(i, offsetY[ch]);
                if (r < 0) continue;
                int start = r * geo.Width + geo.Stride * j0 + offsetX[ch];
                for (int j = j0; j < j1; j++) dst[start + geo.Stride * (j - j0)] = src[i * geo.OutWidth + j];
            }
        }
    }

    /// <summary>
    /// A 1×1 convolution whose every connection reads its input channel at its own spatial offset (a shift network
    /// whose shifts are learned per connection, the unshared Shift Attention Layer of Hacene et al. 2019):
    /// y[n, o, i, j] = Σ_c w[o, c]·x[n, c, s·i + offsetY[o, c], s·j + offsetX[o, c]] (fill outside the input), summed
    /// over the active connections in increasing c, each term one float multiplication and one addition (no fused
    /// multiply-add), starting from 0. No shifted copy of the input is made: the shift is an index offset.
    /// </summary>
    /// <param name="x">Input [N, C, H, W].</param>
    /// <param name="weight">Weights [O, C].</param>
    /// <param name="offsetY">Row offset per connection, [O·C] in (o, c) order.</param>
    /// <param name="offsetX">Column offset per connection, [O·C].</param>
    /// <param name="active">Connections that take part ([O·C]; false = pruned, contributes nothing), or null for all.</param>
    /// <param name="stride">Sampling stride (≥ 1).</param>
    /// <param name="outHeight">Output height (≥ 1).</param>
    /// <param name="outWidth">Output width (≥ 1).</param>
    /// <param name="fill">Value of positions outside the input (finite).</param>
    /// <returns>[N, O, outHeight, outWidth]; gradients flow to x and weight.</returns>
    /// <exception cref="ArgumentException">The shapes or offsets do not fit.</exception>
    public static Tensor ShiftedPointwiseConv(Tensor x, Tensor weight, int[] offsetY, int[] offsetX, bool[]? active,
        int stride, int outHeight, int outWidth, double fill = 0)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(weight);
        ArgumentNullException.ThrowIfNull(offsetY);
        ArgumentNullException.ThrowIfNull(offsetX);
        RequireSameType(x, weight, "ShiftedPointwiseConv");
        if (x.Rank != 4) throw new ArgumentException($"ShiftedPointwiseConv expects input [batch, channels, height, width], got {ShapeUtil.Format(x.ShapeSpan)}.", nameof(x));
        if (weight.Rank != 2 || weight._shape[1] != x._shape[1])
            throw new ArgumentException($"ShiftedPointwiseConv: weight {ShapeUtil.Format(weight.ShapeSpan)} must be [outChannels, {x._shape[1]}].", nameof(weight));
        int connections = weight.Length;
        if (offsetY.Length != connections || offsetX.Length != connections || (active is not null && active.Length != connections))
            throw new ArgumentException($"ShiftedPointwiseConv: offsets and active flags need {connections} entries (one per connection), got {offsetY.Length}, {offsetX.Length} and {active?.Length}.", nameof(offsetY));
        var plan = new ShiftedPointwisePlan(new ShiftGeometry(x._shape[2], x._shape[3], stride, outHeight, outWidth, fill),
            x._shape[0], x._shape[1], weight._shape[0], offsetY, offsetX, active);
        var y = Uninitialized(x.DType, [plan.Batch, plan.Outputs, outHeight, outWidth]);
        Compute.For(plan.Batch, 1, 1, (n0, n1) =>
        {
            if (x.DType == DType.Float64) plan.Forward<double>(x.Span<double>(), weight.Span<double>(), y.Span<double>(), n0, n1);
            else plan.Forward<float>(x.AsSpan(), weight.AsSpan(), y.AsSpan(), n0, n1);
        });
        return GradGraph.Record(y, "ShiftedPointwiseConv", [x, weight], g =>
        {
            var gx = x.TracksGrad ? ZerosResult(g.DType, x.Shape.ToArray()) : null;
            var gw = ZerosResult(g.DType, weight.Shape.ToArray());
            if (g.DType == DType.Float64) plan.Backward<double>(g.Span<double>(), x.Span<double>(), weight.Span<double>(), gx is null ? default : gx.Span<double>(), gw.Span<double>());
            else plan.Backward<float>(g.AsSpan(), x.AsSpan(), weight.AsSpan(), gx is null ? default : gx.AsSpan(), gw.AsSpan());
            return [gx, weight.TracksGrad ? gw : null];
        });
    }
}

/// <summary>Sampling geometry of a shift: input size, stride, output size, fill value; the valid rows and columns per offset.</summary>
internal readonly record struct ShiftGeometry
{
    public ShiftGeometry(int height, int width, int stride, int outHeight, int outWidth, double fill)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(stride, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(outHeight, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(outWidth, 1);
        if (!double.IsFinite(fill)) throw new ArgumentOutOfRangeException(nameof(fill), fill, "The shift fill value must be finite.");
        (Height, Width, Stride, OutHeight, OutWidth, Fill) = (height, width, stride, outHeight, outWidth, fill);
    }

    public int Height { get; }
    public int Width { get; }
    public int Stride { get; }
    public int OutHeight { get; }
    public int OutWidth { get; }
    public double Fill { get; }

    /// <summary>Input row read by output row <paramref name="i"/>, or −1 when it lies outside the input.</summary>
    public int SourceRow(int i, int offsetY)
    {
        long r = (long)Stride * i + offsetY;
        return r >= 0 && r < Height ? (int)r : -1;
    }

    /// <summary>Output columns [j0, j1) whose source column s·j + offsetX lies inside the input (j0 ≥ j1 when none).</summary>
    public (int J0, int J1) Columns(int offsetX)
    {
        // s·j + dx ≥ 0  ⇔  j ≥ ceil(−dx / s);  s·j + dx ≤ W − 1  ⇔  j ≤ floor((W − 1 − dx) / s)
        long lo = offsetX >= 0 ? 0 : (-(long)offsetX + Stride - 1) / Stride;
        long hiInclusive = Width - 1L - offsetX;
        long hi = hiInclusive < 0 ? 0 : hiInclusive / Stride + 1;
        int j0 = (int)Math.Min(lo, OutWidth), j1 = (int)Math.Min(hi, OutWidth);
        return (j0, Math.Max(j0, j1));
    }
}
