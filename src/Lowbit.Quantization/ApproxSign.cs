using Lowbit.Tensors;

namespace Lowbit.Quantization;

/// <summary>Sign with the piecewise-polynomial ApproxSign surrogate of Bi-Real Net (<c>approx_sign</c>).</summary>
/// <remarks>
/// Forward: q(x) = +1 if x ≥ 0 else −1 (sign(0) = +1).
/// Backward: dq/dx := 2 − 2|x| for |x| ≤ 1, else 0 (the derivative of the quadratic approximation of sign).
/// No options.
/// Paper: Liu et al., "Bi-Real Net", ECCV 2018, arXiv 1808.00278 (Larq's <c>approx_sign</c>).
/// </remarks>
public sealed class ApproxSign : Quantizer
{
    /// <inheritdoc/>
    public override string Name => "approx_sign";

    /// <inheritdoc/>
    public override IReadOnlyDictionary<string, object>? Options => new Dictionary<string, object>(StringComparer.Ordinal);

    /// <inheritdoc/>
    public override double BitWidth => 1;

    /// <inheritdoc/>
    public override Tensor Quantize(Tensor x, QuantizerContext context)
    {
        ArgumentNullException.ThrowIfNull(x);
        return QuantMath.Apply(x, static (double v, int _, out double slope) =>
        {
            slope = Math.Abs(v) <= 1 ? 2 - 2 * Math.Abs(v) : 0;
            return QuantMath.Sign(v);
        });
    }
}
