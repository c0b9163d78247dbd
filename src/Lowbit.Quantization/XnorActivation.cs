using Lowbit.Tensors;

namespace Lowbit.Quantization;

/// <summary>XNOR-Net binary activations with the per-sample scale K (<c>xnor_act</c>).</summary>
/// <remarks>
/// Forward: y = sign(x)·K (sign(0) = +1). For x [N, C]: K[n] = mean_j |x[n, j]| (shape [N, 1]); for
/// x [N, C, H, W]: K[n, h, w] = mean_c |x[n, c, h, w]| (shape [N, 1, H, W]). The paper also box-filters K over
/// the convolution window; we do not (our choice: K per position, which equals the paper's for 1×1 kernels).
/// With <c>scale: false</c> y = sign(x).
/// Backward: the product rule with sign's clipped STE, g_x = g·K·1[|x| ≤ clip] + (path through K, exact:
/// ∂K/∂x = sign(x)/C, subgradient 0 at x = 0).
/// Options: <c>scale</c> (default true), <c>clip</c> (default 1).
/// Paper: Rastegari et al., "XNOR-Net", arXiv 1603.05279 (METHODS.md §7.1).
/// </remarks>
public sealed class XnorActivation : Quantizer
{
    private readonly SteSign _sign;

    /// <summary>Creates the quantizer.</summary>
    /// <param name="scale">Multiply by K.</param>
    /// <param name="clip">STE window half-width (positive).</param>
    /// <exception cref="ArgumentOutOfRangeException">clip is not positive.</exception>
    public XnorActivation(bool scale = true, double clip = 1.0)
    {
        Scale = scale;
        _sign = new SteSign(QuantMath.CheckPositive(clip, nameof(clip), "xnor_act"));
    }

    /// <summary>Whether the output is scaled by K.</summary>
    public bool Scale { get; }

    /// <inheritdoc/>
    public override string Name => "xnor_act";

    /// <inheritdoc/>
    public override double BitWidth => 1;

    /// <inheritdoc/>
    public override Tensor Quantize(Tensor x, QuantizerContext context)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (x.Rank != 2 && x.Rank != 4)
            throw new ArgumentException($"xnor_act expects activations [batch, features] or [batch, channels, height, width], got {ShapeUtil.Format(x.ShapeSpan)}.", nameof(x));
        var signs = _sign.Quantize(x, context);
        if (!Scale) return signs;
        var k = Tensor.Mean(Tensor.Abs(x), 1, keepDim: true); // [N, 1] or [N, 1, H, W]
        return Tensor.Mul(signs, k);
    }
}
