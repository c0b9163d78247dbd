using System.Runtime.InteropServices;
using Lowbit.Inference.Format;
using Lowbit.Kernels.Bits;

namespace Lowbit.Inference.Runtime.Steps;

/// <summary>
/// Kind 12 (<see cref="BinaryResidualConvLayer"/>): the real map's signs packed per pixel, the direct binary convolution
/// (<see cref="XnorConv.Mismatches"/>: exact integers, the model's ±1 convolution whatever its summation order), then
/// batch norm, shortcut, sum and activation fused per output row (<see cref="ResidualEpilogue"/>).
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
    private readonly ResidualEpilogue _epilogue;
    private readonly bool[] _notNegated;   // sign packing: +1 iff x ≥ 0 for every channel
    private readonly float[] _zeros;
    private readonly bool _fused;

    public BinaryResidualConvStep(BinaryResidualConvLayer layer, StepContext context)
    {
        _layer = layer;
        _context = context;
        var g = layer.Geometry;
        _filters = XnorConvFilters.Pack(layer.Weights, BinarySignConvStep.Shape(g));
        _epilogue = new ResidualEpilogue(g, Enumerable.Repeat(g.PatchSize, g.OutChannels).ToArray(), layer.BatchNorm, layer.Shortcut, layer.Activation);
        _notNegated = new bool[g.InChannels];
        _zeros = new float[g.InChannels];
        _fused = ResidualEpilogue.Agree(g, (x, m, y) => RunFused(x, m, y), (x, m, y) => RunWithTensors(x, m, y));
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
        _epilogue.Fused(counts, input, m, _context.Scratch.Floats(0, positions), output);
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
        _epilogue.WithTensors(y, input, m, _context.Threads, output);
    }
}
