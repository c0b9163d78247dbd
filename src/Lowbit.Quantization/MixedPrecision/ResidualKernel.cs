namespace Lowbit.Quantization.MixedPrecision;

/// <summary>
/// Fast path for homogeneous residual binarization (<see cref="ResidualBinarizer"/>): the same x̂ and means as
/// <see cref="ResidualMath.Binarize"/> with an empty bit map, bit for bit, in B + 1 branch-free passes and without
/// allocating.
/// </summary>
/// <remarks>
/// Exactness: μ_i is the same sequential double sum of |r_n| over ascending n as in the reference (the sum for level
/// i + 1 is accumulated in the pass that applies level i, element by element in the same order); ±μ is
/// CopySign(μ, r + 0.0), which equals the reference's μ·(r ≥ 0 ? 1 : −1) for every finite r including −0.0 (r + 0.0
/// is +0.0 then); x̂ and r are updated with the same operations in the same order per element. The residual after
/// the last level is not needed and not computed.
/// </remarks>
internal static class ResidualKernel
{
    /// <summary>x̂ and μ_1..μ_B of one slice.</summary>
    /// <param name="x">Values of the slice (finite).</param>
    /// <param name="bits">B ≥ 1.</param>
    /// <param name="xhat">Output x̂, length of x.</param>
    /// <param name="means">Output μ_1..μ_B.</param>
    /// <param name="residual">Scratch, at least the length of x.</param>
    public static void Binarize(ReadOnlySpan<double> x, int bits, Span<double> xhat, Span<double> means, Span<double> residual)
    {
        int n = x.Length;
        if (xhat.Length != n || residual.Length < n || means.Length < bits || bits < 1)
            throw new ArgumentException($"ResidualKernel: x̂ ({xhat.Length}) must have x's length {n}, the scratch ({residual.Length}) at least that, and means ({means.Length}) at least B = {bits} entries.");
        double sum = 0;
        foreach (double v in x) sum += Math.Abs(v);
        double mu = n > 0 ? sum / n : 0.0;
        means[0] = mu;
        var r = residual[..n];
        if (bits == 1)
        {
            for (int k = 0; k < n; k++) xhat[k] = 0.0 + Math.CopySign(mu, x[k] + 0.0);
            return;
        }
        // Level 1 reads x and writes r; x̂ starts at 0, so 0 + s as in the reference.
        sum = 0;
        for (int k = 0; k < n; k++)
        {
            double v = x[k];
            double s = Math.CopySign(mu, v + 0.0);
            xhat[k] = 0.0 + s;
            double next = v - s;
            r[k] = next;
            sum += Math.Abs(next);
        }
        for (int level = 2; level <= bits; level++)
        {
            mu = n > 0 ? sum / n : 0.0;
            means[level - 1] = mu;
            if (level == bits)
            {
                for (int k = 0; k < n; k++) xhat[k] += Math.CopySign(mu, r[k] + 0.0);
                return;
            }
            sum = 0;
            for (int k = 0; k < n; k++)
            {
                double v = r[k];
                double s = Math.CopySign(mu, v + 0.0);
                xhat[k] += s;
                double next = v - s;
                r[k] = next;
                sum += Math.Abs(next);
            }
        }
    }
}
