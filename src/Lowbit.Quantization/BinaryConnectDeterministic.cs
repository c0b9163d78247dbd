using Lowbit.Tensors;

namespace Lowbit.Quantization;

/// <summary>Deterministic BinaryConnect weight binarization (<c>bc_det</c>).</summary>
/// <remarks>
/// Forward: w_b = +H if w ≥ 0 else −H (sign(0) = +1).
/// Backward: identity straight-through estimator, g_w = g_{w_b} everywhere; keep the latent weights bounded by
/// clipping them to [−H, H] after each step (<c>Parameter.Clip</c>), as the paper does.
/// Options: <c>h</c> (H &gt; 0, default 1).
/// Paper: Courbariaux, Bengio, David, "BinaryConnect", arXiv 1511.00363.
/// </remarks>
public sealed class BinaryConnectDeterministic : Quantizer
{
    /// <summary>Creates the quantizer.</summary>
    /// <param name="h">Binary magnitude H (positive, finite).</param>
    /// <exception cref="ArgumentOutOfRangeException">H is not positive and finite.</exception>
    public BinaryConnectDeterministic(double h = 1.0) => H = QuantMath.CheckPositive(h, nameof(h), "bc_det");

    /// <summary>Binary magnitude H.</summary>
    public double H { get; }

    /// <inheritdoc/>
    public override string Name => "bc_det";

    /// <inheritdoc/>
    public override IReadOnlyDictionary<string, object>? Options => new Dictionary<string, object>(StringComparer.Ordinal) { ["h"] = H };

    /// <inheritdoc/>
    public override double BitWidth => 1;

    /// <inheritdoc/>
    public override Tensor Quantize(Tensor x, QuantizerContext context)
    {
        ArgumentNullException.ThrowIfNull(x);
        double h = H;
        return QuantMath.Apply(x, (double v, int _, out double slope) =>
        {
            slope = 1;
            return h * QuantMath.Sign(v);
        });
    }
}
