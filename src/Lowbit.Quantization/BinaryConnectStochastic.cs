using Lowbit.Tensors;

namespace Lowbit.Quantization;

/// <summary>Stochastic BinaryConnect weight binarization (<c>bc_stoch</c>).</summary>
/// <remarks>
/// Training forward: w_b = +H with probability p = hard_sigmoid(w/H) = clip((w/H + 1)/2, 0, 1), else −H; one
/// uniform draw u ∈ [0, 1) per element from <see cref="QuantizerContext.Random"/>, +H when u &lt; p.
/// So E[w_b] = clip(w, −H, H): unbiased inside the clip range.
/// Backward: identity straight-through estimator, g_w = g_{w_b}.
/// Evaluation (option <c>eval</c>): <c>"real"</c> (default) uses the real-valued weights unchanged, as the paper
/// evaluates stochastic BinaryConnect; <c>"sign"</c> uses H·sign(w) (sign(0) = +1).
/// Options: <c>h</c> (default 1), <c>eval</c> ("real" | "sign").
/// Paper: Courbariaux, Bengio, David, "BinaryConnect", arXiv 1511.00363.
/// </remarks>
public sealed class BinaryConnectStochastic : Quantizer
{
    /// <summary>Creates the quantizer.</summary>
    /// <param name="h">Binary magnitude H (positive, finite).</param>
    /// <param name="evalMode">"real" or "sign".</param>
    /// <exception cref="ArgumentOutOfRangeException">H is not positive or evalMode is unknown.</exception>
    public BinaryConnectStochastic(double h = 1.0, string evalMode = "real")
    {
        H = QuantMath.CheckPositive(h, nameof(h), "bc_stoch");
        if (evalMode is not ("real" or "sign"))
            throw new ArgumentOutOfRangeException(nameof(evalMode), evalMode, "bc_stoch: eval must be \"real\" or \"sign\".");
        EvalMode = evalMode;
    }

    /// <summary>Binary magnitude H.</summary>
    public double H { get; }

    /// <summary>Evaluation behaviour: "real" or "sign".</summary>
    public string EvalMode { get; }

    /// <inheritdoc/>
    public override bool IdentityAtEvaluation => EvalMode == "real";

    /// <inheritdoc/>
    public override string Name => "bc_stoch";

    /// <inheritdoc/>
    public override IReadOnlyDictionary<string, object>? Options => new Dictionary<string, object>(StringComparer.Ordinal) { ["h"] = H, ["eval"] = EvalMode };

    /// <inheritdoc/>
    public override double BitWidth => 1;

    /// <inheritdoc/>
    public override Tensor Quantize(Tensor x, QuantizerContext context)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(context);
        double h = H;
        if (!context.Training)
        {
            if (EvalMode == "real") return x;
            return QuantMath.Apply(x, (double v, int _, out double slope) =>
            {
                slope = 1;
                return h * QuantMath.Sign(v);
            });
        }
        var random = QuantMath.RequireRandom(context, Name);
        return QuantMath.Apply(x, (double v, int _, out double slope) =>
        {
            slope = 1;
            double p = Math.Clamp((v / h + 1) / 2, 0, 1);
            return random.NextDouble() < p ? h : -h;
        });
    }
}
