namespace Lowbit.Inference.Format;

/// <summary>
/// A k-bit code layer whose batch norm and the next layer's activation quantizer are folded into
/// <c>2^OutputBits − 1</c> float thresholds per unit: the unit's output code is the number of thresholds its
/// (direction-adjusted) float32 dot product reaches.
/// </summary>
/// <remarks>
/// With y_j the float32 dot product the training model computes (<see cref="PlaneDenseLayer"/>) and
/// z_j = Negated[j] ? −y_j : y_j, the output code is <c>#{l : z_j ≥ Thresholds[j·L + l]}</c>, L = 2^OutputBits − 1;
/// thresholds are non-decreasing per unit and may be ±∞ (never NaN). Folding: <c>ThresholdFolding.FoldLevels</c>.
/// </remarks>
public sealed class PlaneThresholdDenseLayer : PlaneDenseLayer
{
    /// <summary>Creates the layer.</summary>
    /// <exception cref="ArgumentException">Sizes disagree, or a threshold is NaN or out of order.</exception>
    public PlaneThresholdDenseLayer(int inFeatures, int outFeatures, int weightBits, int inputBits, float[] weightLevels, float[] inputLevels,
        ulong[] weightPlanes, int outputBits, bool[] negated, float[] thresholds)
        : base(inFeatures, outFeatures, weightBits, inputBits, weightLevels, inputLevels, weightPlanes)
    {
        if (outputBits < 1 || outputBits > MaxBits) throw new ArgumentOutOfRangeException(nameof(outputBits), outputBits, $"Output code bits must be in [1, {MaxBits}].");
        FoldedThresholds.Validate(outFeatures, (1 << outputBits) - 1, negated, thresholds);
        OutputBits = outputBits;
        Negated = negated;
        Thresholds = thresholds;
    }

    /// <summary>Bits of the output code (the next layer's <see cref="PlaneDenseLayer.InputBits"/>).</summary>
    public int OutputBits { get; }

    /// <summary>Thresholds per unit: 2^OutputBits − 1.</summary>
    public int ThresholdsPerUnit => (1 << OutputBits) - 1;

    /// <summary>Per unit: compare −y instead of y (batch-norm scale negative).</summary>
    public bool[] Negated { get; }

    /// <summary>Thresholds <c>[OutFeatures, ThresholdsPerUnit]</c>, non-decreasing per unit.</summary>
    public float[] Thresholds { get; }
}
