using System.Runtime.InteropServices;
using Lowbit.Inference.Format;
using Lowbit.Kernels.Bits;

namespace Lowbit.Inference.Runtime.Steps;

/// <summary>
/// Kind 9 (<see cref="BinarySignConvLayer"/>): the direct binary convolution (<see cref="XnorConv.ThresholdSigns"/>,
/// ±1 border, output pixels split between threads) with the integer thresholds fused: bit o of an output pixel is set
/// iff its mismatch count is at most <see cref="BinarySignConvLayer.MaxMismatches"/>[o]. When the next layer is a 2×2
/// stride-2 sign pooling (<see cref="CanFuse"/>), the <see cref="Pipeline"/> gives it that layer too and the step
/// writes the pooled map (<see cref="XnorConv.ThresholdSignsPooled"/>, the same bits without the full-resolution map).
/// </summary>
internal sealed class BinarySignConvStep : LayerStep
{
    private readonly BinarySignConvLayer _layer;
    private readonly StepContext _context;
    private readonly XnorConvFilters _filters;
    private readonly SignMaxPoolLayer? _pool; // the next layer, computed here; null: signs at full resolution

    public BinarySignConvStep(BinarySignConvLayer layer, StepContext context, SignMaxPoolLayer? pool = null)
    {
        if (pool is not null && !CanFuse(layer, pool))
        {
            throw new ArgumentException($"A {pool.PoolKernel}x{pool.PoolKernel} stride-{pool.Stride} pooling of [{pool.Channels}, {pool.Height}, "
                + $"{pool.Width}] cannot follow this convolution in one step.", nameof(pool));
        }
        _layer = layer;
        _context = context;
        _pool = pool;
        _filters = XnorConvFilters.Pack(layer.Weights, Shape(layer.Geometry));
    }

    /// <summary>Whether <paramref name="pool"/> is a 2×2 stride-2 pooling of exactly this convolution's output.</summary>
    internal static bool CanFuse(BinarySignConvLayer conv, SignMaxPoolLayer pool)
    {
        var g = conv.Geometry;
        return pool.PoolKernel == 2 && pool.Stride == 2 && pool.Channels == g.OutChannels && pool.Height == g.OutHeight && pool.Width == g.OutWidth;
    }

    /// <summary>The kernel's shape of a packed convolution with a ±1 border.</summary>
    internal static XnorConvShape Shape(ConvGeometry g) =>
        new(g.InChannels, g.InHeight, g.InWidth, g.OutChannels, g.Kernel, g.Stride, g.Padding, g.PadValue > 0);

    public override void Run(scoped in StepIO io)
    {
        int m = io.Images, paddedLength = XnorConv.PaddedLength(_filters.Shape, m);
        var padded = MemoryMarshal.Cast<ulong, uint>(_context.Scratch.Words(0, (paddedLength + 1) / 2));
        if (_pool is null) XnorConv.ThresholdSigns(io.InputWords, m, _filters, _layer.MaxMismatches, padded, io.OutputWords, _context.Threads);
        else
        {
            XnorConv.ThresholdSignsPooled(io.InputWords, m, _filters, _layer.MaxMismatches, _pool.MinChannels, padded, io.OutputWords,
                _context.Threads);
        }
    }
}
