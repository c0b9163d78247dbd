using Lowbit.Quantization;
using Lowbit.Tensors;
using Lowbit.Tensors.Autograd;

namespace Lowbit.Nn.Layers;

/// <summary>
/// Shift Attention Layer (Hacene, Lassance, Gripon, Courbariaux, Bengio 2019, "Attention Based Pruning for Shift
/// Networks"): a k×k convolution whose kernels are masked by an attention over the k·k positions that anneals to
/// one-hot during training, so that the trained layer is a shift layer whose shifts were learned.
/// </summary>
/// <remarks>
/// Training: with logits A ([O, C, k²] unshared, [1, C, k²] shared: one shift per input channel),
/// Â = A / std(A) (the standard deviation over the k² positions of each row, with Bessel's correction as in the
/// authors' code), P = softmax(T·Â) over the positions, and y = conv(x, W ⊙ P) with latent weights W [O, C, k, k]
/// (weight-quantized first when a weight quantizer is set); T follows <see cref="Schedule"/> through
/// <see cref="Module.SetProgress"/>. A starts uniform in [0, 1).
/// Evaluation uses the rounded layer: each row of P becomes one-hot at its largest entry when that entry exceeds 0.5;
/// otherwise the row selects nothing and its connections (one per output channel when shared) are pruned. The
/// rounded layer is a 1×1 convolution of shifted inputs with the weight W[o, c] at the selected position
/// (<see cref="Deployed"/>), computed as a shift (<see cref="Tensor.Shift2d"/>) and a 1×1 convolution when shared,
/// and as <see cref="Tensor.ShiftedPointwiseConv"/> when not.
/// </remarks>
public sealed class ShiftAttentionConv2d : ShiftLayerBase
{
    private Tensor _temperature;

    /// <summary>Creates the layer.</summary>
    /// <param name="inChannels">Input channels (≥ 1).</param>
    /// <param name="outChannels">Output channels (≥ 1).</param>
    /// <param name="kernelSize">Window side k (≥ 2).</param>
    /// <param name="stride">Stride (≥ 1).</param>
    /// <param name="padding">Padding (≥ 0).</param>
    /// <param name="shared">One shift per input channel (true) or one per connection (false).</param>
    /// <param name="bias">Whether to add a learnable bias.</param>
    /// <param name="random">Generator for the default initialisations.</param>
    /// <param name="schedule">Temperature schedule, or null for the paper's (geometric 20 → 70).</param>
    /// <param name="inputQuantizer">Input quantizer, or null.</param>
    /// <param name="weightQuantizer">Weight quantizer (applied to the latent k×k weights), or null.</param>
    /// <param name="init">Initial weights [O, C, k, k], or null for Glorot uniform (fan-in C·k², fan-out O·k²).</param>
    /// <param name="attentionInit">Initial logits [O or 1, C, k²], or null for uniform in [0, 1).</param>
    /// <param name="padValue">Value read outside the input.</param>
    /// <exception cref="ArgumentException">A size is out of range.</exception>
    public ShiftAttentionConv2d(int inChannels, int outChannels, int kernelSize, int stride, int padding, bool shared, bool bias, Random random,
        TemperatureSchedule? schedule = null, Quantizer? inputQuantizer = null, Quantizer? weightQuantizer = null, Tensor? init = null,
        Tensor? attentionInit = null, double padValue = 0)
        : base(InitialWeight(inChannels, outChannels, kernelSize, random, init), inChannels, outChannels, kernelSize, stride, padding, bias,
            inputQuantizer, weightQuantizer, padValue)
    {
        Shared = shared;
        Schedule = schedule ?? TemperatureSchedule.Paper;
        int[] shape = [shared ? 1 : outChannels, inChannels, kernelSize * kernelSize];
        var logits = attentionInit ?? Tensor.RandomUniform(random, 0, 1, shape);
        if (!logits.ShapeSpan.SequenceEqual(shape))
            throw new ArgumentException($"ShiftAttentionConv2d: initial attention shape {ShapeUtil.Format(logits.ShapeSpan)} must be {ShapeUtil.Format(shape)}.", nameof(attentionInit));
        Attention = AddParameter("attention", logits);
        _temperature = AddBuffer("temperature", Tensor.Full(logits.DType, Schedule.Start, 1));
    }

    private static Tensor InitialWeight(int inChannels, int outChannels, int kernelSize, Random random, Tensor? init)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(inChannels, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(outChannels, 1);
        if (kernelSize < 2)
            throw new ArgumentOutOfRangeException(nameof(kernelSize), kernelSize, "A shift attention layer needs a window of at least 2×2 positions (the logits are normalised by their standard deviation).");
        ArgumentNullException.ThrowIfNull(random);
        int[] shape = [outChannels, inChannels, kernelSize, kernelSize];
        int area = kernelSize * kernelSize;
        var w = init ?? Init.GlorotUniform(random, shape, inChannels * area, outChannels * area);
        if (!w.ShapeSpan.SequenceEqual(shape))
            throw new ArgumentException($"ShiftAttentionConv2d: initial weight shape {ShapeUtil.Format(w.ShapeSpan)} must be {ShapeUtil.Format(shape)}.", nameof(init));
        return w;
    }

    /// <summary>One shift per input channel (true) or one per connection (false).</summary>
    public bool Shared { get; }

    /// <summary>How the temperature moves over training.</summary>
    public TemperatureSchedule Schedule { get; }

    /// <summary>Attention logits A: [O, C, k²] unshared, [1, C, k²] shared.</summary>
    public Parameter Attention { get; }

    /// <summary>The current temperature T (a saved buffer: a checkpoint evaluates with the value training reached).</summary>
    public double Temperature
    {
        get => _temperature.GetFlat(0);
        set
        {
            if (!double.IsFinite(value) || value <= 0) throw new ArgumentOutOfRangeException(nameof(value), value, "The temperature must be finite and > 0.");
            _temperature.SetFlat(0, value);
        }
    }

    /// <inheritdoc/>
    protected override void OnProgress(TrainingProgress progress) => Temperature = Schedule.At(progress.Fraction);

    /// <inheritdoc/>
    protected override void OnBufferReplaced(string name, Tensor value)
    {
        if (name == "temperature") _temperature = value;
    }

    /// <summary>P = softmax(T·A / std(A)) over the k² positions, [O or 1, C, k²], recorded for autograd.</summary>
    public Tensor AttentionWeights()
    {
        var a = Attention.Value;
        int area = KernelSize * KernelSize;
        var centred = Tensor.Sub(a, Tensor.Mean(a, 2, keepDim: true));
        var std = Tensor.Sqrt(Tensor.MulScalar(Tensor.Sum(Tensor.Square(centred), 2, keepDim: true), 1.0 / (area - 1)));
        return Tensor.Softmax(Tensor.MulScalar(Tensor.Div(a, std), Temperature));
    }

    /// <summary>
    /// The rounded attention: per row of P, the position of its largest entry when that entry exceeds 0.5 (the first
    /// such position on ties), else −1 (pruned). [O·C] unshared, [C] shared.
    /// </summary>
    public int[] SelectedPositions()
    {
        using var _ = GradMode.Disable();
        var p = AttentionWeights().ToDoubleArray();
        int area = KernelSize * KernelSize;
        var positions = new int[p.Length / area];
        for (int r = 0; r < positions.Length; r++)
        {
            int best = 0;
            for (int q = 1; q < area; q++) if (p[r * area + q] > p[r * area + best]) best = q;
            positions[r] = p[r * area + best] > 0.5 ? best : -1;
        }
        return positions;
    }

    /// <summary>Rows of the attention that select no position (input channels when shared, connections when not).</summary>
    public long PrunedShifts() => SelectedPositions().LongCount(p => p < 0);

    /// <inheritdoc/>
    public override Tensor Forward(Tensor x)
    {
        var input = QuantizedInput(x);
        if (!Training) return RoundedForward(input, SelectedPositions());
        var mask = AttentionWeights().Reshape(Shared ? 1 : OutChannels, InChannels, KernelSize, KernelSize);
        return Tensor.Conv2d(input, Tensor.Mul(EffectiveWeight(), mask), Bias?.Value, Stride, Padding, PadValue);
    }

    private Tensor RoundedForward(Tensor input, int[] positions)
    {
        var weights = SelectedWeights(positions); // [O, C]
        return Shared
            ? SharedShiftForward(input, positions, weights.Reshape(OutChannels, InChannels, 1, 1))
            : ConnectionShiftForward(input, positions, weights);
    }

    /// <summary>W[o, c] at each connection's position (0 when pruned), [O, C], as Σ_q W[o, c, q]·onehot[q] (exact; autograd reaches W).</summary>
    private Tensor SelectedWeights(int[] positions)
    {
        int area = KernelSize * KernelSize;
        var w = EffectiveWeight();
        var onehot = Tensor.Zeros(w.DType, positions.Length, area);
        for (int r = 0; r < positions.Length; r++) if (positions[r] >= 0) onehot.SetFlat(r * area + positions[r], 1);
        var mask = onehot.Reshape(Shared ? 1 : OutChannels, InChannels, area);
        return Tensor.Sum(Tensor.Mul(w.Reshape(OutChannels, InChannels, area), mask), 2);
    }

    /// <inheritdoc/>
    public override ShiftedPointwiseForm Deployed()
    {
        var selected = SelectedPositions();
        long pruned = selected.LongCount(p => p < 0);
        Tensor weights;
        using (GradMode.Disable()) weights = SelectedWeights(selected).Clone();
        var positions = selected;
        if (Shared)
        {
            positions = new int[OutChannels * InChannels];
            for (int o = 0; o < OutChannels; o++) selected.CopyTo(positions, o * InChannels);
        }
        return new ShiftedPointwiseForm(Shared, positions, weights, Bias?.Value.Detach().Clone(), pruned);
    }

    /// <inheritdoc/>
    /// <remarks>
    /// The rounded layer: MACs = H_out·W_out·(O·C − pruned connections), fan-in C, O·C stored weights and the shift
    /// indices of Hacene et al.'s accounting, ⌈log2 k²⌉ bits each: one per connection unshared, one per input channel
    /// shared.
    /// </remarks>
    public override ModuleCost Cost(int[] inputShape)
    {
        long pruned = PrunedShifts() * (Shared ? OutChannels : 1);
        return DeployedCost(inputShape, Shared ? InChannels : (long)OutChannels * InChannels, pruned);
    }

    /// <inheritdoc/>
    public override string Describe() =>
        $"ShiftAttentionConv2d({InChannels} → {OutChannels}, {(Shared ? "shared" : "unshared")}, {GeometrySuffix()}, T {Schedule})";
}
