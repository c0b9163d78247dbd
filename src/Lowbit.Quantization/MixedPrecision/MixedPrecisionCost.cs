namespace Lowbit.Quantization.MixedPrecision;

/// <summary>
/// Bits and bit operations of a heterogeneous (or residual) weight tensor from its per-level active counts |A_j|,
/// with the definitions of docs/COST-MODEL.md (memory and compute sections).
/// </summary>
/// <remarks>
/// Payload P = Σ_{j=1}^{B_max} |A_j| (one sign bit per active weight per plane); average bits n̄ = P/N with N = |A_1|.
/// Nested-mask metadata = Σ_{j=1}^{B_max−1} |A_j|: m_1 is all ones and not stored, m_{j+1} is stored only over A_j
/// (70/20/10 on N = 1000: 1000 + 300 = 1300 bits). Scales: B_max float32 means per slice.
/// BOPs = MAC·n̄·b_a (exact per-level counts instead of N·b_w).
/// </remarks>
public static class MixedPrecisionCost
{
    /// <summary>P = Σ_j |A_j|.</summary>
    /// <param name="activePerLevel">|A_1| ≥ |A_2| ≥ … ≥ 0 (e.g. <see cref="HeterogeneousBinarizer.ActivePerLevel"/>).</param>
    public static long PayloadBits(IReadOnlyList<int> activePerLevel)
    {
        Check(activePerLevel);
        return activePerLevel.Sum(a => (long)a);
    }

    /// <summary>Σ_{j=1}^{B_max−1} |A_j| (0 for a single level).</summary>
    public static long NestedMaskBits(IReadOnlyList<int> activePerLevel)
    {
        Check(activePerLevel);
        long s = 0;
        for (int j = 0; j < activePerLevel.Count - 1; j++) s += activePerLevel[j];
        return s;
    }

    /// <summary>n̄ = P / |A_1| = mean(M).</summary>
    public static double AverageBits(IReadOnlyList<int> activePerLevel)
    {
        Check(activePerLevel);
        return (double)PayloadBits(activePerLevel) / activePerLevel[0];
    }

    /// <summary>32·B_max·slices bits for the per-plane means.</summary>
    public static long ScaleBits(IReadOnlyList<int> activePerLevel, int slices = 1)
    {
        Check(activePerLevel);
        return 32L * activePerLevel.Count * slices;
    }

    /// <summary>MAC·n̄·b_a, with n̄ from the exact per-level counts.</summary>
    /// <param name="macs">Multiply-accumulates per sample.</param>
    /// <param name="activePerLevel">|A_j| of the layer's weights.</param>
    /// <param name="activationBits">Activation planes b_a (32 for float).</param>
    public static double BitOperations(long macs, IReadOnlyList<int> activePerLevel, double activationBits)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(macs);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(activationBits);
        return macs * AverageBits(activePerLevel) * activationBits;
    }

    private static void Check(IReadOnlyList<int> a)
    {
        ArgumentNullException.ThrowIfNull(a);
        if (a.Count == 0 || a[0] <= 0) throw new ArgumentException("Active counts need |A_1| = N ≥ 1.", nameof(a));
        for (int j = 1; j < a.Count; j++)
            if (a[j] < 0 || a[j] > a[j - 1])
                throw new ArgumentException($"Active counts must be non-increasing and ≥ 0; |A_{j + 1}| = {a[j]} after |A_{j}| = {a[j - 1]}.", nameof(a));
    }
}
