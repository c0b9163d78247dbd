using Lowbit.Tensors.Autograd;
using Lowbit.Tensors.Ops;

namespace Lowbit.Tensors;

public sealed partial class Tensor
{
    /// <summary>
    /// Grouped 2-D convolution (cross-correlation): input channels and filters are split into <paramref name="groups"/>
    /// equal groups and group g's filters see only group g's channels. groups = C = O is a depthwise convolution.
    /// groups = 1 is <see cref="Conv2d"/>.
    /// </summary>
    /// <param name="x">Input [N, C, H, W].</param>
    /// <param name="weight">Filters [O, C/groups, kh, kw].</param>
    /// <param name="bias">Bias [O] or null.</param>
    /// <param name="stride">Stride (≥ 1), both axes.</param>
    /// <param name="padding">Zero padding (≥ 0), both axes.</param>
    /// <param name="groups">Groups (≥ 1), dividing C and O.</param>
    /// <returns>[N, O, OH, OW] with OH = (H + 2·padding − kh)/stride + 1.</returns>
    /// <exception cref="ArgumentException">Shapes disagree or groups does not divide the channel counts.</exception>
    public static Tensor GroupedConv2d(Tensor x, Tensor weight, Tensor? bias, int stride, int padding, int groups)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(weight);
        ArgumentOutOfRangeException.ThrowIfLessThan(groups, 1);
        if (groups == 1) return Conv2d(x, weight, bias, stride, padding);
        RequireSameType(x, weight, "GroupedConv2d");
        ArgumentOutOfRangeException.ThrowIfLessThan(stride, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(padding);
        if (x.Rank != 4) throw new ArgumentException($"GroupedConv2d expects input [batch, channels, height, width], got {ShapeUtil.Format(x.ShapeSpan)}.", nameof(x));
        int channels = x._shape[1];
        if (channels % groups != 0 || weight.Rank != 4 || weight._shape[0] % groups != 0 || weight._shape[1] != channels / groups)
            throw new ArgumentException(
                $"GroupedConv2d: with {groups} groups, weight {ShapeUtil.Format(weight.ShapeSpan)} must be [outChannels (a multiple of {groups}), {channels}/{groups}, kh, kw] for input {ShapeUtil.Format(x.ShapeSpan)}.",
                nameof(weight));
        var geo = new GroupedConvGeometry(x._shape[0], channels, x._shape[2], x._shape[3], weight._shape[0], groups, weight._shape[2], weight._shape[3], stride, padding);
        if (geo.Height + 2 * padding < geo.KernelH || geo.Width + 2 * padding < geo.KernelW)
            throw new ArgumentException($"GroupedConv2d: kernel {geo.KernelH}x{geo.KernelW} is larger than the padded input {geo.Height + 2 * padding}x{geo.Width + 2 * padding}.");
        var y = Uninitialized(x.DType, [geo.Batch, geo.OutChannels, geo.OutH, geo.OutW]);
        Compute.For(geo.Batch, 1, 1, (n0, n1) =>
        {
            if (x.DType == DType.Float64) GroupedConvKernels.Forward<double>(x.Span<double>(), weight.Span<double>(), y.Span<double>(), geo, n0, n1);
            else GroupedConvKernels.Forward<float>(x.AsSpan(), weight.AsSpan(), y.AsSpan(), geo, n0, n1);
        });
        var result = GradGraph.Record(y, "GroupedConv2d", [x, weight], g => GroupedConvBackward(g, x, weight, geo));
        if (bias is null) return result;
        if (bias.Rank != 1 || bias._shape[0] != geo.OutChannels)
            throw new ArgumentException($"GroupedConv2d: bias shape {ShapeUtil.Format(bias.ShapeSpan)} must be [{geo.OutChannels}].", nameof(bias));
        return Add(result, bias.Reshape(1, geo.OutChannels, 1, 1));
    }

    private static Tensor?[] GroupedConvBackward(Tensor g, Tensor x, Tensor weight, GroupedConvGeometry geo)
    {
        Tensor? gx = null, gw = null;
        if (x.TracksGrad)
        {
            var dx = ZerosResult(g.DType, x.Shape.ToArray());
            Compute.For(geo.Batch, 1, 1, (n0, n1) =>
            {
                if (g.DType == DType.Float64) GroupedConvKernels.InputGradient<double>(g.Span<double>(), weight.Span<double>(), dx.Span<double>(), geo, n0, n1);
                else GroupedConvKernels.InputGradient<float>(g.AsSpan(), weight.AsSpan(), dx.AsSpan(), geo, n0, n1);
            });
            gx = dx;
        }
        if (weight.TracksGrad)
        {
            var dw = Uninitialized(g.DType, weight.Shape.ToArray());
            Compute.For(geo.OutChannels, 1, 1, (o0, o1) =>
            {
                if (g.DType == DType.Float64) GroupedConvKernels.WeightGradient<double>(g.Span<double>(), x.Span<double>(), dw.Span<double>(), geo, o0, o1);
                else GroupedConvKernels.WeightGradient<float>(g.AsSpan(), x.AsSpan(), dw.AsSpan(), geo, o0, o1);
            });
            gw = dw;
        }
        return [gx, gw];
    }
}
