using Lowbit.Tensors;
using Lowbit.Tensors.Autograd;

namespace Lowbit.Quantization;

/// <summary>PACT: k-bit activations with a learnable clipping level α (<c>pact</c>).</summary>
/// <remarks>
/// Forward: y = clip(x, 0, α); q = round(y·(2^k − 1)/α)·α/(2^k − 1) (round half away from zero);
/// levels {0, α/(2^k − 1), …, α}. Unsigned.
/// Backward: g_x = g·1[0 ≤ x &lt; α]; g_α = Σ g·1[x ≥ α] (the STE treats round as identity, so inside the range
/// q does not depend on α). α must stay positive (an error otherwise).
/// α is one learnable scalar (a parameter "…alpha"; the layer registers it without weight decay, so the paper's
/// L2 on α is not applied: our choice for now). Options: <c>bits</c> (1..16, default 4), <c>alpha</c> (initial α &gt; 0,
/// default 10).
/// Paper: Choi et al., "PACT", arXiv 1805.06085.
/// </remarks>
public sealed class Pact : Quantizer
{
    private Tensor _alpha;

    private readonly double _initialAlpha;

    /// <summary>Creates the quantizer.</summary>
    /// <param name="bits">Bits k (1..16).</param>
    /// <param name="alpha">Initial α (positive).</param>
    /// <exception cref="ArgumentOutOfRangeException">An option is outside its allowed range.</exception>
    public Pact(int bits = 4, double alpha = 10.0)
    {
        Bits = QuantMath.CheckBits(bits, 1, 16, "pact");
        _initialAlpha = alpha;
        _alpha = QuantMath.Learnable(QuantMath.CheckPositive(alpha, nameof(alpha), "pact"), 1);
    }

    /// <summary>Bits k.</summary>
    public int Bits { get; }

    /// <summary>The learnable clipping level α, shape [1].</summary>
    public Tensor Alpha => _alpha;

    /// <inheritdoc/>
    public override string Name => "pact";

    /// <inheritdoc/>
    public override IReadOnlyDictionary<string, object>? Options => new Dictionary<string, object>(StringComparer.Ordinal) { ["bits"] = Bits, ["alpha"] = _initialAlpha };

    /// <inheritdoc/>
    public override double BitWidth => Bits;

    /// <inheritdoc/>
    public override bool Signed => false;

    /// <inheritdoc/>
    public override IReadOnlyList<(string Name, Tensor Value)> LearnableTensors => [("alpha", _alpha)];

    /// <inheritdoc/>
    /// <remarks>PACT regularises α with the same L2 weight decay as the weights.</remarks>
    public override LearnableTensorOptions LearnableOptions { get; } = new(Decay: true);

    /// <inheritdoc/>
    public override string? FindInvalidState() => IndexOfNonPositive(_alpha) >= 0 ? $"pact: α = {_alpha.GetFlat(0)} must be positive and finite" : null;

    /// <inheritdoc/>
    public override void ConvertTo(DType type) => _alpha = QuantMath.ConvertLearnable(_alpha, type);

    /// <inheritdoc/>
    public override Tensor Quantize(Tensor x, QuantizerContext context)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (x.DType != _alpha.DType)
            throw new ArgumentException($"pact: input is {x.DType} but α is {_alpha.DType}; call ConvertTo({x.DType}) on the quantizer (or the model).", nameof(x));
        double alpha = _alpha.GetFlat(0);
        if (!(alpha > 0) || double.IsInfinity(alpha))
            throw new InvalidOperationException($"pact: α = {alpha} must stay positive and finite; lower the learning rate of '…alpha' or clip it.");
        double levels = Math.ScaleB(1.0, Bits) - 1;
        var v = x.ToDoubleArray();
        var q = Tensor.ZerosLike(x);
        for (int i = 0; i < v.Length; i++)
            q.SetFlat(i, QuantMath.Round(Math.Clamp(v[i], 0, alpha) * levels / alpha) * alpha / levels);
        var alphaTensor = _alpha;
        return GradGraph.Record(q, Name, [x, alphaTensor], g =>
        {
            var gs = g.ToDoubleArray();
            var gx = Tensor.ZerosLike(x);
            double ga = 0;
            for (int i = 0; i < gs.Length; i++)
            {
                if (v[i] >= alpha) ga += gs[i];
                else if (v[i] >= 0) gx.SetFlat(i, gs[i]);
            }
            var gaTensor = Tensor.ZerosLike(alphaTensor);
            gaTensor.SetFlat(0, ga);
            return [gx, gaTensor];
        });
    }
}
