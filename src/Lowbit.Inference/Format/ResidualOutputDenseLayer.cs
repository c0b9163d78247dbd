namespace Lowbit.Inference.Format;

/// <summary>
/// Last layer of a residual (HBB) network: the float32 dot product y as the training model computes it (see
/// <see cref="ResidualDenseLayer"/>), then the model's float32 bias and batch norm, then the first arg-max.
/// </summary>
/// <remarks>logit = v·Scale + Shift with v = y + Bias, each operation rounded to float32 (as <see cref="BinaryOutputDenseLayer"/>).
/// The layer defines no integer outputs (its output is a sum over plane pairs weighted by float scales); the runtime
/// reports 0 for them and its logits are the model's float32 logits bit for bit.</remarks>
public sealed class ResidualOutputDenseLayer : ResidualDenseLayer
{
    /// <summary>Creates the layer.</summary>
    /// <exception cref="ArgumentException">Sizes disagree, only one of scale/shift is given, or a value is not finite.</exception>
    public ResidualOutputDenseLayer(int inFeatures, int outFeatures, int weightPlanes, int inputPlanes, float[] weightScales, float[] weightLevels,
        float[] inputScales, float[] inputLevels, ulong[] weights, float[]? bias, float[]? scale, float[]? shift)
        : base(inFeatures, outFeatures, weightPlanes, inputPlanes, weightScales, weightLevels, inputScales, inputLevels, weights)
    {
        BinaryOutputDenseLayer.CheckAffine(bias, scale, shift, outFeatures);
        Bias = bias;
        Scale = scale;
        Shift = shift;
    }

    /// <summary>Float bias added to the dot product, or null.</summary>
    public float[]? Bias { get; }

    /// <summary>Batch-norm scale per unit, or null without batch norm.</summary>
    public float[]? Scale { get; }

    /// <summary>Batch-norm shift per unit, or null without batch norm.</summary>
    public float[]? Shift { get; }
}
