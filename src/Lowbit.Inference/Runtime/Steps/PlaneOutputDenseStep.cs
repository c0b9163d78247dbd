using Lowbit.Inference.Format;

namespace Lowbit.Inference.Runtime.Steps;

/// <summary>
/// Kind 5 (<see cref="PlaneOutputDenseLayer"/>): the logits computed in float32 on the levels exactly as the model
/// computes them (<see cref="ThresholdReplay.OutputLogits"/>); the exact code products P are the integer outputs.
/// </summary>
internal sealed class PlaneOutputDenseStep(PlaneOutputDenseLayer layer, StepContext context) : PlaneDenseStep(layer, context)
{
    private readonly PlaneOutputDenseLayer _layer = layer;

    public override void Run(scoped in StepIO io)
    {
        int m = io.Images, n = _layer.InFeatures, c = _layer.OutFeatures;
        var products = Products(io.InputBytes, m);
        ThresholdReplay.OutputLogits(_layer.InputLevels, io.InputBytes, m, n, c, WeightsFloat, _layer.Bias, _layer.Scale, _layer.Shift,
            Context.Scratch.Floats(0, m * n), io.OutputFloats);
        for (int i = 0; i < m * c; i++) io.Integers[i] = (int)products[i]; // fits: PlaneDenseLayer bounds the products by int.MaxValue
    }
}
