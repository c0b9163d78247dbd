using Lowbit.Tensors;
using Lowbit.Tensors.Autograd;

namespace Lowbit.Quantization;

/// <summary>BNN+ scaled binary weights with a trainable scale α and the pull-to-±α regulariser (<c>bnn_plus_weight</c>).</summary>
/// <remarks>
/// Forward: q_i = α_c·sign(w_i) (sign(0) = +1), c = output channel of w_i when per_channel, else one α.
/// Backward: g_{w_i} = g_i·α_c·SS'_β(w_i) with SS'_β the SignSwish derivative (<see cref="SwishSign.Derivative"/>);
/// g_{α_c} = Σ_{i in c} g_i·sign(w_i) (exact: q is linear in α).
/// Regulariser (added to the loss by the layer via <see cref="Regularization"/>):
/// l1 (Manhattan): λ·Σ_i |α_c − |w_i||; l2 (Euclidean): λ·Σ_i (α_c − |w_i|)²; gradients flow to w and α
/// (subgradient 0 at the kinks |w| = α and w = 0).
/// α initialisation: option <c>alpha</c> when given; otherwise mean|W| (per channel when per_channel) at first use
/// (our choice; the paper's initialisation is not confirmed). Per-channel α needs <c>channels</c> (= dimension 0
/// of the weight) because the learnable tensor is created with the layer.
/// Options: <c>beta</c> (default 5), <c>per_channel</c> (default false), <c>channels</c>, <c>alpha</c>,
/// <c>regularizer</c> ("l1" | "l2" | "none", default "l2"), <c>lambda</c> (λ ≥ 0, default 1e-5; our choice inside the
/// 1e-7…1e-4 sweep range of METHODS.md §12).
/// Paper: Darabi et al., arXiv 1812.11800 (METHODS.md §12).
/// </remarks>
public sealed class BnnPlusWeight : Quantizer
{
    private Tensor _alpha;
    private readonly Tensor _initialized = Tensor.Zeros(1);

    /// <summary>Creates the quantizer.</summary>
    /// <param name="beta">SignSwish sharpness (positive).</param>
    /// <param name="perChannel">One α per output channel (dimension 0) instead of one per layer.</param>
    /// <param name="channels">Output channels; required (≥ 1) when per-channel, must be 1 or 0 otherwise.</param>
    /// <param name="alpha">Initial α (positive), or null to initialise from mean|W| at first use.</param>
    /// <param name="regularizer">"l1", "l2" or "none".</param>
    /// <param name="lambda">Regulariser strength λ ≥ 0.</param>
    /// <exception cref="ArgumentOutOfRangeException">An option is outside its allowed range.</exception>
    public BnnPlusWeight(double beta = 5.0, bool perChannel = false, int channels = 0, double? alpha = null, string regularizer = "l2", double lambda = 1e-5)
    {
        Beta = QuantMath.CheckPositive(beta, nameof(beta), Name);
        if (perChannel && channels < 1)
            throw new ArgumentOutOfRangeException(nameof(channels), channels, "bnn_plus_weight: per_channel needs channels ≥ 1 (the weight's output channels, dimension 0).");
        if (!perChannel && channels > 1)
            throw new ArgumentOutOfRangeException(nameof(channels), channels, "bnn_plus_weight: channels > 1 needs per_channel: true.");
        if (regularizer is not ("l1" or "l2" or "none"))
            throw new ArgumentOutOfRangeException(nameof(regularizer), regularizer, "bnn_plus_weight: regularizer must be \"l1\", \"l2\" or \"none\".");
        if (!(lambda >= 0) || double.IsInfinity(lambda))
            throw new ArgumentOutOfRangeException(nameof(lambda), lambda, "bnn_plus_weight: lambda must be a finite number ≥ 0.");
        PerChannel = perChannel;
        Regularizer = regularizer;
        Lambda = lambda;
        _alpha = QuantMath.Learnable(alpha is null ? 1.0 : QuantMath.CheckPositive(alpha.Value, nameof(alpha), Name), perChannel ? channels : 1);
        if (alpha is not null) _initialized.Fill(1);
    }

    /// <summary>SignSwish sharpness β.</summary>
    public double Beta { get; }

    /// <summary>Whether α is per output channel.</summary>
    public bool PerChannel { get; }

    /// <summary>Regulariser kind: "l1", "l2" or "none".</summary>
    public string Regularizer { get; }

    /// <summary>Regulariser strength λ.</summary>
    public double Lambda { get; }

    /// <summary>The trainable scale α, shape [channels] or [1].</summary>
    public Tensor Alpha => _alpha;

    /// <inheritdoc/>
    public override string Name => "bnn_plus_weight";

    /// <inheritdoc/>
    public override double BitWidth => 1;

    /// <inheritdoc/>
    public override IReadOnlyList<(string Name, Tensor Value)> LearnableTensors => [("alpha", _alpha)];

    /// <inheritdoc/>
    public override IReadOnlyList<(string Name, Tensor Value)> StateTensors => [("alpha_initialized", _initialized)];

    /// <inheritdoc/>
    public override void ConvertTo(DType type) => _alpha = QuantMath.ConvertLearnable(_alpha, type);

    private void Prepare(Tensor w)
    {
        ArgumentNullException.ThrowIfNull(w);
        int groups = QuantMath.Groups(w, PerChannel, Name);
        if (groups != _alpha.Length)
            throw new ArgumentException($"bnn_plus_weight: weight {ShapeUtil.Format(w.ShapeSpan)} has {groups} output channels but α has {_alpha.Length} (channels option).", nameof(w));
        if (w.DType != _alpha.DType)
            throw new ArgumentException($"bnn_plus_weight: weight is {w.DType} but α is {_alpha.DType}; call ConvertTo({w.DType}) on the quantizer (or the model).", nameof(w));
        if (_initialized.GetFlat(0) != 0) return;
        var mean = QuantMath.MeanAbs(w, groups);
        for (int c = 0; c < groups; c++) _alpha.SetFlat(c, mean[c] > 0 ? mean[c] : 1.0);
        _initialized.Fill(1);
    }

    /// <inheritdoc/>
    public override Tensor Quantize(Tensor x, QuantizerContext context)
    {
        Prepare(x);
        var w = x.ToDoubleArray();
        var alpha = _alpha.ToDoubleArray();
        int size = w.Length / alpha.Length;
        var q = Tensor.ZerosLike(x);
        // Group by group with direct span writes (same double arithmetic and order as element-wise SetFlat).
        if (q.DType == DType.Float32)
        {
            var qs = q.AsSpan();
            for (int c = 0, i = 0; c < alpha.Length; c++)
                for (int end = i + size; i < end; i++) qs[i] = (float)(alpha[c] * QuantMath.Sign(w[i]));
        }
        else
        {
            for (int i = 0; i < w.Length; i++) q.SetFlat(i, alpha[i / size] * QuantMath.Sign(w[i]));
        }
        var alphaTensor = _alpha;
        double beta = Beta;
        return GradGraph.Record(q, Name, [x, alphaTensor], g =>
        {
            var gw = Tensor.ZerosLike(x);
            var ga = Tensor.ZerosLike(alphaTensor);
            var gaSum = new double[alpha.Length];
            if (g.DType == DType.Float32 && gw.DType == DType.Float32)
            {
                ReadOnlySpan<float> gs = g.AsSpan();
                var gws = gw.AsSpan();
                for (int c = 0, i = 0; c < alpha.Length; c++)
                {
                    double a = alpha[c], sum = 0;
                    for (int end = i + size; i < end; i++)
                    {
                        double gi = gs[i];
                        gws[i] = (float)(gi * a * SwishSign.Derivative(w[i], beta));
                        sum += gi * QuantMath.Sign(w[i]);
                    }
                    gaSum[c] = sum;
                }
            }
            else
            {
                var gs = g.ToDoubleArray();
                for (int i = 0; i < gs.Length; i++)
                {
                    gw.SetFlat(i, gs[i] * alpha[i / size] * SwishSign.Derivative(w[i], beta));
                    gaSum[i / size] += gs[i] * QuantMath.Sign(w[i]);
                }
            }
            for (int c = 0; c < gaSum.Length; c++) ga.SetFlat(c, gaSum[c]);
            return [gw, ga];
        });
    }

    /// <inheritdoc/>
    public override Tensor? Regularization(Tensor latent)
    {
        if (Regularizer == "none" || Lambda == 0) return null;
        Prepare(latent);
        var alpha = _alpha.Reshape(QuantMath.ChannelShape(_alpha.Length, latent.Rank));
        var gap = Tensor.Sub(alpha, Tensor.Abs(latent));
        var penalty = Regularizer == "l1" ? Tensor.Abs(gap) : Tensor.Square(gap);
        return Tensor.MulScalar(Tensor.Sum(penalty), Lambda);
    }
}
