namespace Lowbit.Hardware;

/// <summary>
/// Cost of one layer per sample, as computed by <see cref="CostModel"/>. Bit counts are exact integers; energy,
/// area and UNIQ BOPs are estimates (see docs/COST-MODEL.md for every formula).
/// </summary>
public sealed record LayerCostRow
{
    /// <summary>Layer name.</summary>
    public required string Name { get; init; }

    /// <summary>Layer kind.</summary>
    public required LayerKind Kind { get; init; }

    /// <summary>Weight encoding.</summary>
    public required OperandEncoding WeightEncoding { get; init; }

    /// <summary>Input activation encoding.</summary>
    public required OperandEncoding ActivationEncoding { get; init; }

    /// <summary>Arithmetic used for the energy/area/latency models.</summary>
    public required Datapath Datapath { get; init; }

    /// <summary>N, the quantizable weights.</summary>
    public required long Weights { get; init; }

    /// <summary>n̄ = payload bits / N (0 when N = 0): 32, k, B, or Σ_j |A_j| / N.</summary>
    public required double AverageWeightBits { get; init; }

    /// <summary>Weight payload bits: 32·N, k·N, B·N, or Σ_j |A_j| (one sign bit per active weight per level).</summary>
    public required long PayloadBits { get; init; }

    /// <summary>Bit-map metadata bits counted in <see cref="TotalBits"/> (per <see cref="CostModelOptions.MetadataScheme"/>) plus stored shift indices; 0 for other homogeneous layers.</summary>
    public required long MetadataBits { get; init; }

    /// <summary>Compact nested masks Σ_{j=1}^{B_max−1} |A_j| (heterogeneous only).</summary>
    public required long NestedMaskBits { get; init; }

    /// <summary>Explicit per-weight code N·⌈log2 B_max⌉ (heterogeneous only).</summary>
    public required long ExplicitCodeBits { get; init; }

    /// <summary>Entropy bound N·H(p), p_b = (|A_b| − |A_{b+1}|) / N (heterogeneous only; not counted in totals).</summary>
    public required double EntropyBoundBits { get; init; }

    /// <summary>32 · ScaleCount.</summary>
    public required long ScaleBits { get; init; }

    /// <summary>32 · OtherFloatParameters.</summary>
    public required long OtherFloatBits { get; init; }

    /// <summary>Payload + metadata + scale + other float bits.</summary>
    public required long TotalBits { get; init; }

    /// <summary>⌈TotalBits / 8⌉ (each layer's storage padded to a whole byte).</summary>
    public required long TotalBytes { get; init; }

    /// <summary>32 · (N + OtherFloatParameters): the same layer in float32 (scales do not exist there).</summary>
    public required long Float32BaselineBits { get; init; }

    /// <summary>Float32BaselineBits / 8.</summary>
    public required long Float32BaselineBytes { get; init; }

    /// <summary>Float32BaselineBits / TotalBits, or null when the layer stores nothing.</summary>
    public required double? CompressionRatio { get; init; }

    /// <summary>Multiply-accumulates per sample.</summary>
    public required long Macs { get; init; }

    /// <summary>HBB binary work S_l · b_a · Σ_j |A_j| (Fromm et al., arXiv 1805.10368); with float operands the plane count is 32.</summary>
    public required long BinaryWork { get; init; }

    /// <summary>Simple BOPs MAC · b_w · b_a, with MAC · Σ_j |A_j| / N in place of MAC · b_w for heterogeneous weights.</summary>
    public required double Bops { get; init; }

    /// <summary>Accumulator-aware BOPs (UNIQ, Baskin et al., arXiv 1804.10969): Bops + MAC · (n̄ + b_a + log2 fanIn).</summary>
    public required double UniqBops { get; init; }

    /// <summary>FP32-equivalent BOPs MAC · 32 · 32.</summary>
    public required long Fp32EquivalentBops { get; init; }

    /// <summary>Real multiplications by scales per sample: outputs × (weight scale planes × activation scale planes).</summary>
    public required long ScaleMultiplications { get; init; }

    /// <summary>OutputElements · OutputBits: storage of this layer's output for one sample.</summary>
    public required double OutputActivationBits { get; init; }

    /// <summary>Estimated 45 nm arithmetic energy per sample, pJ.</summary>
    public required double ComputeEnergyPicojoules { get; init; }

    /// <summary>Estimated energy of reading every stored bit once per sample, pJ.</summary>
    public required double MemoryEnergyPicojoules { get; init; }

    /// <summary>Compute + memory energy estimate, pJ.</summary>
    public required double TotalEnergyPicojoules { get; init; }

    /// <summary>Fully-parallel datapath: one XNOR (or AND) gate per active weight bit per activation plane, Σ_j |A_j| · b_a; null for float/sign-flip datapaths.</summary>
    public required long? XnorGates { get; init; }

    /// <summary>Popcount-tree full adders (a w-input popcount ≈ w full adders), equal to <see cref="XnorGates"/>; null when not applicable.</summary>
    public required long? PopcountFullAdders { get; init; }

    /// <summary>Estimated popcount area in µm² (full adders × 4.5 µm²); XNOR gate area is not in the source table and is excluded.</summary>
    public required double? EstimatedAdderAreaSquareMicrometers { get; init; }

    /// <summary>Bit-serial passes per output: weight planes × activation planes (B_max for heterogeneous weights).</summary>
    public required int? BitSerialPassesPerOutput { get; init; }

    /// <summary>Passes per output if each weight stops after its own planes: n̄ · b_a (energy-relevant, docs/COST-MODEL.md section 6).</summary>
    public required double? EffectiveBitSerialPassesPerOutput { get; init; }

    /// <summary>Bit-serial cycles per sample for one fan-in-wide XNOR-popcount unit: OutputElements · passes.</summary>
    public required long? BitSerialCycles { get; init; }
}
