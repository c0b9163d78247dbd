using Lowbit.Tensors;

namespace Lowbit.Quantization;

/// <summary>
/// Binarization by sign with the clipped straight-through estimator (BinaryNet; Larq's <c>ste_sign</c>).
/// </summary>
/// <remarks>
/// Forward: q(x) = +1 if x ≥ 0 else −1 (sign(0) = +1).
/// Backward: dq/dx := 1 if |x| ≤ clip, else 0 (clip = 1 by default; inclusive at the edge).
/// Paper: Courbariaux, Hubara et al., "Binarized Neural Networks", arXiv 1602.02830.
/// </remarks>
public sealed class SteSign : Quantizer
{
    /// <summary>Creates the quantizer.</summary>
    /// <param name="clip">Gradient passes where |x| ≤ clip (must be positive).</param>
    public SteSign(double clip = 1.0)
    {
        if (!(clip > 0) || double.IsInfinity(clip)) throw new ArgumentOutOfRangeException(nameof(clip), clip, "ste_sign: clip must be a positive finite number.");
        Clip = clip;
    }

    /// <summary>Half-width of the window where the gradient passes.</summary>
    public double Clip { get; }

    /// <inheritdoc/>
    public override string Name => "ste_sign";

    /// <inheritdoc/>
    public override IReadOnlyDictionary<string, object>? Options => new Dictionary<string, object>(StringComparer.Ordinal) { ["clip"] = Clip };

    /// <inheritdoc/>
    public override double BitWidth => 1;

    /// <inheritdoc/>
    public override Tensor Quantize(Tensor x, QuantizerContext context)
    {
        ArgumentNullException.ThrowIfNull(x);
        return Tensor.SignSte(x, Clip);
    }
}
