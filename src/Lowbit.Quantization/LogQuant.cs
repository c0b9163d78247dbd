using Lowbit.Tensors;

namespace Lowbit.Quantization;

/// <summary>QNN logarithmic (power-of-two) quantizer (<c>log_quant</c>).</summary>
/// <remarks>
/// Forward: e = round(log2|x|) as in AP2 (mantissa ≥ √2 rounds up; no finite double is a tie), then
/// q = sign(x)·2^min(e, e_max) when e ≥ e_min, and q = 0 when e &lt; e_min (underflow) or x = 0.
/// e_max is the option <c>max_exponent</c> (default 0); the exponent range holds 2^(k−1) − 1 values, so
/// e_min = e_max − 2^(k−1) + 2. Signed: 2·(2^(k−1) − 1) + 1 = 2^k − 1 levels (zero plus ± powers).
/// Unsigned: levels {0} ∪ {2^e}, with 2^k − 1 exponents; negative x maps to 0.
/// (Our choice of QNN's logarithmic quantizer, clip(AP2(x), minV, maxV) (Hubara et al., arXiv 1609.07061): clipping
/// to the level range plus an explicit zero for underflow.)
/// Backward: identity STE inside the range, g·1[|x| ≤ 2^e_max] (signed) or g·1[0 ≤ x ≤ 2^e_max] (unsigned), else 0.
/// Options: <c>bits</c> (2..8, default 4), <c>max_exponent</c> (−64..64, default 0), <c>signed</c> (default true).
/// Paper: Hubara et al., "Quantized Neural Networks", arXiv 1609.07061.
/// </remarks>
public sealed class LogQuant : Quantizer
{
    /// <summary>Creates the quantizer.</summary>
    /// <param name="bits">Bits k (2..8).</param>
    /// <param name="maxExponent">Largest exponent e_max (−64..64).</param>
    /// <param name="signed">Signed levels, or non-negative ones.</param>
    /// <exception cref="ArgumentOutOfRangeException">An option is outside its allowed range.</exception>
    public LogQuant(int bits = 4, int maxExponent = 0, bool signed = true)
    {
        Bits = QuantMath.CheckBits(bits, 2, 8, "log_quant");
        if (maxExponent < -64 || maxExponent > 64)
            throw new ArgumentOutOfRangeException(nameof(maxExponent), maxExponent, "log_quant: max_exponent must be in [−64, 64].");
        MaxExponent = maxExponent;
        IsSigned = signed;
    }

    /// <summary>Bits k.</summary>
    public int Bits { get; }

    /// <summary>Largest exponent.</summary>
    public int MaxExponent { get; }

    /// <summary>Smallest exponent before underflow to 0.</summary>
    public int MinExponent => MaxExponent - (IsSigned ? (1 << (Bits - 1)) - 2 : (1 << Bits) - 2);

    /// <summary>Whether levels are signed.</summary>
    public bool IsSigned { get; }

    /// <inheritdoc/>
    public override string Name => "log_quant";

    /// <inheritdoc/>
    public override IReadOnlyDictionary<string, object>? Options => new Dictionary<string, object>(StringComparer.Ordinal) { ["bits"] = Bits, ["max_exponent"] = MaxExponent, ["signed"] = IsSigned };

    /// <inheritdoc/>
    public override double BitWidth => Bits;

    /// <inheritdoc/>
    public override bool Signed => IsSigned;

    /// <inheritdoc/>
    public override Tensor Quantize(Tensor x, QuantizerContext context)
    {
        ArgumentNullException.ThrowIfNull(x);
        int eMax = MaxExponent, eMin = MinExponent;
        bool signed = IsSigned;
        double top = Math.ScaleB(1.0, eMax);
        return QuantMath.Apply(x, (double v, int _, out double slope) =>
        {
            if (!signed && v < 0)
            {
                slope = 0;
                return 0;
            }
            slope = Math.Abs(v) <= top ? 1 : 0;
            if (v == 0) return 0;
            int e = QuantMath.Ap2Exponent(Math.Abs(v));
            if (e < eMin) return 0;
            return Math.CopySign(Math.ScaleB(1.0, Math.Min(e, eMax)), v);
        });
    }
}
