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

    /// <summary>
    /// A per-image bound, for a known summation order, of the form B = Constant + PerPixelSum·P with P = Σ_t p_t the
    /// image's pixel sum: |yf − y_e| ≤ B.
    /// </summary>
    /// <remarks>
    /// The order: values t in blocks of <paramref name="block"/>, each block summed left to right from zero, then block
    /// sums added to the running total in order (<see cref="Runtime.SgemmDotEmulation"/>). In any summation tree with
    /// rounded additions ŝ = (ŝ_l + ŝ_r)(1 + ε), |ε| ≤ u, the error of the root is Σ over additions of ε·(ŝ_l + ŝ_r),
    /// and a computed partial sum is at most (1 + u)^h times the sum of |x| below it (h = its height), so
    /// <c>|yf − Σ ±x_t| ≤ (1 + γ_{H+1})·u·Σ_t d_t·|x_t|</c> with d_t the number of additions above value t and H the
    /// tree's height (Higham, 2nd ed., §4.2, the same argument as the order-free bound, which uses d_t ≤ k − 1).
    /// Here d_t ≤ (values from t to the end of its block) + (number of blocks). The pixel sum enters through
    /// |x_t| = |table[p_t]| ≤ |table[0]| + s·p_t, s = max over p ≥ 1 of max(0, |table[p]| − |table[0]|)/p, so
    /// Σ d_t|x_t| ≤ |table[0]|·Σ d_t + max d_t·s·P. The affine fit adds k·δ as in <see cref="Compute"/>.
    /// For MNIST's normalised pixels this is about a twelfth of the order-free bound.
    /// </remarks>
    public static (double Constant, double PerPixelSum) OrderedBound(ReadOnlySpan<float> table, int k, int block)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(block, 1);
        int blocks = (k + block - 1) / block;
        double depthSum = 0;
        int maxDepth = 0;
        for (int t = 0; t < k; t++)
        {
            int start = t / block * block, length = Math.Min(block, k - start);
            int depth = length - (t - start) + blocks;
            depthSum += depth;
            maxDepth = Math.Max(maxDepth, depth);
        }
        double a = ((double)table[255] - table[0]) / 255.0, b = table[0];
        double zeroAbs = Math.Abs((double)table[0]), slope = 0, delta = 0, maxAbs = 0;
        for (int p = 0; p < table.Length; p++)
        {
            double abs = Math.Abs((double)table[p]);
            delta = Math.Max(delta, Math.Abs(table[p] - (a * p + b)));
            maxAbs = Math.Max(maxAbs, abs);
            if (p > 0) slope = Math.Max(slope, Math.Max(0, abs - zeroAbs) / p);
        }
        double growth = (1 + Gamma(k + blocks + 2)) * UnitRoundoff;
        double constant = growth * zeroAbs * depthSum + k * delta + 1e-9 * (1 + k * maxAbs);
        return (constant * 1.01, growth * maxDepth * slope * 1.01);
    }
}
