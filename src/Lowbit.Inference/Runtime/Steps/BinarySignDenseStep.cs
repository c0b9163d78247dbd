using Lowbit.Inference.Format;
using Lowbit.Kernels.Bits;

namespace Lowbit.Inference.Runtime.Steps;

/// <summary>
/// Kind 2 (<see cref="BinarySignDenseLayer"/>): XNOR-popcount dot products (<see cref="XnorGemm"/>) against integer
/// thresholds, packed straight into the next layer's input bits.
/// </summary>
internal sealed class BinarySignDenseStep : LayerStep
{
    private readonly BinarySignDenseLayer _layer;
    private readonly StepContext _context;
    private readonly XnorWeights _weights; // packed once into GEMM panels
    private readonly int[] _minDot;        // dot ≥ _minDot[j] ⇒ +1

    public BinarySignDenseStep(BinarySignDenseLayer layer, StepContext context)
    {
        _layer = layer;
        _context = context;
        _weights = XnorWeights.Pack(layer.Weights, layer.OutFeatures, layer.InFeatures);
        _minDot = layer.MaxMismatches.Select(d => layer.InFeatures - 2 * d).ToArray();
    }

    public override void Run(scoped in StepIO io)
    {
        int m = io.Images, n = _layer.OutFeatures, words = BitLayout.WordsPerRow(n);
        var dots = _context.Scratch.Ints(0, m * n);
        XnorGemm.MultiplyPacked(io.InputWords[..(m * _layer.WordsPerRow)], _weights, m, dots, _context.Threads);
        for (int i = 0; i < m; i++)
        {
            var row = dots.Slice(i * n, n);
            var outRow = io.OutputWords.Slice(i * words, words);
            for (int w = 0; w < words; w++)
            {
                int start = w * 64, count = Math.Min(64, n - start);
                outRow[w] = ThresholdBits.AtLeast(row.Slice(start, count), _minDot.AsSpan(start, count));
            }
        }
    }
}
