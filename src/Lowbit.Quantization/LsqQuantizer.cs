using Lowbit.Tensors;
using Lowbit.Tensors.Autograd;

namespace Lowbit.Quantization;

/// <summary>LSQ: k-bit uniform quantization with a learned step size s (<c>lsq</c>).</summary>
/// <remarks>
/// Forward: r = v/s; q = round(clip(r, −Q_N, Q_P))·s (round half away from zero); signed b bits:
/// Q_N = 2^(b−1), Q_P = 2^(b−1) − 1; unsigned: Q_N = 0, Q_P = 2^b − 1.
/// Backward: g_v = g·1[−Q_N &lt; r &lt; Q_P] (strict); g_s = γ·Σ g·∂q/∂s with ∂q/∂s = round(r) − r inside,
/// −Q_N for r ≤ −Q_N, Q_P for r ≥ Q_P, and gradient scale γ = 1/sqrt(N·Q_P): N = elements per step (role
/// "weight": the layer's weights, or one output channel's with per_channel) or features per sample (role
/// "activation": elements / batch).
/// Initialisation at first use unless <c>step</c> is given: s = 2·mean|v|/sqrt(Q_P) per step group (1 if the
/// group is all zero; our choice). A state tensor records that it happened, so checkpoints resume exactly.
/// Per-channel steps need <c>channels</c> (= dimension 0 of the weight) because the tensor is created with the
/// layer. s must stay positive (an error otherwise).
/// Options: <c>bits</c> (signed 2..16, unsigned 1..16; default 4), <c>signed</c> (default true), <c>role</c>
/// ("weight" | "activation"), <c>per_channel</c> (weights only), <c>channels</c>, <c>step</c>.
/// Paper: Esser et al., "Learned Step Size Quantization", arXiv 1902.08153.
/// </remarks>
public sealed class LsqQuantizer : Quantizer
{
    private Tensor _step;
    private readonly Tensor _initialized = Tensor.Zeros(1);

    private readonly int _channels;
    private readonly double? _initialStep;

    /// <summary>Creates the quantizer.</summary>
    /// <param name="bits">Bits b.</param>
    /// <param name="signed">Signed or unsigned grid.</param>
    /// <param name="role">"weight" or "activation" (chooses N of the gradient scale).</param>
    /// <param name="perChannel">One step per output channel (weights only).</param>
    /// <param name="channels">Output channels (≥ 1) when per-channel.</param>
    /// <param name="step">Initial step (positive), or null to initialise from the first input.</param>
    /// <exception cref="ArgumentOutOfRangeException">An option is outside its allowed range.</exception>
    public LsqQuantizer(int bits = 4, bool signed = true, string role = "weight", bool perChannel = false, int channels = 0, double? step = null)
    {
        Bits = QuantMath.CheckBits(bits, signed ? 2 : 1, 16, "lsq");
        IsSigned = signed;
        if (role is not ("weight" or "activation"))
            throw new ArgumentOutOfRangeException(nameof(role), role, "lsq: role must be \"weight\" or \"activation\".");
        if (perChannel && role == "activation")
            throw new ArgumentOutOfRangeException(nameof(perChannel), perChannel, "lsq: per_channel is for weights (dimension 0 of activations is the batch).");
        if (perChannel && channels < 1)
            throw new ArgumentOutOfRangeException(nameof(channels), channels, "lsq: per_channel needs channels ≥ 1 (the weight's output channels, dimension 0).");
        if (!perChannel && channels > 1)
            throw new ArgumentOutOfRangeException(nameof(channels), channels, "lsq: channels > 1 needs per_channel: true.");
        Role = role;
        PerChannel = perChannel;
        _channels = channels;
        _initialStep = step;
        _step = QuantMath.Learnable(step is null ? 1.0 : QuantMath.CheckPositive(step.Value, nameof(step), "lsq"), perChannel ? channels : 1);
        if (step is not null) _initialized.Fill(1);
    }

    /// <summary>Bits b.</summary>
    public int Bits { get; }

    /// <summary>Signed grid.</summary>
    public bool IsSigned { get; }

    /// <summary>"weight" or "activation".</summary>
    public string Role { get; }

    /// <summary>One step per output channel.</summary>
    public bool PerChannel { get; }

    /// <summary>Q_N: 2^(b−1) signed, 0 unsigned.</summary>
    public int NegativeLevels => IsSigned ? 1 << (Bits - 1) : 0;

    /// <summary>Q_P: 2^(b−1) − 1 signed, 2^b − 1 unsigned.</summary>
    public int PositiveLevels => IsSigned ? (1 << (Bits - 1)) - 1 : (1 << Bits) - 1;

    /// <summary>The learned step size, shape [channels] or [1].</summary>
    public Tensor Step => _step;

    /// <inheritdoc/>
    public override string Name => "lsq";

    /// <inheritdoc/>
    public override IReadOnlyDictionary<string, object>? Options => QuantizerOptions.Of(("bits", Bits), ("signed", IsSigned), ("role", Role), ("per_channel", PerChannel), ("channels", _channels), ("step", _initialStep));

    /// <inheritdoc/>
    public override double BitWidth => Bits;

    /// <inheritdoc/>
    public override bool Signed => IsSigned;

    /// <inheritdoc/>
    public override IReadOnlyList<(string Name, Tensor Value)> LearnableTensors => [("step", _step)];

    /// <inheritdoc/>
    public override IReadOnlyList<(string Name, Tensor Value)> StateTensors => [("step_initialized", _initialized)];

    /// <inheritdoc/>
    public override string? FindInvalidState() =>
        !IsFlag(_initialized) ? "lsq: 'step_initialized' must be 0 or 1"
        : IndexOfNonPositive(_step) is var i and >= 0 ? $"lsq: step {_step.GetFlat(i)} at index {i} must be positive and finite"
        : null;

    /// <inheritdoc/>
    public override void ConvertTo(DType type) => _step = QuantMath.ConvertLearnable(_step, type);

    /// <inheritdoc/>
    public override Tensor Quantize(Tensor x, QuantizerContext context)
    {
        ArgumentNullException.ThrowIfNull(x);
        int groups = QuantMath.Groups(x, PerChannel, Name);
        if (groups != _step.Length)
            throw new ArgumentException($"lsq: input {ShapeUtil.Format(x.ShapeSpan)} has {groups} output channels but the step has {_step.Length} (channels option).", nameof(x));
        if (x.DType != _step.DType)
            throw new ArgumentException($"lsq: input is {x.DType} but the step is {_step.DType}; call ConvertTo({x.DType}) on the quantizer (or the model).", nameof(x));
        double qn = NegativeLevels, qp = PositiveLevels;
        if (_initialized.GetFlat(0) == 0)
        {
            var mean = QuantMath.MeanAbs(x, groups);
            for (int c = 0; c < groups; c++) _step.SetFlat(c, mean[c] > 0 ? 2 * mean[c] / Math.Sqrt(qp) : 1.0);
            _initialized.Fill(1);
        }
        var s = _step.ToDoubleArray();
        foreach (double step in s)
            if (!(step > 0) || double.IsInfinity(step))
                throw new InvalidOperationException($"lsq: step {step} must stay positive and finite; lower the learning rate of '…step'.");
        var v = x.ToDoubleArray();
        int size = v.Length / groups;
        int perSample = Role == "activation" && x.Rank >= 2 ? x.Length / x.Dim(0) : size;
        double gradScale = 1.0 / Math.Sqrt(perSample * qp);
        var q = Tensor.ZerosLike(x);
        for (int i = 0; i < v.Length; i++)
            q.SetFlat(i, QuantMath.Round(Math.Clamp(v[i] / s[i / size], -qn, qp)) * s[i / size]);
        var stepTensor = _step;
        return GradGraph.Record(q, Name, [x, stepTensor], g =>
        {
            var gs = g.ToDoubleArray();
            var gx = Tensor.ZerosLike(x);
            var gStep = new double[groups];
            for (int i = 0; i < gs.Length; i++)
            {
                double r = v[i] / s[i / size];
                double ds;
                if (r <= -qn) ds = -qn;
                else if (r >= qp) ds = qp;
                else
                {
                    ds = QuantMath.Round(r) - r;
                    gx.SetFlat(i, gs[i]);
                }
                gStep[i / size] += gs[i] * ds;
            }
            var gsTensor = Tensor.ZerosLike(stepTensor);
            for (int c = 0; c < groups; c++) gsTensor.SetFlat(c, gStep[c] * gradScale);
            return [gx, gsTensor];
        });
    }
}
