using Lowbit.Inference.Format;
using Lowbit.Kernels.Bits;

namespace Lowbit.Inference.Runtime.Steps;

/// <summary>
/// Kind 9 (<see cref="BinarySignConvLayer"/>): bit im2col (<see cref="BitIm2Col"/>, ±1 border) into one packed patch row
/// per output position, XNOR-popcount GEMM against the prepacked rows (<see cref="XnorGemm.MultiplyPacked"/>; rows —
/// images × positions — split between threads), then the integer thresholds packed straight into the output pixels.
/// </summary>
internal sealed class BinarySignConvStep : LayerStep
{
    private readonly BinarySignConvLayer _layer;
    private readonly StepContext _context;
    private readonly XnorWeights _weights;
    private readonly int[] _minDot; // dot ≥ _minDot[o] ⇒ +1

    public BinarySignConvStep(BinarySignConvLayer layer, StepContext context)
    {
        _layer = layer;
        _context = context;
        var g = layer.Geometry;
        _weights = XnorWeights.Pack(layer.Weights, g.OutChannels, g.PatchSize);
        _minDot = layer.MaxMismatches.Select(d => g.PatchSize - 2 * d).ToArray();
    }

    public override void Run(scoped in StepIO io)
    {
        var g = _layer.Geometry;
        int m = io.Images, rows = m * g.Positions, patchWords = BitIm2Col.PatchWords(g.InChannels, g.Kernel, g.Kernel);
        int o = g.OutChannels, words = BitLayout.WordsPerRow(o);
        var patches = _context.Scratch.Words(0, rows * patchWords);
        BitIm2Col.Transform(io.InputWords, m, g.InHeight, g.InWidth, g.InChannels, g.Kernel, g.Kernel, g.Stride, g.Stride, g.Padding, g.Padding,
            g.PadValue > 0, patches);
        var dots = _context.Scratch.Ints(0, rows * o);
        XnorGemm.MultiplyPacked(patches, _weights, rows, dots, _context.Threads);
        for (int r = 0; r < rows; r++)
        {
            var row = dots.Slice(r * o, o);
            var outRow = io.OutputWords.Slice(r * words, words);
            for (int w = 0; w < words; w++)
            {
                int start = w * 64, count = Math.Min(64, o - start);
                outRow[w] = ThresholdBits.AtLeast(row.Slice(start, count), _minDot.AsSpan(start, count));
            }
        }
    }
}
