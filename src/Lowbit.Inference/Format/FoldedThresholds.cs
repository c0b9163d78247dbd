namespace Lowbit.Inference.Format;

/// <summary>Checks shared by the layers that fold batch norm + an activation quantizer into per-unit thresholds.</summary>
internal static class FoldedThresholds
{
    /// <summary>
    /// Throws unless there is one direction flag per unit and <paramref name="levels"/> thresholds per unit, none NaN,
    /// non-decreasing within each unit (±∞ allowed).
    /// </summary>
    public static void Validate(int outFeatures, int levels, bool[] negated, float[] thresholds)
    {
        ArgumentNullException.ThrowIfNull(negated);
        ArgumentNullException.ThrowIfNull(thresholds);
        if (negated.Length != outFeatures) throw new ArgumentException($"Expected {outFeatures} direction flags but got {negated.Length}.", nameof(negated));
        if (thresholds.Length != (long)outFeatures * levels)
            throw new ArgumentException($"Expected {outFeatures}·{levels} thresholds but got {thresholds.Length}.", nameof(thresholds));
        for (int j = 0; j < outFeatures; j++)
            for (int l = 0; l < levels; l++)
            {
                float t = thresholds[j * levels + l];
                if (float.IsNaN(t)) throw new ArgumentException($"Threshold {l} of unit {j} is NaN.", nameof(thresholds));
                if (l > 0 && t < thresholds[j * levels + l - 1])
                    throw new ArgumentException($"Thresholds of unit {j} decrease at level {l} ({thresholds[j * levels + l - 1]} then {t}); they must be non-decreasing.", nameof(thresholds));
            }
    }
}
