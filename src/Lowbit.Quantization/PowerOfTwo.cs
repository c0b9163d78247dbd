namespace Lowbit.Quantization;

/// <summary>
/// The power-of-two approximation AP2 used by shift-based batch norm, shift-based AdaMax and the logarithmic
/// quantizers: AP2(x) = sign(x)·2^round(log2|x|), so that multiplying by AP2(x) is a bit shift.
/// </summary>
/// <remarks>
/// The exponent is rounded exactly from the binary representation: |x| = m·2^e with m in [1, 2) rounds up when
/// m ≥ √2. √2 is irrational, so no finite double is a tie. AP2(0) = 0; infinities and NaN pass through.
/// Source: the AP2 operator of BinaryNet (Courbariaux, Hubara et al., arXiv 1602.02830).
/// </remarks>
public static class PowerOfTwo
{
    /// <summary>AP2(x) = sign(x)·2^round(log2|x|).</summary>
    /// <param name="x">Any double.</param>
    /// <returns>The nearest power of two in the log domain, with x's sign; 0 for 0.</returns>
    public static double Approximate(double x)
    {
        if (x == 0) return 0;
        if (!double.IsFinite(x)) return x;
        return Math.CopySign(Math.ScaleB(1.0, RoundedExponent(Math.Abs(x))), x);
    }

    /// <summary>round(log2 a) for finite a &gt; 0 (mantissa ≥ √2 rounds up).</summary>
    /// <param name="a">A positive finite number.</param>
    /// <exception cref="ArgumentOutOfRangeException">a is not positive and finite.</exception>
    public static int RoundedExponent(double a)
    {
        if (!(a > 0) || !double.IsFinite(a)) throw new ArgumentOutOfRangeException(nameof(a), a, "RoundedExponent needs a positive finite number.");
        int e = Math.ILogB(a);
        double m = Math.ScaleB(a, -e);
        return m >= Math.Sqrt(2.0) ? e + 1 : e;
    }
}
