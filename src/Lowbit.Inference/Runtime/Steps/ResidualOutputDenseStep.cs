using Lowbit.Inference.Format;

namespace Lowbit.Inference.Runtime.Steps;

/// <summary>
/// Kind 7 (<see cref="ResidualOutputDenseLayer"/>): the logits computed in float32 on the levels exactly as the model
/// computes them (<see cref="ThresholdReplay.OutputLogits"/>); the kind defines no integer outputs (0 is reported).
/// </summary>
internal sealed class ResidualOutputDenseStep(ResidualOutputDenseLayer layer, StepContext context) : ResidualDenseStep(layer, context)
{
    private readonly ResidualOutputDenseLayer _layer = layer;

    public override void Run(scoped in StepIO io)
    {
        int m = io.Images, n = _layer.InFeatures, c = _layer.OutFeatures;
        ThresholdReplay.OutputLogits(InputValues, io.InputBytes, m, n, c, WeightsFloat, _layer.Bias, _layer.Scale, _layer.Shift,
            Context.Scratch.Floats(0, m * n), io.OutputFloats);
        io.Integers[..(m * c)].Clear();
    }
}
