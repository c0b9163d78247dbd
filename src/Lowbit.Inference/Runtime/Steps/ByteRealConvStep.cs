using Lowbit.Inference.Format;
using Lowbit.Kernels.Conv;
using Lowbit.Tensors;
using Lowbit.Tensors.Autograd;

namespace Lowbit.Inference.Runtime.Steps;

/// <summary>
/// Kind 11 (<see cref="ByteRealConvLayer"/>): convolution, batch norm and activation. Fused path: the pixels through the
/// tables into a padded map, <see cref="ThresholdConv.Values"/> (the direct kernel's operation order, output channels
/// along the lanes), then per output row the batch norm and activation of <see cref="RealRowOps"/>; it is used when a
/// construction check on random pixels finds it equal, bit for bit, to the model's own tensor operations
/// (<see cref="RunWithTensors"/>), which run otherwise.
/// </summary>
internal sealed class ByteRealConvStep : LayerStep
{
    private readonly ByteRealConvLayer _layer;
    private readonly StepContext _context;
    private readonly Tensor _weights;
    private readonly Tensor? _bias;
    private readonly (Tensor? Gamma, Tensor? Beta, Tensor Mean, Tensor Variance)? _batchNorm;
    private readonly DirectConvShape _shape;
    private readonly ThresholdConvFilters _filters;
    private readonly float[] _center, _scale, _shift;
    private readonly bool _fused;

    public ByteRealConvStep(ByteRealConvLayer layer, StepContext context)
    {
        _layer = layer;
        _context = context;
        var g = layer.Geometry;
        _weights = Tensor.FromArray((float[])layer.Weights.Clone(), g.OutChannels, g.InChannels, g.Kernel, g.Kernel);
        _bias = layer.Bias is null ? null : Tensor.FromArray((float[])layer.Bias.Clone(), g.OutChannels);
        _batchNorm = layer.BatchNorm?.Tensors();
        _shape = new DirectConvShape(1, g.InChannels, g.InHeight + 2 * g.Padding, g.InWidth + 2 * g.Padding, g.OutChannels, g.Kernel, g.Kernel, g.Stride);
        _filters = ThresholdConvFilters.Pack(layer.Weights, layer.Bias, new bool[g.OutChannels], new float[g.OutChannels], _shape);
        (_center, _scale, _shift) = RealRowOps.Coefficients(layer.BatchNorm, g.OutChannels);
        _fused = MatchesTensors();
    }

    /// <summary>Whether the fused path is in use (false: the tensor operations).</summary>
    internal bool IsFused => _fused;

    public override void Run(scoped in StepIO io)
    {
        if (_fused) RunFused(io.InputBytes, io.Images, io.OutputFloats);
        else RunWithTensors(io.InputBytes, io.Images, io.OutputFloats);
    }

    private void RunFused(ReadOnlySpan<byte> pixels, int m, Span<float> output)
    {
        var g = _layer.Geometry;
        int o = g.OutChannels, positions = g.Positions;
        var xpad = _context.Scratch.Floats(0, m * ThresholdConv.ImageLength(_shape));
        ThresholdConv.PadPixels(pixels, m, _shape, g.InHeight, g.InWidth, _context.Model.PixelTables, g.PadValue, xpad);
        var values = _context.Scratch.Floats(1, m * positions * o); // [m, P, O]
        ThresholdConv.Values(xpad, m, _filters, values, _context.Threads);
        for (int i = 0; i < m; i++)
            for (int c = 0; c < o; c++)
            {
                var row = output.Slice((i * o + c) * positions, positions);
                var source = values.Slice(i * positions * o);
                for (int p = 0; p < positions; p++) row[p] = source[p * o + c];
                if (_layer.BatchNorm is not null) RealRowOps.Affine(row, _center[c], _scale[c], _shift[c]);
                RealRowOps.Activate(row, _layer.Activation);
            }
    }

    /// <summary>The model's own tensor operations (the fallback, and the oracle of the construction check).</summary>
    private void RunWithTensors(ReadOnlySpan<byte> pixels, int m, Span<float> output)
    {
        using var noGrad = GradMode.Disable();
        using var threads = Compute.UseThreads(_context.Threads);
        var g = _layer.Geometry;
        var y = FloatConvolution.Convolve(FloatConvolution.Pixels(pixels, m, g, _context.Model.PixelTables), g, _weights, _bias);
        if (_batchNorm is var (gamma, beta, mean, variance)) y = _layer.BatchNorm!.Apply(y, gamma, beta, mean, variance);
        RealActivations.Apply(_layer.Activation, y).AsSpan().CopyTo(output);
    }

    /// <summary>Both paths on two images of random pixels; true iff every output has the same bits.</summary>
    private bool MatchesTensors()
    {
        var g = _layer.Geometry;
        const int images = 2;
        var pixels = new byte[images * g.InChannels * g.InHeight * g.InWidth];
        new Random(20261203).NextBytes(pixels);
        var expected = new float[images * g.OutChannels * g.Positions];
        var actual = new float[expected.Length];
        RunWithTensors(pixels, images, expected);
        RunFused(pixels, images, actual);
        for (int t = 0; t < expected.Length; t++)
            if (BitConverter.SingleToInt32Bits(expected[t]) != BitConverter.SingleToInt32Bits(actual[t])) return false;
        return true;
    }
}
