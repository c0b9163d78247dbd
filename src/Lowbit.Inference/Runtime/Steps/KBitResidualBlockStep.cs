using Lowbit.Inference.Format;
using Lowbit.Kernels.Bits;
using Lowbit.Tensors;
using Lowbit.Tensors.Autograd;

namespace Lowbit.Inference.Runtime.Steps;

/// <summary>
/// Kind 14 (<see cref="KBitResidualBlockLayer"/>): input codes by threshold, code im2col, bit-serial AND-popcount GEMM
/// (exact code products), codes of convolution 1 decided from the estimate and its bound or — for the images with an
/// undecided output — from the image's convolution recomputed with the model's operations; then convolution 2, batch
/// norm, shortcut, sum and activation with the model's tensor operations on the levels.
/// </summary>
internal sealed class KBitResidualBlockStep : LayerStep
{
    private readonly KBitResidualBlockLayer _layer;
    private readonly StepContext _context;
    private readonly CodeProductBound _bound;
    private readonly Tensor _weights1, _weights2;
    private readonly (Tensor? Gamma, Tensor? Beta, Tensor Mean, Tensor Variance)? _batchNorm;
    private readonly List<(int Position, int Channel)> _pending = [];

    public KBitResidualBlockStep(KBitResidualBlockLayer layer, StepContext context)
    {
        _layer = layer;
        _context = context;
        var g1 = layer.Conv1;
        var codes1 = new int[g1.OutChannels * g1.PatchSize];
        BitPacking.UnpackBitPlanes(layer.Weights1.Planes, g1.OutChannels, g1.PatchSize, layer.Weights1.Bits, codes1);
        _bound = new CodeProductBound(layer.Weights1.Levels, layer.InputLevels, codes1, g1.OutChannels, g1.PatchSize);
        _weights1 = Tensor.FromArray((float[])_bound.WeightsFloat.Clone(), g1.OutChannels, g1.InChannels, g1.Kernel, g1.Kernel);
        var g2 = layer.Conv2;
        var codes2 = new int[g2.OutChannels * g2.PatchSize];
        BitPacking.UnpackBitPlanes(layer.Weights2.Planes, g2.OutChannels, g2.PatchSize, layer.Weights2.Bits, codes2);
        _weights2 = Tensor.FromArray(codes2.Select(c => layer.Weights2.Levels[c]).ToArray(), g2.OutChannels, g2.InChannels, g2.Kernel, g2.Kernel);
        _batchNorm = layer.BatchNorm2?.Tensors();
    }

    public override void Run(scoped in StepIO io)
    {
        var g1 = _layer.Conv1;
        int m = io.Images, size = g1.InChannels * g1.InHeight * g1.InWidth, positions = g1.Positions, k = g1.PatchSize, o = g1.OutChannels;
        var x = io.InputFloats[..(m * size)];
        var inputCodes = _context.Scratch.Bytes(0, m * size);
        for (int t = 0; t < inputCodes.Length; t++) inputCodes[t] = (byte)CountReached(x[t], _layer.InputThresholds);
        int rows = m * positions;
        var patches = _context.Scratch.Bytes(1, rows * k);
        CodeIm2Col.Transform(inputCodes, m, g1, patches);
        var planes = _context.Scratch.Words(0, rows * _layer.InputBits * BitLayout.WordsPerRow(k));
        BitPacking.PackBitPlanes(patches, rows, k, _layer.InputBits, planes);
        var products = _context.Scratch.Longs(0, rows * o);
        BitSerialGemm.Multiply(planes, _layer.InputBits, _layer.Weights1.Planes, _layer.Weights1.Bits, rows, o, k, products, _context.Threads);
        var middle = new byte[m * o * positions]; // codes of convolution 2's input, [m, O₁, P]
        int levels = (1 << _layer.MiddleBits) - 1;
        using var noGrad = GradMode.Disable();
        using var threads = Compute.UseThreads(_context.Threads);
        for (int i = 0; i < m; i++)
        {
            _pending.Clear();
            for (int p = 0; p < positions; p++)
            {
                int r = i * positions + p;
                var (sum, abs) = _bound.InputSums(patches.Slice(r * k, k));
                double bound = _bound.Bound(abs);
                for (int c = 0; c < o; c++)
                {
                    double y = _bound.Estimate(c, products[r * o + c], sum);
                    int code = LevelDecision.Code(y, bound + 1e-12 * Math.Abs(y), _layer.Negated1[c], _layer.Thresholds1.AsSpan(c * levels, levels), out bool undecided);
                    if (undecided) _pending.Add((p, c));
                    middle[(i * o + c) * positions + p] = (byte)code;
                }
            }
            if (_pending.Count > 0) Replay(inputCodes.Slice(i * size, size), middle.AsSpan(i * o * positions, o * positions), levels);
        }
        var g2 = _layer.Conv2;
        var values2 = new float[middle.Length];
        for (int t = 0; t < middle.Length; t++) values2[t] = _layer.InputLevels2[middle[t]];
        var y2 = FloatConvolution.Convolve(Tensor.FromArray(values2, m, g2.InChannels, g2.InHeight, g2.InWidth), g2, _weights2, null);
        if (_batchNorm is var (gamma, beta, mean, variance)) y2 = _layer.BatchNorm2!.Apply(y2, gamma, beta, mean, variance);
        var input = Tensor.FromArray(x.ToArray(), m, g1.InChannels, g1.InHeight, g1.InWidth);
        RealActivations.Apply(_layer.Activation, Tensor.Add(y2, _layer.Shortcut.Apply(input))).AsSpan().CopyTo(io.OutputFloats);
    }

    /// <summary>One image's convolution 1 on the levels with the model's operations; decides the pending outputs exactly.</summary>
    private void Replay(ReadOnlySpan<byte> codes, Span<byte> middle, int levels)
    {
        var g1 = _layer.Conv1;
        var values = new float[codes.Length];
        for (int t = 0; t < codes.Length; t++) values[t] = _layer.InputLevels[codes[t]];
        var y = FloatConvolution.Convolve(Tensor.FromArray(values, 1, g1.InChannels, g1.InHeight, g1.InWidth), g1, _weights1, null).AsSpan();
        int positions = g1.Positions;
        foreach (var (p, c) in _pending)
        {
            float v = y[c * positions + p];
            middle[c * positions + p] = (byte)CountReached(_layer.Negated1[c] ? -v : v, _layer.Thresholds1.AsSpan(c * levels, levels));
        }
        _context.Counters.Replays += _pending.Count;
    }

    /// <summary>#{l : z ≥ τ_l} for non-decreasing thresholds.</summary>
    private static int CountReached(float z, ReadOnlySpan<float> thresholds)
    {
        int code = 0;
        while (code < thresholds.Length && z >= thresholds[code]) code++;
        return code;
    }
}
