namespace Lowbit.Inference.Format;

/// <summary>
/// Last layer: ±1 inputs and weights give an exact integer dot product y; the float part of the model (bias, batch
/// norm) is then applied in float32 exactly as the training-time model does, and the class is the first arg-max.
/// </summary>
/// <remarks>
/// logit = v·Scale + Shift with v = (float)y + Bias (each operation rounded to float32, no fused multiply-add);
/// a missing bias or batch norm skips its step. Scale and Shift are the float32 values the training code derives
/// in double from γ, β, μ, σ², ε: scale = γ/sqrt(σ²+ε), shift = β − μ·scale.
/// </remarks>
public sealed class BinaryOutputDenseLayer : PackedDenseLayer
{
    /// <summary>Creates the layer.</summary>
    /// <exception cref="ArgumentException">Sizes disagree, only one of scale/shift is given, or a value is not finite.</exception>
    public BinaryOutputDenseLayer(int inFeatures, int outFeatures, ulong[] weights, float[]? bias, float[]? scale, float[]? shift)
        : base(inFeatures, outFeatures, weights)
    {
        CheckAffine(bias, scale, shift, outFeatures);
        Bias = bias;
        Scale = scale;
        Shift = shift;
    }

    /// <summary>Float bias added to the integer dot product, or null.</summary>
    public float[]? Bias { get; }

    /// <summary>Batch-norm scale per unit, or null without batch norm.</summary>
    public float[]? Scale { get; }

    /// <summary>Batch-norm shift per unit, or null without batch norm.</summary>
    public float[]? Shift { get; }

    /// <summary>Checks an output layer's optional bias and batch-norm scale/shift (both or neither): one finite value per unit.</summary>
    internal static void CheckAffine(float[]? bias, float[]? scale, float[]? shift, int outFeatures)
    {
        if ((scale is null) != (shift is null))
            throw new ArgumentException("Batch-norm scale and shift must both be present or both absent.", nameof(scale));
        CheckValues(bias, nameof(bias), outFeatures);
        CheckValues(scale, nameof(scale), outFeatures);
        CheckValues(shift, nameof(shift), outFeatures);
    }

    internal static void CheckValues(float[]? values, string name, int count)
    {
        if (values is null) return;
        if (values.Length != count) throw new ArgumentException($"Expected {count} values in {name} but got {values.Length}.", name);
        for (int j = 0; j < values.Length; j++)
            if (!float.IsFinite(values[j])) throw new ArgumentException($"{name}[{j}] is {values[j]}; it must be finite.", name);
    }
}
