using Lowbit.Tensors;
using Lowbit.Tensors.Autograd;

namespace Lowbit.Quantization.MixedPrecision;

/// <summary>Uniform quantization with a learnable fractional bitlength n per tensor or per output channel (<c>bitpruning</c>).</summary>
/// <remarks>
/// Forward: Q(x; n) = (1 − α)·Q_⌊n⌋(x) + α·Q_⌊n⌋+1(x), α = n − ⌊n⌋, with Q_b the symmetric max-abs
/// grid of the group (<c>MaxAbsGrid</c>: 2^b levels over [−m, m], m = max|x| of the group; our choice).
/// Backward: g_x = g (identity STE; every x is within [−m, m]); g_n = Σ_group g·(Q_⌊n⌋+1(x) − Q_⌊n⌋(x)), the exact
/// derivative of Q in n (at an integer n it is the right derivative); no gradient through m.
/// Range of n: [1, max_bits]. Rule (our choice): projected gradient descent: the trainer projects n onto
/// [1, max_bits] after every optimizer step by calling <see cref="ClampBitLengths"/> (equivalently by setting the
/// parameter's clip to <see cref="BitLengthRange"/>). As a guard, the forward pass evaluates Q at
/// clamp(n, 1, max_bits) and gives n no gradient while it is outside the range, so an unprojected n &lt; 1 acts as
/// n = 1 instead of producing an undefined 0-bit grid.
/// Regulariser: see <see cref="BitPruningRegularizer"/> (network-wide, so not returned by <see cref="Quantizer.Regularization"/>).
/// Rounding and freezing: <see cref="Freeze"/> rounds each n (up by default, the paper's rule as we read it) and from
/// then on the quantizer is Q_b(x) with those integer bits (the same map as <see cref="FixedBitQuantizer"/>), identity STE for x and no gradient
/// into n; the frozen bits are the state tensor "frozen_bits" ([groups], 0 = still learning), so checkpoints keep them.
/// <see cref="ToFixedBits"/> returns the equivalent fixed quantizer instead.
/// Options: <c>bits</c> (initial n, default 8), <c>per_channel</c> (one n per dimension-0 slice), <c>channels</c>
/// (required with per_channel), <c>max_bits</c> (default 16), <c>lr_scale</c> (bitlength learning-rate multiplier, default 1),
/// <c>bitlength_update</c> ("optimizer", default: the bitlengths use the run's optimizer like every other parameter;
/// "sgd": plain gradient steps n −= lr·lr_scale·g_n. With Adam every bitlength moves by about lr·lr_scale per step once
/// the regulariser dominates, whatever the target's per-layer weights; plain steps keep those weights, which is what
/// makes the bits / memory / BOPs targets differ).
/// Paper: Nikolić, Boukli Hacene, Bannon, Delmas Lascorz, Courbariaux, Bengio, Gripon, Moshovos, "BitPruning:
/// Learning Bitlengths for Aggressive and Accurate Quantization", arXiv 2002.03090.
/// </remarks>
public sealed class BitPruningQuantizer : Quantizer, ILearnedBitLength
{
    private Tensor _bitLength;
    private readonly Tensor _frozenBits;

    private readonly double _initialBits;
    private readonly int _channels;

    /// <summary>Creates the quantizer.</summary>
    /// <param name="bits">Initial bitlength n (in [1, maxBits]).</param>
    /// <param name="perChannel">One bitlength per output channel (dimension 0).</param>
    /// <param name="channels">Output channels when per-channel.</param>
    /// <param name="maxBits">Upper end of the bitlength range (1..24).</param>
    /// <exception cref="ArgumentOutOfRangeException">An option is outside its range.</exception>
    /// <param name="learningRateScale">Multiplier of the optimizer's learning rate for the bitlengths (option <c>lr_scale</c>; the
    /// model builder applies it to the bitlength parameters). With Adam, n moves by about lr·scale per step at most.</param>
    /// <param name="bitLengthUpdate">"optimizer" (default) or "sgd" (option <c>bitlength_update</c>).</param>
    public BitPruningQuantizer(double bits = 8, bool perChannel = false, int channels = 0, int maxBits = 16, double learningRateScale = 1, string bitLengthUpdate = "optimizer")
    {
        if (bitLengthUpdate is not ("optimizer" or "sgd"))
            throw new ArgumentOutOfRangeException(nameof(bitLengthUpdate), bitLengthUpdate, "bitpruning: bitlength_update must be \"optimizer\" or \"sgd\".");
        PlainGradientBitLengths = bitLengthUpdate == "sgd";
        if (!(learningRateScale > 0) || !double.IsFinite(learningRateScale))
            throw new ArgumentOutOfRangeException(nameof(learningRateScale), learningRateScale, "bitpruning: lr_scale must be a positive number.");
        LearningRateScale = learningRateScale;
        MaxBits = QuantMath.CheckBits(maxBits, 1, 24, "bitpruning");
        if (!(bits >= 1 && bits <= maxBits)) throw new ArgumentOutOfRangeException(nameof(bits), bits, $"bitpruning: bits (the initial bitlength) must be in [1, max_bits = {maxBits}].");
        if (perChannel && channels < 1) throw new ArgumentOutOfRangeException(nameof(channels), channels, "bitpruning: per_channel needs channels ≥ 1 (the weight's dimension 0).");
        if (!perChannel && channels > 1) throw new ArgumentOutOfRangeException(nameof(channels), channels, "bitpruning: channels > 1 needs per_channel: true.");
        PerChannel = perChannel;
        _initialBits = bits;
        _channels = channels;
        _bitLength = QuantMath.Learnable(bits, perChannel ? channels : 1);
        _frozenBits = Tensor.Zeros(_bitLength.Length);
    }

    /// <summary>True once <see cref="Freeze"/> ran (restored from checkpoints).</summary>
    public bool IsFrozen => _frozenBits.GetFlat(0) != 0;

    /// <summary>The frozen integer bits per group, or null while the bitlengths are still learned.</summary>
    public int[]? FrozenBits => IsFrozen ? _frozenBits.ToDoubleArray().Select(b => (int)b).ToArray() : null;

    /// <inheritdoc/>
    public override IReadOnlyList<(string Name, Tensor Value)> StateTensors => [("frozen_bits", _frozenBits)];

    /// <inheritdoc/>
    public override string? FindInvalidState()
    {
        var frozen = _frozenBits.ToDoubleArray();
        bool allZero = frozen.All(b => b == 0);
        if (!allZero && frozen.Any(b => b != Math.Floor(b) || b < 1 || b > MaxBits))
            return $"bitpruning: 'frozen_bits' must be all 0 (learning) or whole bitwidths in [1, {MaxBits}]";
        return _bitLength.ToDoubleArray().Any(n => !double.IsFinite(n)) ? "bitpruning: a bitlength is not finite" : null;
    }

    /// <summary>
    /// Rounds each bitlength to an integer (<paramref name="roundUp"/>: b = ⌈n − 1e-6⌉, the paper's rule as we read it; else
    /// nearest, halves up), clamped to [1, MaxBits]; writes it back into n and keeps it fixed from now on.
    /// </summary>
    /// <param name="roundUp">Round up (default) or to the nearest integer.</param>
    /// <returns>The frozen bits per group.</returns>
    /// <exception cref="InvalidOperationException">Already frozen.</exception>
    public int[] Freeze(bool roundUp = true)
    {
        if (IsFrozen) throw new InvalidOperationException($"bitpruning: the bitlengths are already frozen at [{string.Join(", ", FrozenBits!)}].");
        var bits = _bitLength.ToDoubleArray().Select(n => RoundBitLength(n, roundUp, MaxBits)).ToArray();
        for (int g = 0; g < bits.Length; g++)
        {
            _frozenBits.SetFlat(g, bits[g]);
            _bitLength.SetFlat(g, bits[g]);
        }
        return bits;
    }

    /// <summary>Integer bits for a learned bitlength: ⌈n − 1e-6⌉ (up; the tolerance keeps float noise such as n = 3.0000001 at 3) or ⌊n + 0.5⌋ (nearest), clamped to [1, maxBits].</summary>
    internal static int RoundBitLength(double n, bool roundUp, int maxBits) =>
        (int)Math.Clamp(roundUp ? Math.Ceiling(n - 1e-6) : Math.Floor(n + 0.5), 1, maxBits);

    /// <summary>True when the bitlengths take plain gradient steps instead of the optimizer's (option bitlength_update "sgd").</summary>
    public bool PlainGradientBitLengths { get; }

    /// <summary>Learning-rate multiplier for the bitlength parameters (option lr_scale).</summary>
    public double LearningRateScale { get; }

    /// <summary>Upper end of the bitlength range.</summary>
    public int MaxBits { get; }

    /// <summary>One bitlength per output channel.</summary>
    public bool PerChannel { get; }

    /// <summary>The learnable bitlengths n, shape [channels] or [1].</summary>
    public Tensor BitLength => _bitLength;

    /// <summary>The allowed range [1, MaxBits] of n (for a parameter clip).</summary>
    public (double Min, double Max) BitLengthRange => (1, MaxBits);

    /// <inheritdoc/>
    public override string Name => "bitpruning";

    /// <inheritdoc/>
    public override IReadOnlyDictionary<string, object>? Options => QuantizerOptions.Of(("bits", _initialBits), ("per_channel", PerChannel), ("channels", _channels), ("max_bits", MaxBits), ("lr_scale", LearningRateScale), ("bitlength_update", PlainGradientBitLengths ? "sgd" : "optimizer"));

    /// <summary>Mean of the current bitlengths (fractional), or of the frozen bits.</summary>
    public override double BitWidth => IsFrozen ? FrozenBits!.Average() : _bitLength.ToDoubleArray().Average();

    /// <inheritdoc/>
    public override IReadOnlyList<(string Name, Tensor Value)> LearnableTensors => [("bitlength", _bitLength)];

    /// <inheritdoc/>
    /// <remarks>Bitlengths stay in [1, max_bits], take lr_scale and, with bitlength_update "sgd", plain gradient steps.</remarks>
    public override LearnableTensorOptions LearnableOptions => new(Clip: BitLengthRange, LearningRateScale: LearningRateScale, PlainGradient: PlainGradientBitLengths);

    /// <inheritdoc/>
    public override void ConvertTo(DType type) => _bitLength = QuantMath.ConvertLearnable(_bitLength, type);

    /// <summary>Projects every n onto [1, MaxBits] in place (call after each optimizer step).</summary>
    public void ClampBitLengths()
    {
        for (int g = 0; g < _bitLength.Length; g++) _bitLength.SetFlat(g, Math.Clamp(_bitLength.GetFlat(g), 1, MaxBits));
    }

    /// <summary>
    /// The frozen bits, or each bitlength rounded up (b = ⌈n − 1e-6⌉ clamped to [1, MaxBits]; the tolerance keeps
    /// n = 3.0000001 from float noise at 3 bits), as the fixed integer quantizer with the same grid.
    /// </summary>
    public FixedBitQuantizer ToFixedBits()
    {
        var bits = FrozenBits ?? _bitLength.ToDoubleArray().Select(n => RoundBitLength(n, true, MaxBits)).ToArray();
        return new FixedBitQuantizer(bits, PerChannel);
    }

    /// <inheritdoc/>
    public override Tensor Quantize(Tensor x, QuantizerContext context)
    {
        var v = MixedMath.FiniteValues(x, Name);
        int groups = QuantMath.Groups(x, PerChannel, Name);
        if (groups != _bitLength.Length)
            throw new ArgumentException($"bitpruning: input {ShapeUtil.Format(x.ShapeSpan)} has {groups} output channels but there are {_bitLength.Length} bitlengths (channels option).", nameof(x));
        if (x.DType != _bitLength.DType)
            throw new ArgumentException($"bitpruning: input is {x.DType} but the bitlength is {_bitLength.DType}; call ConvertTo({x.DType}) on the quantizer (or the model).", nameof(x));
        if (FrozenBits is { } frozen) return QuantizeFrozen(x, v, groups, frozen);
        var n = _bitLength.ToDoubleArray();
        foreach (double value in n)
            if (!double.IsFinite(value)) throw new InvalidOperationException($"bitpruning: bitlength became {value}; lower the learning rate of '…bitlength'.");
        var m = MaxAbsGrid.MaxAbs(v, groups);
        int size = v.Length / groups;
        var q = new double[v.Length];
        var dq = new double[v.Length]; // Q_⌊n⌋+1 − Q_⌊n⌋
        for (int i = 0; i < v.Length; i++)
        {
            int g = i / size;
            double nc = Math.Clamp(n[g], 1, MaxBits);
            int f = (int)Math.Floor(nc);
            double alpha = nc - f;
            double low = MaxAbsGrid.Quantize(v[i], m[g], f), high = MaxAbsGrid.Quantize(v[i], m[g], f + 1);
            q[i] = (1 - alpha) * low + alpha * high;
            dq[i] = high - low;
        }
        var result = MixedMath.Write(x, q);
        var bitLength = _bitLength;
        return GradGraph.Record(result, Name, [x, bitLength], g =>
        {
            var gs = g.ToDoubleArray();
            var gn = new double[groups];
            for (int i = 0; i < gs.Length; i++) gn[i / size] += gs[i] * dq[i];
            for (int k = 0; k < groups; k++)
                if (n[k] < 1 || n[k] > MaxBits) gn[k] = 0;
            var gnTensor = MixedMath.Write(bitLength, gn);
            return [g, gnTensor];
        });
    }

    /// <summary>Q_b(x) with the frozen bits b of each group; identity STE, no gradient into the bitlength.</summary>
    private Tensor QuantizeFrozen(Tensor x, double[] v, int groups, int[] bits)
    {
        var m = MaxAbsGrid.MaxAbs(v, groups);
        int size = v.Length / groups;
        var q = new double[v.Length];
        for (int i = 0; i < v.Length; i++) q[i] = MaxAbsGrid.Quantize(v[i], m[i / size], bits[i / size]);
        return MixedMath.IdentityStraightThrough(x, q, Name);
    }
}
