using System.Runtime.Intrinsics;
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
/// <c>regularizer</c> ("l1" | "l2" | "none", default "l2"), <c>lambda</c> (λ ≥ 0, default 1e-5: our choice, inside the
/// range 1e-7…1e-4 worth sweeping; the paper's values are not confirmed).
/// Paper: Darabi et al., arXiv 1812.11800.
/// </remarks>
public sealed class BnnPlusWeight : Quantizer
{
    private Tensor _alpha;
    private readonly Tensor _initialized = Tensor.Zeros(1);

    private readonly int _channels;
    private readonly double? _initialAlpha;

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
        _channels = channels;
        _initialAlpha = alpha;
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
    public override IReadOnlyDictionary<string, object>? Options => QuantizerOptions.Of(("beta", Beta), ("per_channel", PerChannel), ("channels", _channels), ("alpha", _initialAlpha), ("regularizer", Regularizer), ("lambda", Lambda));

    /// <inheritdoc/>
    public override double BitWidth => 1;

    /// <inheritdoc/>
    public override IReadOnlyList<(string Name, Tensor Value)> LearnableTensors => [("alpha", _alpha)];

    /// <inheritdoc/>
    public override IReadOnlyList<(string Name, Tensor Value)> StateTensors => [("alpha_initialized", _initialized)];

    /// <inheritdoc/>
    public override string? FindInvalidState() =>
        !IsFlag(_initialized) ? "bnn_plus_weight: 'alpha_initialized' must be 0 or 1"
        : IndexOfNonPositive(_alpha) is var i and >= 0 ? $"bnn_plus_weight: α = {_alpha.GetFlat(i)} at index {i} must be positive and finite"
        : null;

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
        var alpha = _alpha.ToDoubleArray();
        int size = x.Length / alpha.Length;
        var q = Tensor.ZerosLike(x);
        double beta = Beta;
        var alphaTensor = _alpha;
        if (x.DType == DType.Float32)
        {
            // α·sign(w) rounded once = (float)(±α): a select between the two per group (NaN w gives −α, as Sign does).
            ReadOnlySpan<float> ws = x.AsSpan();
            var qs = q.AsSpan();
            for (int c = 0; c < alpha.Length; c++)
            {
                float plus = (float)alpha[c], minus = (float)-alpha[c];
                var pv = new System.Numerics.Vector<float>(plus);
                var mv = new System.Numerics.Vector<float>(minus);
                var wg = ws.Slice(c * size, size);
                var qg = qs.Slice(c * size, size);
                int i = 0;
                for (; i + System.Numerics.Vector<float>.Count <= size; i += System.Numerics.Vector<float>.Count)
                    System.Numerics.Vector.ConditionalSelect(System.Numerics.Vector.GreaterThanOrEqual(new System.Numerics.Vector<float>(wg[i..]), System.Numerics.Vector<float>.Zero), pv, mv).CopyTo(qg[i..]);
                for (; i < size; i++) qg[i] = wg[i] >= 0 ? plus : minus;
            }
            if (!x.TracksGrad && !alphaTensor.TracksGrad) return q;
            // The backward reads the latent weights of this forward (x is not updated before the backward runs).
            return GradGraph.Record(q, Name, [x, alphaTensor], g => BackwardFloat32(g, x, alphaTensor, alpha, size, beta));
        }

        var w = x.ToDoubleArray();
        for (int i = 0; i < w.Length; i++) q.SetFlat(i, alpha[i / size] * QuantMath.Sign(w[i]));
        return GradGraph.Record(q, Name, [x, alphaTensor], g =>
        {
            var gw = Tensor.ZerosLike(x);
            var ga = Tensor.ZerosLike(alphaTensor);
            var gaSum = new double[alpha.Length];
            var slopes = new double[w.Length];
            SwishSign.Derivatives(w, beta, slopes);
            var gs = g.ToDoubleArray();
            for (int i = 0; i < gs.Length; i++)
            {
                gw.SetFlat(i, gs[i] * alpha[i / size] * slopes[i]);
                gaSum[i / size] += gs[i] * QuantMath.Sign(w[i]);
            }
            for (int c = 0; c < gaSum.Length; c++) ga.SetFlat(c, gaSum[c]);
            return [gw, ga];
        });
    }

    /// <summary>
    /// g_w = g·α·SS'(w) in double, rounded once to float, and g_α = Σ g·sign(w) per group in double: four weights at a
    /// time (<see cref="SwishSign.Evaluate"/>), the group's last 0-3 through a zero-padded vector (padding lanes
    /// carry g = 0), g_α as four lane sums added pairwise at the end (a fixed order: the same on every machine).
    /// </summary>
    private static Tensor[] BackwardFloat32(Tensor g, Tensor x, Tensor alphaTensor, double[] alpha, int size, double beta)
    {
        var gw = Tensor.ZerosLike(x);
        var ga = Tensor.ZerosLike(alphaTensor);
        if (g.DType != DType.Float32) g = g.To(DType.Float32);
        ReadOnlySpan<float> ws = x.AsSpan(), gs = g.AsSpan();
        var gws = gw.AsSpan();
        var b = Vector256.Create(beta);
        var one = Vector256<double>.One;
        Span<double> padW = stackalloc double[4], padG = stackalloc double[4], padOut = stackalloc double[4];
        for (int c = 0; c < alpha.Length; c++)
        {
            var a = Vector256.Create(alpha[c]);
            var sum = Vector256<double>.Zero;
            var wg = ws.Slice(c * size, size);
            var gg = gs.Slice(c * size, size);
            var og = gws.Slice(c * size, size);
            int i = 0;
            for (; i + 4 <= size; i += 4)
            {
                var wv = Vector256.Create((double)wg[i], wg[i + 1], wg[i + 2], wg[i + 3]);
                var gv = Vector256.Create((double)gg[i], gg[i + 1], gg[i + 2], gg[i + 3]);
                var r = gv * a * SwishSign.Evaluate(wv, b);
                og[i] = (float)r[0]; og[i + 1] = (float)r[1]; og[i + 2] = (float)r[2]; og[i + 3] = (float)r[3];
                sum += gv * Vector256.ConditionalSelect(Vector256.GreaterThanOrEqual(wv, Vector256<double>.Zero), one, -one);
            }
            if (i < size)
            {
                padW.Clear();
                padG.Clear();
                for (int t = 0; i + t < size; t++)
                {
                    padW[t] = wg[i + t];
                    padG[t] = gg[i + t];
                }
                var wv = Vector256.Create((ReadOnlySpan<double>)padW);
                var gv = Vector256.Create((ReadOnlySpan<double>)padG);
                (gv * a * SwishSign.Evaluate(wv, b)).CopyTo(padOut);
                for (int t = 0; i + t < size; t++) og[i + t] = (float)padOut[t];
                sum += gv * Vector256.ConditionalSelect(Vector256.GreaterThanOrEqual(wv, Vector256<double>.Zero), one, -one);
            }
            ga.SetFlat(c, (sum[0] + sum[1]) + (sum[2] + sum[3]));
        }
        return [gw, ga];
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
