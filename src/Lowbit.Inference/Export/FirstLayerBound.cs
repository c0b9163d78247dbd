namespace Lowbit.Inference.Export;

/// <summary>
/// Error bound that lets the first layer use exact integer pixel sums instead of the float32 dot product the
/// training model computes, falling back to the float32 product only where the bound cannot decide.
/// </summary>
/// <remarks>
/// The model computes yf = float32 sum of ±x_t with x_t = table[p_t]. With the affine fit x ≈ a·p + b
/// (a = (table[255] − table[0])/255, b = table[0], δ = max_p |table[p] − (a·p + b)|) the integer sum S = Σ w_t·p_t
/// and W = Σ w_t give y_e = a·S + b·W with
/// <c>|yf − y_e| ≤ γ_{k−1}·Σ|x_t| + k·δ ≤ γ_{k−1}·k·max|x| + k·δ</c>, γ_m = m·u/(1 − m·u), u = 2⁻²⁴ (Higham,
/// "Accuracy and Stability of Numerical Algorithms", 2nd ed., §4.2: holds for any summation order, and a
/// fused multiply-add by ±1 is one rounded addition). A slack of 1e-9·(1 + k·max|x|) covers the double
/// arithmetic of y_e.
/// </remarks>
internal static class FirstLayerBound
{
    /// <summary>Unit roundoff of float32.</summary>
    public const double UnitRoundoff = 1.0 / (1 << 24);

    /// <summary>γ_m = m·u/(1 − m·u) for m = n − 1 additions.</summary>
    public static double Gamma(int n)
    {
        double mu = Math.Max(n - 1, 0) * UnitRoundoff;
        if (mu >= 0.5) throw new ArgumentOutOfRangeException(nameof(n), n, "Reduction too long for a float32 error bound.");
        return mu / (1 - mu);
    }

    /// <summary>The affine fit of the pixel table and the bound B on |yf − y_e| for reduction length <paramref name="k"/>.</summary>
    public static (double A, double B, double Bound) Compute(ReadOnlySpan<float> table, int k)
    {
        double a = ((double)table[255] - table[0]) / 255.0, b = table[0];
        double delta = 0, maxAbs = 0;
        for (int p = 0; p < table.Length; p++)
        {
            delta = Math.Max(delta, Math.Abs(table[p] - (a * p + b)));
            maxAbs = Math.Max(maxAbs, Math.Abs((double)table[p]));
        }
        double bound = Gamma(k) * k * maxAbs + k * delta + 1e-9 * (1 + k * maxAbs);
        return (a, b, bound * 1.01);
    }
}
