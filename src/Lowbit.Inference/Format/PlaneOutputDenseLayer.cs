namespace Lowbit.Inference.Format;

/// <summary>
/// Last layer of a k-bit code network: the float32 dot product y (as the training model computes it, see
/// <see cref="PlaneDenseLayer"/>), then the model's float32 bias and batch norm, then the first arg-max.
/// </summary>
/// <remarks>logit = v·Scale + Shift with v = y + Bias, each operation rounded to float32 (as <see cref="BinaryOutputDenseLayer"/>).</remarks>
public sealed class PlaneOutputDenseLayer : PlaneDenseLayer
{
    /// <summary>Creates the layer.</summary>
    /// <exception cref="ArgumentException">Sizes disagree, only one of scale/shift is given, or a value is not finite.</exception>
    public PlaneOutputDenseLayer(int inFeatures, int outFeatures, int weightBits, int inputBits, float[] weightLevels, float[] inputLevels,
        ulong[] weightPlanes, float[]? bias, float[]? scale, float[]? shift)
        : base(inFeatures, outFeatures, weightBits, inputBits, weightLevels, inputLevels, weightPlanes)
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
