using Lowbit.Tensors;

namespace Lowbit.Quantization;

/// <summary>Sign with the SignSwish surrogate gradient of BNN+ (<c>swish_sign</c>).</summary>
/// <remarks>
/// Forward: q(x) = +1 if x ≥ 0 else −1 (sign(0) = +1).
/// Backward: dq/dx := dSS_β/dx = β(2 − βx·tanh(βx/2)) / (1 + cosh(βx)), the derivative of
/// SS_β(x) = 2σ(βx)(1 + βx(1 − σ(βx))) − 1. It equals β at 0, is negative for large |x| and tends to 0.
/// Options: <c>beta</c> (β &gt; 0, default 5 as in Larq; the paper's β settings are not confirmed, our choice).
/// Paper: Darabi et al., "BNN+: Improved Binary Network Training" / "Regularized Binary Network Training",
/// arXiv 1812.11800 (METHODS.md §1.2, §12).
/// </remarks>
public sealed class SwishSign : Quantizer
{
    /// <summary>Creates the quantizer.</summary>
    /// <param name="beta">Sharpness β (positive, finite).</param>
    /// <exception cref="ArgumentOutOfRangeException">β is not positive and finite.</exception>
    public SwishSign(double beta = 5.0) => Beta = QuantMath.CheckPositive(beta, nameof(beta), "swish_sign");

    /// <summary>Sharpness β.</summary>
    public double Beta { get; }

    /// <inheritdoc/>
    public override string Name => "swish_sign";

    /// <inheritdoc/>
    public override double BitWidth => 1;

    /// <summary>dSS_β/dx = β(2 − βx·tanh(βx/2)) / (1 + cosh(βx)); 0 once cosh overflows.</summary>
    public static double Derivative(double x, double beta)
    {
        double bx = beta * x;
        double denominator = 1 + Math.Cosh(bx);
        if (double.IsInfinity(denominator)) return 0;
        return beta * (2 - bx * Math.Tanh(bx / 2)) / denominator;
    }

    /// <inheritdoc/>
    public override Tensor Quantize(Tensor x, QuantizerContext context)
    {
        ArgumentNullException.ThrowIfNull(x);
        double beta = Beta;
        return QuantMath.Apply(x, (double v, int _, out double slope) =>
        {
            slope = Derivative(v, beta);
            return QuantMath.Sign(v);
        });
    }
}
