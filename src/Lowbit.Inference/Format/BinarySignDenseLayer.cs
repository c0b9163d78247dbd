namespace Lowbit.Inference.Format;

/// <summary>
/// Hidden binary layer: ±1 inputs, ±1 weights, batch norm + sign folded into an integer threshold per unit.
/// </summary>
/// <remarks>
/// With <c>d_j = popcount(x XOR w'_j)</c> (mismatching signs; x·w' = N − 2·d), unit j outputs +1 iff
/// <c>d_j ≤ MaxMismatches[j]</c>. Rows whose batch-norm scale is negative are stored negated (w' = −w).
/// MaxMismatches[j] = −1 means always −1, = N means always +1 (METHODS 15.5; folding in <c>ThresholdFolding</c>).
/// </remarks>
public sealed class BinarySignDenseLayer : PackedDenseLayer
{
    /// <summary>Creates the layer.</summary>
    /// <exception cref="ArgumentException">Sizes disagree or a threshold lies outside [−1, InFeatures].</exception>
    public BinarySignDenseLayer(int inFeatures, int outFeatures, ulong[] weights, int[] maxMismatches)
        : base(inFeatures, outFeatures, weights)
    {
        ArgumentNullException.ThrowIfNull(maxMismatches);
        if (maxMismatches.Length != outFeatures)
            throw new ArgumentException($"Expected {outFeatures} thresholds but got {maxMismatches.Length}.", nameof(maxMismatches));
        for (int j = 0; j < maxMismatches.Length; j++)
            if (maxMismatches[j] < -1 || maxMismatches[j] > inFeatures)
                throw new ArgumentException($"Threshold of unit {j} is {maxMismatches[j]}; allowed is [-1, {inFeatures}].", nameof(maxMismatches));
        MaxMismatches = maxMismatches;
    }

    /// <summary>Largest number of mismatching signs for which a unit outputs +1.</summary>
    public int[] MaxMismatches { get; }
}
