using Lowbit.Inference.Format;
using Lowbit.Kernels.Bits;

namespace Lowbit.Inference.Runtime.Steps;

/// <summary>
/// Kind 3 (<see cref="BinaryOutputDenseLayer"/>): XNOR-popcount dot products (exact integers, also the integer
/// outputs), then the model's float32 bias and batch norm (<see cref="LogitsHead"/>).
/// </summary>
internal sealed class BinaryOutputDenseStep : LayerStep
{
    private readonly BinaryOutputDenseLayer _layer;
    private readonly StepContext _context;
    private readonly XnorWeights _weights;

    public BinaryOutputDenseStep(BinaryOutputDenseLayer layer, StepContext context)
    {
        _layer = layer;
        _context = context;
        _weights = XnorWeights.Pack(layer.Weights, layer.OutFeatures, layer.InFeatures);
    }

    public override void Run(scoped in StepIO io)
    {
        int m = io.Images, c = _layer.OutFeatures;
        var dots = io.Integers[..(m * c)];
        XnorGemm.MultiplyPacked(io.InputWords[..(m * _layer.WordsPerRow)], _weights, m, dots, _context.Threads);
        var logits = io.OutputFloats[..(m * c)];
        for (int i = 0; i < logits.Length; i++) logits[i] = dots[i];
        LogitsHead.Apply(logits, c, _layer.Bias, _layer.Scale, _layer.Shift);
    }
}
