namespace Lowbit.Hardware;

/// <summary>
/// Plain, immutable description of one layer for the cost model; all counts are per sample. Build it with the
/// factories (<see cref="Dense"/>, <see cref="Conv2d"/>, <see cref="BatchNorm"/>, <see cref="Pool"/>) and adjust with
/// <c>with { ScaleCount = ..., OtherFloatParameters = ... }</c>, or fill every property for other layers.
/// </summary>
/// <remarks>
/// Symbols as in docs/COST-MODEL.md: N = <see cref="Weights"/>, S_l = <see cref="OutputPositions"/>,
/// |A_j| = <see cref="ActiveWeightsPerLevel"/>[j-1], b_a = activation bits, b_w = weight bits.
/// </remarks>
public sealed partial record LayerCostInput
{
    /// <summary>Layer name shown in reports.</summary>
    public required string Name { get; init; }

    /// <summary>Layer kind, for labels.</summary>
    public required LayerKind Kind { get; init; }

    /// <summary>N: number of quantizable weights (the multiplicands of the MACs). Biases and BN parameters go to <see cref="OtherFloatParameters"/>.</summary>
    public required long Weights { get; init; }

    /// <summary>Multiply-accumulates per sample (S_l · N for dense and convolution layers).</summary>
    public required long Macs { get; init; }

    /// <summary>S_l: output spatial positions per sample (1 for dense, H_out · W_out for conv).</summary>
    public required long OutputPositions { get; init; }

    /// <summary>Fan-in of one output (inFeatures for dense, (C_in / groups) · k_h · k_w for conv); must be ≥ 1 when <see cref="Macs"/> &gt; 0.</summary>
    public required long FanIn { get; init; }

    /// <summary>Representation of the weights.</summary>
    public required OperandEncoding WeightEncoding { get; init; }

    /// <summary>Representation of this layer's input activations (b_a = its bit count). Heterogeneous activations are not modelled.</summary>
    public required OperandEncoding ActivationEncoding { get; init; }

    /// <summary>
    /// |A_j| for j = 1..B_max, required for <see cref="QuantizationKind.Heterogeneous"/> weights and null otherwise:
    /// |A_1| = N and the counts never increase.
    /// </summary>
    public IReadOnlyList<long>? ActiveWeightsPerLevel { get; init; }

    /// <summary>Number of float32 scales stored with the weights (per-plane μ_j, per-channel α, ...).</summary>
    public int ScaleCount { get; init; }

    /// <summary>Shift indices stored with the weights (a shift-attention layer's learned shifts; 0 otherwise).</summary>
    public long ShiftIndices { get; init; }

    /// <summary>Bits per shift index (⌈log2 k²⌉; 0 without indices).</summary>
    public int ShiftIndexBits { get; init; }

    /// <summary>Other float32 parameters stored with the layer (bias, BN γ/β/mean/variance).</summary>
    public long OtherFloatParameters { get; init; }

    /// <summary>Output elements per sample (activation memory).</summary>
    public required long OutputElements { get; init; }

    /// <summary>Bits per stored output element (1 between binarized layers, 32 for float); may be fractional for mixed outputs.</summary>
    public required double OutputBits { get; init; }

    /// <summary>Checks the description and throws on the first inconsistency.</summary>
    /// <exception cref="ArgumentException">A count is negative or the counts contradict each other; the message names the layer and property.</exception>
    public void Validate()
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(Name, nameof(Name));
        ArgumentNullException.ThrowIfNull(WeightEncoding, nameof(WeightEncoding));
        ArgumentNullException.ThrowIfNull(ActivationEncoding, nameof(ActivationEncoding));
        RequireNonNegative(Weights, nameof(Weights));
        RequireNonNegative(Macs, nameof(Macs));
        RequireNonNegative(OutputPositions, nameof(OutputPositions));
        RequireNonNegative(FanIn, nameof(FanIn));
        RequireNonNegative(ScaleCount, nameof(ScaleCount));
        RequireNonNegative(OtherFloatParameters, nameof(OtherFloatParameters));
        RequireNonNegative(ShiftIndices, nameof(ShiftIndices));
        if (ShiftIndexBits < 0 || ShiftIndexBits > 32 || (ShiftIndices > 0) != (ShiftIndexBits > 0))
        {
            throw Error(nameof(ShiftIndexBits), $"is {ShiftIndexBits} with {ShiftIndices} shift indices; give 1..32 bits exactly when there are indices");
        }

        RequireNonNegative(OutputElements, nameof(OutputElements));
        if (!double.IsFinite(OutputBits) || OutputBits < 0 || OutputBits > 64)
        {
            throw Error(nameof(OutputBits), $"is {OutputBits}; allowed is 0..64 bits per element");
        }

        if (Macs > 0 && (FanIn < 1 || OutputPositions < 1 || Weights < 1))
        {
            throw Error(nameof(Macs), $"is {Macs} but Weights = {Weights}, FanIn = {FanIn}, OutputPositions = {OutputPositions}; a layer with MACs needs all three ≥ 1");
        }

        if (ActivationEncoding.Kind == QuantizationKind.Heterogeneous)
        {
            throw Error(nameof(ActivationEncoding), "is heterogeneous; only weights may be heterogeneous in this model, describe activations by Uniform or Residual planes");
        }

        ValidateActiveWeights();
    }

    private void ValidateActiveWeights()
    {
        if (WeightEncoding.Kind != QuantizationKind.Heterogeneous)
        {
            if (ActiveWeightsPerLevel is not null)
            {
                throw Error(nameof(ActiveWeightsPerLevel), $"is set but weights are {WeightEncoding}; per-level counts apply only to heterogeneous weights");
            }

            return;
        }

        var levels = ActiveWeightsPerLevel
            ?? throw Error(nameof(ActiveWeightsPerLevel), $"is null but weights are {WeightEncoding}; give |A_1|..|A_{WeightEncoding.Bits}|");
        if (levels.Count != WeightEncoding.Bits)
        {
            throw Error(nameof(ActiveWeightsPerLevel), $"has {levels.Count} levels but weights are {WeightEncoding}; give exactly {WeightEncoding.Bits} counts");
        }

        if (levels[0] != Weights)
        {
            throw Error(nameof(ActiveWeightsPerLevel), $"starts with |A_1| = {levels[0]} but Weights = {Weights}; every weight is active at level 1");
        }

        for (int j = 1; j < levels.Count; j++)
        {
            if (levels[j] < 0 || levels[j] > levels[j - 1])
            {
                throw Error(nameof(ActiveWeightsPerLevel), $"has |A_{j + 1}| = {levels[j]} after |A_{j}| = {levels[j - 1]}; counts must be non-negative and non-increasing (nested sets)");
            }
        }
    }

    private void RequireNonNegative(long value, string property)
    {
        if (value < 0)
        {
            throw Error(property, $"is {value}; it must be ≥ 0");
        }
    }

    private ArgumentException Error(string property, string problem) =>
        new($"Layer '{Name}': {property} {problem}.", property);
}
