using Lowbit.Inference.Format;
using Lowbit.Kernels.Bits;
using Lowbit.Tensors;
using Lowbit.Tensors.Autograd;

namespace Lowbit.Inference.Runtime.Steps;

/// <summary>
/// Kind 12 (<see cref="BinaryResidualConvLayer"/>): the real map's signs packed per pixel, bit im2col, XNOR-popcount GEMM
/// (exact integers, the model's ±1 convolution whatever its summation order), then batch norm, shortcut, sum and
/// activation with the model's own tensor operations.
/// </summary>
internal sealed class BinaryResidualConvStep : LayerStep
{
    private readonly BinaryResidualConvLayer _layer;
    private readonly StepContext _context;
    private readonly XnorWeights _weights;
    private readonly (Tensor? Gamma, Tensor? Beta, Tensor Mean, Tensor Variance)? _batchNorm;

    public BinaryResidualConvStep(BinaryResidualConvLayer layer, StepContext context)
    {
        _layer = layer;
        _context = context;
        _weights = XnorWeights.Pack(layer.Weights, layer.Geometry.OutChannels, layer.Geometry.PatchSize);
        _batchNorm = layer.BatchNorm?.Tensors();
    }

    public override void Run(scoped in StepIO io)
    {
        var g = _layer.Geometry;
        int m = io.Images, positions = g.Positions, o = g.OutChannels, size = g.InChannels * g.InHeight * g.InWidth;
        var bits = _context.Scratch.Words(1, m * g.InHeight * g.InWidth * BitLayout.WordsPerRow(g.InChannels));
        SignPacking.PackSigns(io.InputFloats[..(m * size)], m, g.InChannels, g.InHeight * g.InWidth, bits);
        int rows = m * positions, patchWords = BitIm2Col.PatchWords(g.InChannels, g.Kernel, g.Kernel);
        var patches = _context.Scratch.Words(0, rows * patchWords);
        BitIm2Col.Transform(bits, m, g.InHeight, g.InWidth, g.InChannels, g.Kernel, g.Kernel, g.Stride, g.Stride, g.Padding, g.Padding, g.PadValue > 0, patches);
        var dots = _context.Scratch.Ints(0, rows * o);
        XnorGemm.MultiplyPacked(patches, _weights, rows, dots, _context.Threads);
        var y = new float[m * o * positions]; // [m, O, OH, OW]
        for (int i = 0; i < m; i++)
            for (int p = 0; p < positions; p++)
            {
                var row = dots.Slice((i * positions + p) * o, o);
                for (int c = 0; c < o; c++) y[(i * o + c) * positions + p] = row[c];
            }
        using var noGrad = GradMode.Disable();
        using var threads = Compute.UseThreads(_context.Threads);
        var branch = Tensor.FromArray(y, m, o, g.OutHeight, g.OutWidth);
        if (_batchNorm is var (gamma, beta, mean, variance)) branch = _layer.BatchNorm!.Apply(branch, gamma, beta, mean, variance);
        var input = Tensor.FromArray(io.InputFloats[..(m * size)].ToArray(), m, g.InChannels, g.InHeight, g.InWidth);
        var sum = Tensor.Add(branch, _layer.Shortcut.Apply(input));
        RealActivations.Apply(_layer.Activation, sum).AsSpan().CopyTo(io.OutputFloats);
    }
}
