using Lowbit.Tensors;

namespace Lowbit.Quantization;

/// <summary>Stochastic ternary weights {−W0, 0, W0} of "Neural Networks with Few Multiplications" (<c>fm_ternary</c>).</summary>
/// <remarks>
/// Training forward: w̄ = clip(w/W0, −1, 1); q = sign(w̄)·W0 with probability |w̄|, else 0 (one uniform draw u per
/// element, non-zero when u &lt; |w̄|), so E[q] = clip(w, −W0, W0). This sampling rule is our reading of
/// the paper (Lin et al., arXiv 1510.03009), not checked against the authors' code.
/// W0 = option <c>w0</c>, or half the Glorot-uniform bound of the weight. Backward: identity STE.
/// Evaluation (option <c>eval</c>): "real" (default; real weights) or "round" (W0·round(w̄), i.e. ±W0 when
/// |w̄| ≥ 1/2, else 0; half away from zero).
/// Options: <c>w0</c>, <c>eval</c> ("real" | "round").
/// Paper: Lin, Courbariaux, Memisevic, Bengio, arXiv 1510.03009.
/// </remarks>
public sealed class FewMultiplicationsTernary : Quantizer
{
    /// <summary>Creates the quantizer.</summary>
    /// <param name="w0">Magnitude W0 (positive), or null to derive it from the weight shape.</param>
    /// <param name="evalMode">"real" or "round".</param>
    /// <exception cref="ArgumentOutOfRangeException">An option is outside its allowed range.</exception>
    public FewMultiplicationsTernary(double? w0 = null, string evalMode = "real")
    {
        if (w0 is { } v) QuantMath.CheckPositive(v, nameof(w0), "fm_ternary");
        if (evalMode is not ("real" or "round"))
            throw new ArgumentOutOfRangeException(nameof(evalMode), evalMode, "fm_ternary: eval must be \"real\" or \"round\".");
        W0 = w0;
        EvalMode = evalMode;
    }

    /// <summary>Given W0, or null when derived from the weight shape.</summary>
    public double? W0 { get; }

    /// <summary>"real" or "round".</summary>
    public string EvalMode { get; }

    /// <inheritdoc/>
    public override bool IdentityAtEvaluation => EvalMode == "real";

    /// <inheritdoc/>
    public override string Name => "fm_ternary";

    /// <inheritdoc/>
    public override IReadOnlyDictionary<string, object>? Options => QuantizerOptions.Of(("w0", W0), ("eval", EvalMode));

    /// <summary>[−W0, W0]: the paper clips the latent weights to it after every update (used when the config has no weight_clip).</summary>
    public override double? DefaultLatentClip(IReadOnlyList<int> weightShape) => FewMultiplicationsScale.Resolve(W0, weightShape, Name);

    /// <inheritdoc/>
    public override double BitWidth => 2;

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
                return w0 * QuantMath.Round(Math.Clamp(v / w0, -1, 1));
            });
        }
        var random = QuantMath.RequireRandom(context, Name);
        return QuantMath.Apply(x, (double v, int _, out double slope) =>
        {
            slope = 1;
            double r = Math.Clamp(v / w0, -1, 1);
            return random.NextDouble() < Math.Abs(r) ? Math.CopySign(w0, r) : 0;
        });
    }
}
