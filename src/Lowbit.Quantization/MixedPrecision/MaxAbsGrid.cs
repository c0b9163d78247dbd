namespace Lowbit.Quantization.MixedPrecision;

/// <summary>
/// The uniform b-bit grid of BitPruning (our choice; the paper's range rule is not confirmed): symmetric over [−m, m]
/// with m = max|x| of the group, 2^b levels, Q_b(x) = m·(2·round((x/m + 1)/2·(2^b − 1))/(2^b − 1) − 1).
/// </summary>
/// <remarks>
/// b = 1 gives {−m, +m} (x = 0 maps to +m, matching sign(0) = +1); b = 2 gives {−m, −m/3, m/3, m}. Every x of
/// the group lies in [−m, m], so the identity STE applies everywhere. An all-zero group maps to 0. Rounding is half
/// away from zero.
/// </remarks>
internal static class MaxAbsGrid
{
    /// <summary>Q_b(x) for a group with max-abs <paramref name="m"/>.</summary>
    public static double Quantize(double x, double m, int bits)
    {
        if (m == 0) return 0;
        double levels = Math.ScaleB(1.0, bits) - 1;
        return m * (2 * QuantMath.Round((x / m + 1) / 2 * levels) / levels - 1);
    }

    /// <summary>max|x| of each of <paramref name="groups"/> contiguous groups.</summary>
    public static double[] MaxAbs(double[] v, int groups)
    {
        int size = v.Length / groups;
        var m = new double[groups];
        for (int i = 0; i < v.Length; i++) m[i / size] = Math.Max(m[i / size], Math.Abs(v[i]));
        return m;
    }
}
