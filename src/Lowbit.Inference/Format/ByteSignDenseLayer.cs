namespace Lowbit.Inference.Format;

/// <summary>
/// First layer on 8-bit pixels: real inputs x = table[p] (the model's own normalisation), ±1 weights, and the
/// batch norm + sign of the next layer's input quantizer folded into one float threshold per unit.
/// </summary>
/// <remarks>
/// Unit j outputs +1 iff <c>y_j ≥ Thresholds[j]</c>, where <c>y_j = Σ_t w'_{j,t}·x_t</c> is the float32 dot product
/// the training-time model computes (same kernel, same rounding) with the stored weights w'. Rows whose batch-norm
/// scale is negative are stored negated (w' = −w), which turns "y ≤ τ" into "−y ≥ −τ"; a constant unit has
/// threshold −∞ (always +1) or +∞ (always −1). See docs/FORMAT.md and <c>ThresholdFolding</c>.
/// </remarks>
public sealed class ByteSignDenseLayer : PackedDenseLayer
{
    /// <summary>Creates the layer.</summary>
    /// <exception cref="ArgumentException">Sizes disagree or a threshold is NaN.</exception>
    public ByteSignDenseLayer(int inFeatures, int outFeatures, ulong[] weights, float[] thresholds)
        : base(inFeatures, outFeatures, weights)
    {
        ArgumentNullException.ThrowIfNull(thresholds);
        if (thresholds.Length != outFeatures)
            throw new ArgumentException($"Expected {outFeatures} thresholds but got {thresholds.Length}.", nameof(thresholds));
        for (int j = 0; j < thresholds.Length; j++)
            if (float.IsNaN(thresholds[j])) throw new ArgumentException($"Threshold of unit {j} is NaN.", nameof(thresholds));
        Thresholds = thresholds;
    }

    /// <summary>Float thresholds τ'_j on the (possibly negated) float dot product.</summary>
    public float[] Thresholds { get; }
}
