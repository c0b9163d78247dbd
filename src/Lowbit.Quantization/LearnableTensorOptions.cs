namespace Lowbit.Quantization;

/// <summary>
/// How the optimizer treats a quantizer's learnable tensors (<see cref="Quantizer.LearnableOptions"/>); the module
/// hosting the quantizer copies these settings onto the parameters it registers, so no layer or trainer needs to
/// know which quantizer it holds.
/// </summary>
/// <param name="Decay">Whether the optimizer's weight decay applies (PACT decays its clipping level α; scales, steps and bitlengths are not decayed).</param>
/// <param name="Clip">Range the values are clipped to after every optimizer step, or null (BitPruning keeps its bitlengths in [1, max_bits]).</param>
/// <param name="LearningRateScale">Multiplier of the optimizer's learning rate.</param>
/// <param name="PlainGradient">Updated by plain gradient steps whatever the optimizer (BitPruning's <c>bitlength_update: "sgd"</c>).</param>
public sealed record LearnableTensorOptions(bool Decay = false, (double Min, double Max)? Clip = null, double LearningRateScale = 1.0, bool PlainGradient = false)
{
    /// <summary>No decay, no clip, the optimizer's learning rate.</summary>
    public static LearnableTensorOptions Default { get; } = new();
}
