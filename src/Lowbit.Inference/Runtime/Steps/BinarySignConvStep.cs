using System.Runtime.InteropServices;
using Lowbit.Inference.Format;
using Lowbit.Kernels.Bits;

namespace Lowbit.Inference.Runtime.Steps;

/// <summary>
/// Kind 9 (<see cref="BinarySignConvLayer"/>): the direct binary convolution (<see cref="XnorConv.ThresholdSigns"/>,
/// ±1 border, output pixels split between threads) with the integer thresholds fused: bit o of an output pixel is set
/// iff its mismatch count is at most <see cref="BinarySignConvLayer.MaxMismatches"/>[o].
/// </summary>
internal sealed class BinarySignConvStep : LayerStep
{
    private readonly BinarySignConvLayer _layer;
    private readonly StepContext _context;
    private readonly XnorConvFilters _filters;

    public BinarySignConvStep(BinarySignConvLayer layer, StepContext context)
    {
        _layer = layer;
        _context = context;
        _filters = XnorConvFilters.Pack(layer.Weights, Shape(layer.Geometry));
    }

    /// <summary>The kernel's shape of a packed convolution with a ±1 border.</summary>
    internal static XnorConvShape Shape(ConvGeometry g) =>
        new(g.InChannels, g.InHeight, g.InWidth, g.OutChannels, g.Kernel, g.Stride, g.Padding, g.PadValue > 0);

    public override void Run(scoped in StepIO io)
    {
        int m = io.Images, paddedLength = XnorConv.PaddedLength(_filters.Shape, m);
        var padded = MemoryMarshal.Cast<ulong, uint>(_context.Scratch.Words(0, (paddedLength + 1) / 2));
        XnorConv.ThresholdSigns(io.InputWords, m, _filters, _layer.MaxMismatches, padded, io.OutputWords, _context.Threads);
    }
}
