using System.Globalization;
using Lowbit.Tensors;

namespace Lowbit.Nn.Layers.Recurrent;

/// <summary>
/// Shared plumbing of <see cref="Lstm"/> and <see cref="Gru"/>: a stack of recurrent layers with PyTorch's parameter
/// layout (per layer l: weight_ih_l{l} [G·H, in], weight_hh_l{l} [G·H, H], bias_ih_l{l}, bias_hh_l{l} [G·H]), dropout
/// between stacked layers, quantizers at every site (<see cref="RecurrentQuantizers"/>) and the hidden state carried
/// from one call to the next.
/// </summary>
/// <remarks>
/// Tensors are time-major: input [T, B, in], output [T, B, H] (the top layer's quantized hidden states). The input
/// projection x·W_ihᵀ of all T steps is one GEMM; the recurrence runs as one fused op per layer.
/// <para>
/// State: <see cref="Module.Forward(Tensor)"/> starts from <see cref="CarriedState"/> (zeros when null) and replaces it by
/// the final state, detached — so consecutive windows of a stream continue each other (truncated back-propagation
/// through time) and no gradient crosses a window boundary. Call <see cref="ResetState"/> at the start of a stream
/// (an epoch, an evaluation). <see cref="Forward(Tensor, RecurrentState?)"/> is the pure form: it takes the initial state
/// (which may carry gradients) and returns the final one.
/// </para>
/// </remarks>
public abstract class RecurrentLayer : Module
{
    private readonly Parameter[] _weightIh, _weightHh, _biasIh, _biasHh;
    private readonly QuantizerModule?[] _weightIhQuantizers, _weightHhQuantizers;
    private readonly RecurrentSites[] _sites;
    private readonly Dropout?[] _dropouts;

    /// <summary>Creates the stack.</summary>
    /// <param name="inputSize">Features of the input x (≥ 1).</param>
    /// <param name="hiddenSize">Units H per layer (≥ 1).</param>
    /// <param name="layers">Stacked layers (≥ 1).</param>
    /// <param name="dropout">Dropout probability on the outputs of every layer but the last, in [0, 1).</param>
    /// <param name="random">Generator for initialisation.</param>
    /// <param name="quantizers">Quantizer factories per site.</param>
    /// <param name="initRange">Weights and biases are drawn from U(−r, r); null for PyTorch's r = 1/√H.</param>
    /// <param name="gateCount">Gate blocks G (4 for an LSTM, 3 for a GRU).</param>
    protected RecurrentLayer(int inputSize, int hiddenSize, int layers, double dropout, Random random, RecurrentQuantizers quantizers, double? initRange, int gateCount)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(inputSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(hiddenSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(layers, 1);
        ArgumentNullException.ThrowIfNull(random);
        ArgumentNullException.ThrowIfNull(quantizers);
        if (!(dropout >= 0 && dropout < 1)) throw new ArgumentOutOfRangeException(nameof(dropout), dropout, "Dropout between recurrent layers must be in [0, 1).");
        double range = initRange ?? 1.0 / Math.Sqrt(hiddenSize);
        if (!(range > 0) || double.IsInfinity(range)) throw new ArgumentOutOfRangeException(nameof(initRange), initRange, "init_range must be a positive number.");
        InputSize = inputSize;
        HiddenSize = hiddenSize;
        Layers = layers;
        DropoutProbability = dropout;
        GateCount = gateCount;
        InitRange = range;
        int rows = gateCount * hiddenSize;
        _weightIh = new Parameter[layers];
        _weightHh = new Parameter[layers];
        _biasIh = new Parameter[layers];
        _biasHh = new Parameter[layers];
        for (int l = 0; l < layers; l++)
        {
            int fanIn = l == 0 ? inputSize : hiddenSize;
            _weightIh[l] = AddParameter(Name("weight_ih", l), Tensor.RandomUniform(random, -range, range, [rows, fanIn]));
            _weightHh[l] = AddParameter(Name("weight_hh", l), Tensor.RandomUniform(random, -range, range, [rows, hiddenSize]));
            _biasIh[l] = AddParameter(Name("bias_ih", l), Tensor.RandomUniform(random, -range, range, [rows]));
            _biasHh[l] = AddParameter(Name("bias_hh", l), Tensor.RandomUniform(random, -range, range, [rows]));
            _biasIh[l].Decay = false;
            _biasHh[l].Decay = false;
        }

        InputQuantizer = Site(quantizers.Input, "input_quantizer");
        _weightIhQuantizers = new QuantizerModule?[layers];
        _weightHhQuantizers = new QuantizerModule?[layers];
        _sites = new RecurrentSites[layers];
        _dropouts = new Dropout?[layers];
        for (int l = 0; l < layers; l++)
        {
            _weightIhQuantizers[l] = Site(quantizers.Weight, Name("weight_ih_quantizer", l));
            _weightHhQuantizers[l] = Site(quantizers.Weight, Name("weight_hh_quantizer", l));
            DefaultClip(_weightIh[l], _weightIhQuantizers[l]);
            DefaultClip(_weightHh[l], _weightHhQuantizers[l]);
            _sites[l] = new RecurrentSites(
                Step(Site(quantizers.Gate, Name("gate_quantizer", l))),
                Step(Site(quantizers.Candidate, Name("candidate_quantizer", l))),
                Step(Site(quantizers.Hidden, Name("hidden_quantizer", l))));
            if (l < layers - 1 && dropout > 0) _dropouts[l] = AddModule(Name("dropout", l), new Dropout(dropout));
        }
    }

    /// <summary>The latent clipping the weight quantizer implies (none for most), as <see cref="QuantizedLayer"/> applies it.</summary>
    private static void DefaultClip(Parameter weight, QuantizerModule? quantizer)
    {
        if (quantizer?.Quantizer.DefaultLatentClip(weight.Value.Shape) is { } clip) weight.Clip = (-clip, clip);
    }

    private static string Name(string kind, int layer) => kind + "_l" + layer.ToString(CultureInfo.InvariantCulture);

    private QuantizerModule? Site(Func<Quantization.Quantizer>? factory, string name) => factory is null ? null : AddModule(name, new QuantizerModule(factory()));

    private static StepQuantizer? Step(QuantizerModule? module) => module is null ? null : new StepQuantizer(module);

    /// <summary>Input features.</summary>
    public int InputSize { get; }

    /// <summary>Hidden units H per layer.</summary>
    public int HiddenSize { get; }

    /// <summary>Stacked layers.</summary>
    public int Layers { get; }

    /// <summary>Dropout probability between stacked layers.</summary>
    public double DropoutProbability { get; }

    /// <summary>Gate blocks G per layer (4 LSTM, 3 GRU).</summary>
    public int GateCount { get; }

    /// <summary>Half-width r of the uniform initialisation U(−r, r).</summary>
    public double InitRange { get; }

    /// <summary>Whether the layer keeps a cell state (LSTM).</summary>
    public abstract bool HasCell { get; }

    /// <summary>Quantizer of the first layer's input, or null.</summary>
    public QuantizerModule? InputQuantizer { get; }

    /// <summary>The state the next <see cref="Module.Forward(Tensor)"/> starts from (null: zeros).</summary>
    public RecurrentState? CarriedState { get; set; }

    /// <summary>Forgets the carried state: the next call starts from zeros (a new stream).</summary>
    public void ResetState() => CarriedState = null;

    /// <summary>Input weights W_ih of stacked layer <paramref name="layer"/>, [G·H, in].</summary>
    public Parameter WeightIh(int layer) => _weightIh[layer];

    /// <summary>Recurrent weights W_hh of stacked layer <paramref name="layer"/>, [G·H, H].</summary>
    public Parameter WeightHh(int layer) => _weightHh[layer];

    /// <summary>Input bias b_ih of stacked layer <paramref name="layer"/>, [G·H].</summary>
    public Parameter BiasIh(int layer) => _biasIh[layer];

    /// <summary>Recurrent bias b_hh of stacked layer <paramref name="layer"/>, [G·H].</summary>
    public Parameter BiasHh(int layer) => _biasHh[layer];

    /// <summary>Quantizer of W_ih of layer <paramref name="layer"/>, or null.</summary>
    public QuantizerModule? WeightIhQuantizer(int layer) => _weightIhQuantizers[layer];

    /// <summary>Quantizer of W_hh of layer <paramref name="layer"/>, or null.</summary>
    public QuantizerModule? WeightHhQuantizer(int layer) => _weightHhQuantizers[layer];

    /// <summary>Quantizer of the sigmoid gates of layer <paramref name="layer"/>, or null.</summary>
    public QuantizerModule? GateQuantizer(int layer) => _sites[layer].Gate?.Module;

    /// <summary>Quantizer of the tanh candidate of layer <paramref name="layer"/>, or null.</summary>
    public QuantizerModule? CandidateQuantizer(int layer) => _sites[layer].Candidate?.Module;

    /// <summary>Quantizer of the hidden state of layer <paramref name="layer"/>, or null.</summary>
    public QuantizerModule? HiddenQuantizer(int layer) => _sites[layer].Hidden?.Module;

    /// <summary>Stateful forward: x [T, B, in] → [T, B, H], starting from and updating <see cref="CarriedState"/>.</summary>
    /// <exception cref="InvalidOperationException">The carried state belongs to a different batch size (call <see cref="ResetState"/>).</exception>
    public override Tensor Forward(Tensor x)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (CarriedState is { } carried && x.Rank == 3 && carried.Batch != x.Dim(1))
            throw new InvalidOperationException($"{Describe()}: the carried state has batch {carried.Batch} but the input {ShapeUtil.Format(x.ShapeSpan)} has batch {x.Dim(1)}; call ResetState() when starting a new stream.");
        var (output, final) = Forward(x, CarriedState);
        CarriedState = final;
        return output;
    }

    /// <summary>Pure forward from <paramref name="initial"/> (zeros when null): x [T, B, in] → ([T, B, H], final state, detached).</summary>
    public (Tensor Output, RecurrentState Final) Forward(Tensor x, RecurrentState? initial)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (x.Rank != 3 || x.Dim(2) != InputSize || x.Dim(0) < 1 || x.Dim(1) < 1)
            throw new ArgumentException($"{Describe()} expects time-major input [steps, batch, {InputSize}] but got {ShapeUtil.Format(x.ShapeSpan)}.", nameof(x));
        int steps = x.Dim(0), batch = x.Dim(1), h = HiddenSize;
        CheckState(initial, batch, x.DType);
        var input = x.Reshape(steps * batch, InputSize);
        if (InputQuantizer is not null) input = InputQuantizer.Forward(input);
        var finalHidden = new Tensor[Layers];
        var finalCell = new Tensor?[Layers];
        for (int l = 0; l < Layers; l++)
        {
            var h0 = initial is null ? Tensor.Zeros(x.DType, batch, h) : initial.Hidden.Narrow(l, 1).Reshape(batch, h);
            var c0 = !HasCell ? null : initial?.Cell is null ? Tensor.Zeros(x.DType, batch, h) : initial.Cell.Narrow(l, 1).Reshape(batch, h);
            var output = RunLayer(l, input, Effective(_weightIh[l], _weightIhQuantizers[l]), Effective(_weightHh[l], _weightHhQuantizers[l]),
                h0, c0, steps, batch, _sites[l], out finalHidden[l], out finalCell[l]);
            input = _dropouts[l] is { } dropout ? dropout.Forward(output) : output;
        }

        return (input.Reshape(steps, batch, h), new RecurrentState(Stack(finalHidden, batch), HasCell ? Stack(finalCell!, batch) : null));
    }

    private void CheckState(RecurrentState? state, int batch, DType type)
    {
        if (state is null) return;
        int[] expected = [Layers, batch, HiddenSize];
        if (!state.Hidden.ShapeSpan.SequenceEqual(expected) || (HasCell && (state.Cell is null || !state.Cell.ShapeSpan.SequenceEqual(expected))) || state.Hidden.DType != type)
            throw new ArgumentException($"{Describe()}: initial state must be {type} [{Layers}, {batch}, {HiddenSize}]{(HasCell ? " for both h and c" : "")}, got h {state.Hidden}{(state.Cell is null ? "" : $", c {state.Cell}")}.", nameof(state));
    }

    private static Tensor Effective(Parameter weight, QuantizerModule? quantizer) => quantizer is null ? weight.Value : quantizer.Forward(weight.Value);

    private Tensor Stack(Tensor?[] perLayer, int batch)
    {
        var first = perLayer[0]!;
        var stacked = Tensor.Zeros(first.DType, Layers, batch, HiddenSize);
        int size = batch * HiddenSize;
        for (int l = 0; l < Layers; l++)
        {
            if (first.DType == DType.Float64) perLayer[l]!.Span<double>().CopyTo(stacked.Span<double>().Slice(l * size, size));
            else perLayer[l]!.AsSpan().CopyTo(stacked.AsSpan().Slice(l * size, size));
        }

        return stacked;
    }

    /// <summary>Runs stacked layer <paramref name="layer"/> over the window; input [T·B, in] → output [T·B, H].</summary>
    private protected abstract Tensor RunLayer(int layer, Tensor input, Tensor weightIh, Tensor weightHh, Tensor h0, Tensor? c0, int steps, int batch,
        RecurrentSites sites, out Tensor finalHidden, out Tensor? finalCell);

    /// <inheritdoc/>
    public override int[] OutputShape(int[] inputShape)
    {
        ArgumentNullException.ThrowIfNull(inputShape);
        if (inputShape.Length != 1 || inputShape[0] != InputSize)
            throw new ArgumentException($"{Describe()} expects {InputSize} features per step but receives {ShapeUtil.Format(inputShape)}.");
        return [HiddenSize];
    }

    /// <summary>
    /// Per token (one time step), two dense products per stacked layer: "ih{l}", the input projection W_ih reading the
    /// layer input (the first layer's input quantizer, else the quantized h of the layer below), and "hh{l}", the
    /// recurrent W_hh reading h_{t−1} at the layer's hidden quantizer. Biases (b_ih and b_hh) and learned quantizer
    /// parameters are float parameters of the ih row. The gates' element-wise products are not counted as MACs. The
    /// output lies on the top layer's hidden quantizer's levels (float without one).
    /// </summary>
    public override ModuleCost Cost(int[] inputShape)
    {
        OutputShape(inputShape);
        var operations = new List<OperationCost>();
        int rows = GateCount * HiddenSize;
        for (int l = 0; l < Layers; l++)
        {
            string suffix = l.ToString(CultureInfo.InvariantCulture);
            int fanIn = _weightIh[l].Value.Dim(1);
            var below = l == 0 ? InputQuantizer : _sites[l - 1].Hidden?.Module;
            long learned = Learned(_sites[l].Gate?.Module) + Learned(_sites[l].Candidate?.Module) + Learned(_sites[l].Hidden?.Module) + (l == 0 ? Learned(InputQuantizer) : 0);
            operations.Add(OperationCost.Weighted(OperationKind.Dense, _weightIh[l], _weightIhQuantizers[l], below, 1, fanIn, fanIn, rows, 2L * rows + learned)
                with { Part = "ih" + suffix, FloatInput = l > 0 && below is null });
            var hidden = _sites[l].Hidden?.Module;
            operations.Add(OperationCost.Weighted(OperationKind.Dense, _weightHh[l], _weightHhQuantizers[l], hidden, 1, HiddenSize, HiddenSize, rows, 0)
                with { Part = "hh" + suffix, FloatInput = hidden is null });
        }

        var top = _sites[Layers - 1].Hidden?.Module;
        return top is null
            ? new ModuleCost { Operations = operations, Output = OutputLevels.Float }
            : new ModuleCost { Operations = operations, Output = OutputLevels.Quantize, OutputQuantizer = top };
    }

    private static long Learned(QuantizerModule? module) => module?.Parameters().Sum(p => (long)p.Value.Length) ?? 0;

    /// <inheritdoc/>
    public override string Describe()
    {
        string quantized = string.Join(", ", new[]
        {
            InputQuantizer is null ? null : "in: " + InputQuantizer.Describe(),
            _weightIhQuantizers[0] is { } w ? "w: " + w.Describe() : null,
            _sites[0].Gate is { } gate ? "gates: " + gate.Module.Describe() : null,
            _sites[0].Candidate is { } candidate ? "candidate: " + candidate.Module.Describe() : null,
            _sites[0].Hidden is { } hidden ? "h: " + hidden.Module.Describe() : null,
        }.Where(s => s is not null));
        string layers = Layers > 1 ? $" × {Layers} layers" + (DropoutProbability > 0 ? $", dropout {DropoutProbability.ToString(CultureInfo.InvariantCulture)}" : "") : "";
        return $"{GetType().Name}({InputSize} → {HiddenSize}{layers}{(quantized.Length > 0 ? ", " + quantized : "")})";
    }

    /// <inheritdoc/>
    protected override Tensor? OwnRegularization()
    {
        Tensor? total = null;
        for (int l = 0; l < Layers; l++)
        {
            foreach (var (q, p) in new[] { (_weightIhQuantizers[l], _weightIh[l]), (_weightHhQuantizers[l], _weightHh[l]) })
            {
                var r = q?.Quantizer.Regularization(p.Value);
                if (r is not null) total = total is null ? r : Tensor.Add(total, r);
            }
        }

        return total;
    }
}
