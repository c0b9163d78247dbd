using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;
using System.Runtime.InteropServices;
using Lowbit.Inference.Format;
using Lowbit.Kernels.Bits;
using Lowbit.Tensors;
using Lowbit.Tensors.Autograd;

namespace Lowbit.Inference.Runtime.Steps;

/// <summary>
/// Kind 12 (<see cref="BinaryResidualConvLayer"/>): the real map's signs packed per pixel, the direct binary convolution
/// (<see cref="XnorConv.Mismatches"/>: exact integers, the model's ±1 convolution whatever its summation order), then
/// batch norm, shortcut, sum and activation fused per output row with the float32 operations the model's tensor ops
/// perform (batch norm as fma(v − center, scale, shift) with Tensor.BatchNorm's coefficients, then TensorPrimitives
/// Add and Max/Min as Tensor.Add, Relu and HardTanh use).
/// </summary>
/// <remarks>
/// Those float steps belong to another module, so the step checks at construction that the fused epilogue gives the
/// tensor operations' values bit for bit on random inputs of the layer's shape; if not, it runs the tensor operations
/// (<see cref="RunWithTensors"/>), as before.
/// </remarks>
internal sealed class BinaryResidualConvStep : LayerStep
{
    private readonly BinaryResidualConvLayer _layer;
    private readonly StepContext _context;
    private readonly XnorConvFilters _filters;
    private readonly (Tensor? Gamma, Tensor? Beta, Tensor Mean, Tensor Variance)? _batchNorm;
    private readonly float[] _center, _scale, _shift;
    private readonly bool[] _notNegated;   // sign packing: +1 iff x ≥ 0 for every channel
    private readonly float[] _zeros;
    private readonly bool _fused;

    public BinaryResidualConvStep(BinaryResidualConvLayer layer, StepContext context)
    {
        _layer = layer;
        _context = context;
        _filters = XnorConvFilters.Pack(layer.Weights, BinarySignConvStep.Shape(layer.Geometry));
        _batchNorm = layer.BatchNorm?.Tensors();
        (_center, _scale, _shift) = RealRowOps.Coefficients(layer.BatchNorm, layer.Geometry.OutChannels);
        _notNegated = new bool[layer.Geometry.InChannels];
        _zeros = new float[layer.Geometry.InChannels];
        _fused = MatchesTensors();
    }

    /// <summary>Whether the fused epilogue is in use (false: the tensor operations).</summary>
    internal bool IsFused => _fused;

    public override void Run(scoped in StepIO io)
    {
        if (_fused) RunFused(io.InputFloats, io.Images, io.OutputFloats);
        else RunWithTensors(io.InputFloats, io.Images, io.OutputFloats);
    }

    private void RunFused(ReadOnlySpan<float> input, int m, Span<float> output)
    {
        var g = _layer.Geometry;
        int plane = g.InHeight * g.InWidth, size = g.InChannels * plane, o = g.OutChannels, positions = g.Positions;
        var bits = _context.Scratch.Words(1, m * plane * BitLayout.WordsPerRow(g.InChannels));
        SignPacking.PackChannels(input[..(m * size)], m, g.InChannels, plane, _notNegated, _zeros, bits);
        int paddedLength = XnorConv.PaddedLength(_filters.Shape, m);
        var padded = MemoryMarshal.Cast<ulong, uint>(_context.Scratch.Words(0, (paddedLength + 1) / 2));
        var counts = _context.Scratch.Ints(0, m * o * positions); // [m, O, P]
        XnorConv.Mismatches(bits, m, _filters, padded, counts, _context.Threads, channelMajor: true);
        var shortcut = _context.Scratch.Floats(0, positions);
        for (int i = 0; i < m; i++)
            for (int c = 0; c < o; c++)
            {
                int row = (i * o + c) * positions;
                Row(counts.Slice(row, positions), input.Slice(i * size, size), c, shortcut, output.Slice(row, positions));
            }
    }

    /// <summary>
    /// Output channel c of one image: v = K − 2d, batch norm, plus the shortcut, activation. <paramref name="counts"/>
    /// are the channel's mismatch counts <c>[P]</c>; <paramref name="input"/> is the image's real map <c>[C, H, W]</c>.
    /// </summary>
    private void Row(ReadOnlySpan<int> counts, ReadOnlySpan<float> input, int c, Span<float> shortcut, Span<float> row)
    {
        var g = _layer.Geometry;
        RealRowOps.MismatchValues(counts, g.PatchSize, row, _layer.BatchNorm is not null, _center[c], _scale[c], _shift[c]);
        var s = _layer.Shortcut;
        int plane = g.InHeight * g.InWidth;
        if (s.Mode == 0)
        {
            TensorPrimitives.Add(row, input.Slice(c * plane, plane), row);
        }
        else
        {
            int source = c - s.Before;
            if ((uint)source < (uint)g.InChannels)
            {
                var from = input.Slice(source * plane, plane);
                for (int y = 0, p = 0; y < g.OutHeight; y++)
                    for (int x = 0; x < g.OutWidth; x++, p++) shortcut[p] = from[y * s.Stride * g.InWidth + x * s.Stride];
            }
            else
            {
                shortcut.Clear();
            }
            TensorPrimitives.Add(row, shortcut[..row.Length], row);
        }
        RealRowOps.Activate(row, _layer.Activation);
    }

    /// <summary>The previous path, and the oracle of the construction check: the model's own tensor operations.</summary>
    private void RunWithTensors(ReadOnlySpan<float> input, int m, Span<float> output)
    {
        var g = _layer.Geometry;
        int positions = g.Positions, o = g.OutChannels, plane = g.InHeight * g.InWidth, size = g.InChannels * plane;
        var bits = new ulong[m * plane * BitLayout.WordsPerRow(g.InChannels)];
        SignPacking.PackSigns(input[..(m * size)], m, g.InChannels, plane, bits);
        var padded = new uint[XnorConv.PaddedLength(_filters.Shape, m)];
        var counts = new int[m * positions * o];
        XnorConv.Mismatches(bits, m, _filters, padded, counts, _context.Threads);
        var y = new float[m * o * positions]; // [m, O, OH, OW]
        for (int i = 0; i < m; i++)
            for (int p = 0; p < positions; p++)
                for (int c = 0; c < o; c++) y[(i * o + c) * positions + p] = g.PatchSize - 2 * counts[(i * positions + p) * o + c];
        using var noGrad = GradMode.Disable();
        using var threads = Compute.UseThreads(_context.Threads);
        var branch = Tensor.FromArray(y, m, o, g.OutHeight, g.OutWidth);
        if (_batchNorm is var (gamma, beta, mean, variance)) branch = _layer.BatchNorm!.Apply(branch, gamma, beta, mean, variance);
        var x = Tensor.FromArray(input[..(m * size)].ToArray(), m, g.InChannels, g.InHeight, g.InWidth);
        var sum = Tensor.Add(branch, _layer.Shortcut.Apply(x));
        RealActivations.Apply(_layer.Activation, sum).AsSpan().CopyTo(output);
    }

    /// <summary>Runs both epilogues on two images of random reals (hard-tanh range and beyond) and compares every output bit.</summary>
    private bool MatchesTensors()
    {
        var g = _layer.Geometry;
        const int images = 2;
        var random = new Random(20261203);
        var input = new float[images * g.InChannels * g.InHeight * g.InWidth];
        for (int t = 0; t < input.Length; t++) input[t] = (float)(random.NextDouble() * 3 - 1.5);
        var expected = new float[images * g.OutChannels * g.Positions];
        var actual = new float[expected.Length];
        RunWithTensors(input, images, expected);
        RunFused(input, images, actual);
        for (int t = 0; t < expected.Length; t++)
            if (BitConverter.SingleToInt32Bits(expected[t]) != BitConverter.SingleToInt32Bits(actual[t])) return false;
        return true;
    }
}
