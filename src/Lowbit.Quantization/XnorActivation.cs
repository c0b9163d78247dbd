using Lowbit.Tensors;

namespace Lowbit.Quantization;

/// <summary>XNOR-Net binary activations with the per-sample scale K (<c>xnor_act</c>).</summary>
/// <remarks>
/// Dense input x [N, C]: y = sign(x)·K with K[n] = mean_j |x[n, j]| (sign(0) = +1).
/// Convolution input x [N, C, H, W], <c>window: "box"</c> (the default, as in the paper): the convolution receives
/// sign(x) and multiplies its output by K = A ⊛ k, where A[n, h, w] = mean_c |x[n, c, h, w]| and k is the k×k box
/// filter 1/k² applied with the convolution's own stride and zero padding (<see cref="ConvOutputScale"/>;
/// the layer does the filtering). <c>window: "position"</c>: y = sign(x)·A on the input positions, before the
/// convolution (cheaper; equals "box" for 1×1 kernels). With <c>scale: false</c> y = sign(x).
/// Backward: the product rule with sign's clipped STE, g_x = g·K·1[|x| ≤ clip] + (the exact path through K:
/// ∂A/∂x = sign(x)/C, subgradient 0 at x = 0; the box filter is linear).
/// Options: <c>scale</c> (default true), <c>clip</c> (default 1), <c>window</c> (box | position, default box).
/// Paper: Rastegari et al., "XNOR-Net", arXiv 1603.05279.
/// </remarks>
public sealed class XnorActivation : Quantizer
{
    private readonly SteSign _sign;

    /// <summary>Creates the quantizer.</summary>
    /// <param name="scale">Multiply by K.</param>
    /// <param name="clip">STE window half-width (positive).</param>
    /// <exception cref="ArgumentOutOfRangeException">clip is not positive.</exception>
    /// <param name="boxWindow">For convolution inputs: box-filter K over the kernel window on the output (the paper) rather than scale each input position.</param>
    public XnorActivation(bool scale = true, double clip = 1.0, bool boxWindow = true)
    {
        Scale = scale;
        BoxWindow = boxWindow;
        _sign = new SteSign(QuantMath.CheckPositive(clip, nameof(clip), "xnor_act"));
    }

    /// <summary>Whether the output is scaled by K.</summary>
    public bool Scale { get; }

    /// <summary>Whether a convolution box-filters K over its window on the output (<see cref="ConvOutputScale"/>).</summary>
    public bool BoxWindow { get; }

    /// <inheritdoc/>
    public override string Name => "xnor_act";

    /// <inheritdoc/>
    public override IReadOnlyDictionary<string, object>? Options => new Dictionary<string, object>(StringComparer.Ordinal) { ["scale"] = Scale, ["clip"] = _sign.Clip, ["window"] = BoxWindow ? "box" : "position" };

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

    /// <inheritdoc/>
    public override (Tensor Quantized, Tensor Magnitude)? ConvOutputScale(Tensor x, QuantizerContext context)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (!Scale || !BoxWindow || x.Rank != 4) return null;
        return (_sign.Quantize(x, context), Tensor.Mean(Tensor.Abs(x), 1, keepDim: true));
    }
}
