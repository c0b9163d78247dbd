using Lowbit.Tensors;

namespace Lowbit.Quantization;

/// <summary>Stochastic binary weights ±W0 of "Neural Networks with Few Multiplications" (<c>fm_binary</c>).</summary>
/// <remarks>
/// Training forward: q = +W0 with probability p = hard_sigmoid(w/W0) = clip((w/W0 + 1)/2, 0, 1), else −W0
/// (one uniform draw u per element, +W0 when u &lt; p), so E[q] = clip(w, −W0, W0).
/// W0 = option <c>w0</c>, or half the Glorot-uniform bound sqrt(6/(fan_in + fan_out)) of the weight, as in the
/// paper's code (Lin, Courbariaux, Memisevic, Bengio, arXiv 1510.03009).
/// Backward: identity STE. Clip the latent weights to [−W0, W0] after each step as the paper does.
/// Evaluation (option <c>eval</c>): "real" (default; real-valued weights, as for stochastic BinaryConnect) or
/// "sign" (W0·sign(w), sign(0) = +1).
/// Options: <c>w0</c> (&gt; 0, default from the shape), <c>eval</c>.
/// Paper: Lin, Courbariaux, Memisevic, Bengio, arXiv 1510.03009.
/// </remarks>
public sealed class FewMultiplicationsBinary : Quantizer
{
    /// <summary>Creates the quantizer.</summary>
    /// <param name="w0">Binary magnitude W0 (positive), or null to derive it from the weight shape.</param>
    /// <param name="evalMode">"real" or "sign".</param>
    /// <exception cref="ArgumentOutOfRangeException">An option is outside its allowed range.</exception>
    public FewMultiplicationsBinary(double? w0 = null, string evalMode = "real")
    {
        if (w0 is { } v) QuantMath.CheckPositive(v, nameof(w0), "fm_binary");
        if (evalMode is not ("real" or "sign"))
            throw new ArgumentOutOfRangeException(nameof(evalMode), evalMode, "fm_binary: eval must be \"real\" or \"sign\".");
        W0 = w0;
        EvalMode = evalMode;
    }

    /// <summary>Given W0, or null when derived from the weight shape.</summary>
    public double? W0 { get; }

    /// <summary>"real" or "sign".</summary>
    public string EvalMode { get; }

    /// <inheritdoc/>
    public override bool IdentityAtEvaluation => EvalMode == "real";

    /// <inheritdoc/>
    public override string Name => "fm_binary";

    /// <inheritdoc/>
    public override IReadOnlyDictionary<string, object>? Options => QuantizerOptions.Of(("w0", W0), ("eval", EvalMode));

    /// <summary>[−W0, W0]: the paper clips the latent weights to it after every update (used when the config has no weight_clip).</summary>
    public override double? DefaultLatentClip(IReadOnlyList<int> weightShape) => FewMultiplicationsScale.Resolve(W0, weightShape, Name);

    /// <inheritdoc/>
    public override double BitWidth => 1;

    /// <inheritdoc/>
    public override Tensor Quantize(Tensor x, QuantizerContext context)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(context);
        double w0 = FewMultiplicationsScale.Resolve(W0, x, Name);
        if (!context.Training)
        {
            if (EvalMode == "real") return x;
            return QuantMath.Apply(x, (double v, int _, out double slope) =>
            {
                slope = 1;
                return w0 * QuantMath.Sign(v);
            });
        }
        var random = QuantMath.RequireRandom(context, Name);
        return QuantMath.Apply(x, (double v, int _, out double slope) =>
        {
            slope = 1;
            double p = Math.Clamp((v / w0 + 1) / 2, 0, 1);
            return random.NextDouble() < p ? w0 : -w0;
        });
    }
}
