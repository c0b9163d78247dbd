using Lowbit.Inference.Format;
using Lowbit.Kernels.Bits;

namespace Lowbit.Inference.Runtime.Steps;

/// <summary>
/// Kind 15 (<see cref="BinaryResidualShiftConvLayer"/>): the real map's signs packed per pixel, the binary shift
/// convolution (<see cref="ShiftXnorConv.Mismatches"/>: every connection reads its input channel at its cell, an index
/// offset; exact mismatch counts over the active connections), then batch norm, shortcut, sum and activation fused per
/// output row (<see cref="ResidualEpilogue"/>, checked against the tensor operations at construction as kind 12).
/// </summary>
internal sealed class BinaryResidualShiftConvStep : LayerStep
{
    private readonly BinaryResidualShiftConvLayer _layer;
    private readonly StepContext _context;
    private readonly ShiftXnorFilters _filters;
    private readonly ResidualEpilogue _epilogue;
    private readonly bool[] _notNegated;   // sign packing: +1 iff x ≥ 0 for every channel
    private readonly float[] _zeros;
    private readonly bool _fused;

    public BinaryResidualShiftConvStep(BinaryResidualShiftConvLayer layer, StepContext context)
    {
        _layer = layer;
        _context = context;
        var g = layer.Geometry;
        _filters = ShiftXnorFilters.Pack(BinarySignConvStep.Shape(g), layer.ConnectionShifts(), layer.Weights);
        _epilogue = new ResidualEpilogue(g, _filters.Active, layer.BatchNorm, layer.Shortcut, layer.Activation);
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

    /// <summary>Mismatch counts <c>[m, O, P]</c> of the images' signs.</summary>
    private Span<int> Counts(ReadOnlySpan<float> input, int m)
    {
        var g = _layer.Geometry;
        int plane = g.InHeight * g.InWidth;
        var bits = _context.Scratch.Words(1, m * plane * BitLayout.WordsPerRow(g.InChannels));
        SignPacking.PackChannels(input[..(m * g.InChannels * plane)], m, g.InChannels, plane, _notNegated, _zeros, bits);
        var padded = _context.Scratch.Words(0, ShiftXnorConv.PaddedLength(_filters.Shape, m));
        var counts = _context.Scratch.Ints(0, m * g.OutChannels * g.Positions);
        ShiftXnorConv.Mismatches(bits, m, _filters, padded, counts, _context.Threads);
        return counts;
    }

    private void RunFused(ReadOnlySpan<float> input, int m, Span<float> output) =>
        _epilogue.Fused(Counts(input, m), input, m, _context.Scratch.Floats(0, _layer.Geometry.Positions), output);

    /// <summary>The oracle of the construction check (and the fallback): the branch values, then the model's tensor operations.</summary>
    private void RunWithTensors(ReadOnlySpan<float> input, int m, Span<float> output)
    {
        var g = _layer.Geometry;
        var counts = Counts(input, m);
        var y = new float[m * g.OutChannels * g.Positions]; // [m, O, OH, OW]
        for (int i = 0; i < m; i++)
            for (int c = 0; c < g.OutChannels; c++)
                for (int p = 0; p < g.Positions; p++)
                {
                    int at = (i * g.OutChannels + c) * g.Positions + p;
                    y[at] = _filters.Active[c] - 2 * counts[at];
                }
        _epilogue.WithTensors(y, input, m, _context.Threads, output);
    }
}
