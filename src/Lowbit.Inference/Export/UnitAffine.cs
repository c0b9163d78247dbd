namespace Lowbit.Inference.Export;

/// <summary>
/// The float32 operations the training-time model applies to one unit's dot product y: optional bias, then
/// optional eval-mode batch norm, each operation rounded to float32 separately (as Tensor.Add and Tensor.BatchNorm do).
/// Batch norm on feature maps (planes of at least 32 values per channel, <see cref="Lowbit.Tensors.Tensor.BatchNormCentersPlanes"/>)
/// is <c>fma(v − Center, Scale, Shift)</c> with one rounding; on dense features it is <c>fl(fl(v·Scale) + Shift)</c>.
/// <c>v = y + Bias</c>.
/// </summary>
/// <param name="HasBias">Whether a bias is added.</param>
/// <param name="Bias">The float32 bias.</param>
/// <param name="HasBatchNorm">Whether batch norm follows.</param>
/// <param name="Scale">float32(γ/sqrt(σ²+ε)) computed in double, as Tensor.BatchNorm does.</param>
/// <param name="Shift">Dense: float32(β − μ·scale); centered: float32(β − (μ − Center)·scale), both computed in double.</param>
/// <param name="Centered">Whether batch norm is the centered fused multiply-add of feature maps.</param>
/// <param name="Center">float32(μ) for the centered form.</param>
internal readonly record struct UnitAffine(bool HasBias, float Bias, bool HasBatchNorm, float Scale, float Shift, bool Centered = false, float Center = 0f)
{
    /// <summary>The batch-norm scale and shift exactly as Tensor.BatchNorm derives them in evaluation mode.</summary>
    /// <remarks>scale = γ·(1/sqrt(σ² + ε)), shift = β − μ·scale in double, then each rounded to float32.</remarks>
    public static (float Scale, float Shift) BatchNormCoefficients(double gamma, double beta, double mean, double variance, double epsilon)
    {
        double invStd = 1.0 / Math.Sqrt(variance + epsilon);
        double scale = gamma * invStd;
        double shift = beta - mean * scale;
        return ((float)scale, (float)shift);
    }

    /// <summary>The batch-norm (center, scale, shift) of the centered form, as Tensor.BatchNorm derives them for feature maps.</summary>
    public static (float Center, float Scale, float Shift) CenteredBatchNormCoefficients(double gamma, double beta, double mean, double variance, double epsilon) =>
        Lowbit.Tensors.Tensor.BatchNormCenteredCoefficients(mean, variance, epsilon, gamma, beta);

    /// <summary>The unit's float32 output for dot product <paramref name="y"/>.</summary>
    public float Apply(float y)
    {
        float v = HasBias ? y + Bias : y;
        if (!HasBatchNorm) return v;
        return Centered ? MathF.FusedMultiplyAdd(v - Center, Scale, Shift) : v * Scale + Shift;
    }

    /// <summary>The sign the next layer's ste_sign takes: +1 iff Apply(y) ≥ 0.</summary>
    public bool Sign(float y) => Apply(y) >= 0f;

    /// <summary>−1 if <see cref="Apply"/> is non-increasing in y, +1 if non-decreasing, 0 if constant.</summary>
    /// <remarks>
    /// Float rounding is monotone, so y ↦ fl(fl(y + b)·s + t) and y ↦ fma(fl(fl(y + b) − c), s, t) are monotone with the
    /// direction of s.
    /// </remarks>
    public int Direction => !HasBatchNorm || Scale > 0 ? 1 : Scale < 0 ? -1 : 0;

    /// <summary>Whether all parameters are finite (required for the monotonicity argument).</summary>
    public bool IsFinite => float.IsFinite(Bias) && float.IsFinite(Scale) && float.IsFinite(Shift) && float.IsFinite(Center);
}
