namespace Lowbit.Nn;

/// <summary>
/// One operation a module performs per example, as cost models, statistics and regularisers see it: the latent
/// weights and their quantizer, the input quantizer, multiply-accumulates, output positions, fan-in and sizes.
/// Modules build it in <see cref="Module.Cost"/>; nothing outside the module guesses these numbers.
/// </summary>
/// <remarks>
/// For weighted operations (<see cref="OperationKind.Dense"/>, <see cref="OperationKind.Conv2d"/>):
/// MACs = <see cref="OutputPositions"/> · weight elements, and fan-in = the weights one output reads
/// (in features for dense; (C_in / groups)·k_h·k_w for a convolution).
/// </remarks>
public sealed record OperationCost
{
    /// <summary>What the operation computes.</summary>
    public required OperationKind Kind { get; init; }

    /// <summary>Name of the operation inside its module when a module has several (e.g. "input", "recurrent"); null for one.</summary>
    public string? Part { get; init; }

    /// <summary>Latent weights multiplied by the inputs (weighted operations), or null.</summary>
    public Parameter? Weight { get; init; }

    /// <summary>Quantizer of <see cref="Weight"/>, or null for real weights.</summary>
    public QuantizerModule? WeightQuantizer { get; init; }

    /// <summary>Quantizer applied to the operation's input, or null when the input is used as it arrives.</summary>
    public QuantizerModule? InputQuantizer { get; init; }

    /// <summary>
    /// True when the operation reads float values produced inside its module (e.g. a recurrent layer's unquantized
    /// hidden state) rather than the module's input; with no <see cref="InputQuantizer"/> its input is then float32
    /// whatever entered the module.
    /// </summary>
    public bool FloatInput { get; init; }

    /// <summary>Multiply-accumulates per example (0 for operations without weights).</summary>
    public long Macs { get; init; }

    /// <summary>Output positions per example that reuse the weights (1 for dense, H_out·W_out for a convolution).</summary>
    public long OutputPositions { get; init; }

    /// <summary>Weights read per output value (0 for operations without weights).</summary>
    public long FanIn { get; init; }

    /// <summary>Input elements per example.</summary>
    public required long InputElements { get; init; }

    /// <summary>Output elements per example.</summary>
    public required long OutputElements { get; init; }

    /// <summary>
    /// Float parameters and saved statistics stored with the operation besides the weights and the weight quantizer's
    /// own tensors: biases, normalisation γ/β/running mean/running variance, learned input-quantizer parameters.
    /// </summary>
    public long OtherFloatParameters { get; init; }

    /// <summary>
    /// Weights stored at deployment (0 without weights): the weight tensor's length, or fewer when the module keeps only
    /// part of its training-time weights (a shift-attention layer keeps one of its k·k weights per connection).
    /// </summary>
    public long WeightElements { get; init; }

    /// <summary>Shift indices stored with the weights (shift layers with learned shifts; 0 otherwise).</summary>
    public long ShiftIndices { get; init; }

    /// <summary>Bits per stored shift index (⌈log2(k·k)⌉ for k×k positions; 0 without indices).</summary>
    public int ShiftIndexBits { get; init; }

    /// <summary>Connections removed by the layer's own pruning (they are stored but cost no MACs); 0 for most layers.</summary>
    public long PrunedConnections { get; init; }

    /// <summary>Bits per weight: the weight quantizer's bit width, 32 for real weights.</summary>
    public double WeightBits => WeightQuantizer?.Quantizer.BitWidth ?? 32;

    /// <summary>Bits per input element as the operation sees it: its input quantizer's bit width, 32 without one.</summary>
    public double InputBits => InputQuantizer?.Quantizer.BitWidth ?? 32;

    /// <summary>True for operations that multiply inputs by weights.</summary>
    public bool IsWeighted => Kind is OperationKind.Dense or OperationKind.Conv2d;

    /// <summary>Describes a weighted operation; MACs = positions · weight elements.</summary>
    /// <param name="kind">Dense or Conv2d.</param>
    /// <param name="weight">Latent weights.</param>
    /// <param name="weightQuantizer">Their quantizer, or null.</param>
    /// <param name="inputQuantizer">Input quantizer, or null.</param>
    /// <param name="outputPositions">Output positions sharing the weights (≥ 1).</param>
    /// <param name="fanIn">Weights per output value (≥ 1).</param>
    /// <param name="inputElements">Input elements per example.</param>
    /// <param name="outputElements">Output elements per example.</param>
    /// <param name="otherFloatParameters">Bias and learned input-quantizer elements.</param>
    /// <returns>The description.</returns>
    /// <exception cref="ArgumentException">The kind is not weighted or a count is not positive.</exception>
    public static OperationCost Weighted(
        OperationKind kind, Parameter weight, QuantizerModule? weightQuantizer, QuantizerModule? inputQuantizer,
        long outputPositions, long fanIn, long inputElements, long outputElements, long otherFloatParameters)
    {
        ArgumentNullException.ThrowIfNull(weight);
        if (kind is not (OperationKind.Dense or OperationKind.Conv2d))
            throw new ArgumentException($"A weighted operation is Dense or Conv2d, got {kind}.", nameof(kind));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(outputPositions);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(fanIn);
        return new OperationCost
        {
            Kind = kind,
            Weight = weight,
            WeightQuantizer = weightQuantizer,
            InputQuantizer = inputQuantizer,
            Macs = checked(outputPositions * weight.Value.Length),
            WeightElements = weight.Value.Length,
            OutputPositions = outputPositions,
            FanIn = fanIn,
            InputElements = inputElements,
            OutputElements = outputElements,
            OtherFloatParameters = otherFloatParameters,
        };
    }

    /// <summary>Describes a table look-up (an embedding): the table is stored (at its quantizer's bits), no MACs.</summary>
    /// <param name="table">The table, or null when another operation stores it (a decoder tied to the embedding).</param>
    /// <param name="quantizer">The table's quantizer, or null.</param>
    /// <param name="inputElements">Input elements per example (1 token).</param>
    /// <param name="outputElements">Output elements per example (the embedding size).</param>
    /// <returns>The description.</returns>
    public static OperationCost Lookup(Parameter? table, QuantizerModule? quantizer, long inputElements, long outputElements) => new()
    {
        Kind = OperationKind.Lookup,
        Weight = table,
        WeightElements = table?.Value.Length ?? 0,
        WeightQuantizer = table is null ? null : quantizer,
        InputElements = inputElements,
        OutputElements = outputElements,
    };

    /// <summary>Describes an operation without weights (normalisation, pooling, element-wise, add).</summary>
    /// <param name="kind">The kind (not Dense or Conv2d).</param>
    /// <param name="inputElements">Input elements per example.</param>
    /// <param name="outputElements">Output elements per example.</param>
    /// <param name="otherFloatParameters">Stored float parameters and statistics.</param>
    /// <returns>The description.</returns>
    public static OperationCost Unweighted(OperationKind kind, long inputElements, long outputElements, long otherFloatParameters = 0)
    {
        if (kind is OperationKind.Dense or OperationKind.Conv2d or OperationKind.Lookup)
            throw new ArgumentException($"{kind} has weights; use {(kind == OperationKind.Lookup ? nameof(Lookup) : nameof(Weighted))}.", nameof(kind));
        return new OperationCost { Kind = kind, InputElements = inputElements, OutputElements = outputElements, OtherFloatParameters = otherFloatParameters };
    }
}
