using Lowbit.Inference.Format;
using Lowbit.Kernels.Bits;
using Lowbit.Tensors;
using Lowbit.Tensors.Autograd;

namespace Lowbit.Inference.Runtime.Steps;

/// <summary>
/// Kind 8 (<see cref="ByteSignConvLayer"/>): the pixels through the per-channel tables, the float32 convolution with the
/// training model's own operations (padding value, <see cref="Tensor.Conv2d"/>: the same kernels, so the same values
/// bit for bit), then each output compared with its channel's folded threshold and packed per pixel.
/// </summary>
internal sealed class ByteSignConvStep : LayerStep
{
    private readonly ByteSignConvLayer _layer;
    private readonly StepContext _context;
    private readonly Tensor _weights;
    private readonly Tensor? _bias;
    private readonly float[] _tables;

    public ByteSignConvStep(ByteSignConvLayer layer, StepContext context)
    {
        _layer = layer;
        _context = context;
        var g = layer.Geometry;
        _weights = Tensor.FromArray((float[])layer.Weights.Clone(), g.OutChannels, g.InChannels, g.Kernel, g.Kernel);
        _bias = layer.Bias is null ? null : Tensor.FromArray((float[])layer.Bias.Clone(), g.OutChannels);
        _tables = context.Model.PixelTables;
    }

    public override void Run(scoped in StepIO io)
    {
        var y = FloatConvolution.Run(io.InputBytes, io.Images, _layer.Geometry, _tables, _weights, _bias, _context.Threads);
        SignPacking.PackChannels(y, io.Images, _layer.Geometry.OutChannels, _layer.Geometry.Positions, _layer.Negated, _layer.Thresholds, io.OutputWords);
    }
}
