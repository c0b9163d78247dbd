namespace Lowbit.Inference.Format;

/// <summary>
/// A residual (HBB) layer whose batch norm and the next layer's residual activation quantizer (frozen means) are
/// folded into <c>2^OutputPlanes − 1</c> float thresholds per unit: the unit's output code is the number of thresholds
/// its (direction-adjusted) float32 dot product reaches, and the code's bits are the next layer's ±1 input planes.
/// </summary>
/// <remarks>As <see cref="PlaneThresholdDenseLayer"/>: z_j = Negated[j] ? −y_j : y_j, code = #{l : z_j ≥ τ_{j,l}}, thresholds non-decreasing, ±∞ allowed, never NaN.</remarks>
public sealed class ResidualThresholdDenseLayer : ResidualDenseLayer
{
    /// <summary>Creates the layer.</summary>
    /// <exception cref="ArgumentException">Sizes disagree, or a threshold is NaN or out of order.</exception>
    public ResidualThresholdDenseLayer(int inFeatures, int outFeatures, int weightPlanes, int inputPlanes, float[] weightScales, float[] weightLevels,
        float[] inputScales, float[] inputLevels, ulong[] weights, int outputPlanes, bool[] negated, float[] thresholds)
        : base(inFeatures, outFeatures, weightPlanes, inputPlanes, weightScales, weightLevels, inputScales, inputLevels, weights)
    {
        if (outputPlanes < 1 || outputPlanes > MaxPlanes) throw new ArgumentOutOfRangeException(nameof(outputPlanes), outputPlanes, $"Output planes must be in [1, {MaxPlanes}].");
        FoldedThresholds.Validate(outFeatures, (1 << outputPlanes) - 1, negated, thresholds);
        OutputPlanes = outputPlanes;
        Negated = negated;
        Thresholds = thresholds;
    }

    /// <summary>Planes of the output code (the next layer's <see cref="ResidualDenseLayer.InputPlanes"/>).</summary>
    public int OutputPlanes { get; }

    /// <summary>Thresholds per unit: 2^OutputPlanes − 1.</summary>
    public int ThresholdsPerUnit => (1 << OutputPlanes) - 1;

    /// <summary>Per unit: compare −y instead of y (batch-norm scale negative).</summary>
    public bool[] Negated { get; }

    /// <summary>Thresholds <c>[OutFeatures, ThresholdsPerUnit]</c>, non-decreasing per unit.</summary>
    public float[] Thresholds { get; }
}
