namespace Lowbit.Quantization.MixedPrecision;

/// <summary>
/// Residual binarization of one slice, homogeneous or with a bit map (docs/MIXED-PRECISION.md). Reference loop in
/// double precision: no SIMD, sequential sums.
/// </summary>
internal static class ResidualMath
{
    /// <summary>
    /// For i = 1..maxBits: μ_i = mean_{n∈A_i} |r_n| (0 when A_i is empty); for n ∈ A_i: x̂_n += μ_i·s_n,
    /// r_n −= μ_i·s_n with s_n = sign(r_n) (sign(0) = +1). A_i = all elements (no bit map) or {n : M_n ≥ i}.
    /// </summary>
    /// <param name="x">Values of the slice.</param>
    /// <param name="bitMap">Bits per element (1..maxBits), or empty for homogeneous maxBits.</param>
    /// <param name="maxBits">Number of levels B (B_max).</param>
    /// <param name="xhat">Output x̂, length of x.</param>
    /// <param name="means">Output μ_1..μ_B.</param>
    /// <param name="signs">Optional sign planes [B][offset + n]: ±1 on A_i, 0 outside.</param>
    /// <param name="offset">Offset of this slice inside each sign plane.</param>
    /// <param name="residualTrace">Optional [B][n]: r at the start of level i for n ∈ A_i, NaN outside (tests).</param>
    public static void Binarize(
        ReadOnlySpan<double> x, ReadOnlySpan<byte> bitMap, int maxBits, Span<double> xhat, Span<double> means,
        sbyte[][]? signs = null, int offset = 0, double[][]? residualTrace = null)
    {
        var r = x.ToArray();
        xhat.Clear();
        for (int level = 1; level <= maxBits; level++)
        {
            double sum = 0;
            int count = 0;
            for (int n = 0; n < r.Length; n++)
            {
                if (!bitMap.IsEmpty && bitMap[n] < level) continue;
                sum += Math.Abs(r[n]);
                count++;
            }
            double mu = count > 0 ? sum / count : 0.0;
            means[level - 1] = mu;
            for (int n = 0; n < r.Length; n++)
            {
                bool active = bitMap.IsEmpty || bitMap[n] >= level;
                if (residualTrace is not null) residualTrace[level - 1][n] = active ? r[n] : double.NaN;
                if (!active) continue;
                double s = r[n] >= 0 ? 1.0 : -1.0;
                xhat[n] += mu * s;
                r[n] -= mu * s;
                if (signs is not null) signs[level - 1][offset + n] = (sbyte)s;
            }
        }
    }
}
