namespace Lowbit.Hardware;

/// <summary>Network totals per sample: sums of the <see cref="LayerCostRow"/> columns, ratios of the sums, and the activation peak.</summary>
public sealed record CostTotals
{
    /// <summary>Σ N.</summary>
    public required long Weights { get; init; }

    /// <summary>Σ payload / Σ N (0 when there are no weights).</summary>
    public required double AverageWeightBits { get; init; }

    /// <summary>Σ payload bits.</summary>
    public required long PayloadBits { get; init; }

    /// <summary>Σ counted metadata bits.</summary>
    public required long MetadataBits { get; init; }

    /// <summary>Σ nested-mask bits.</summary>
    public required long NestedMaskBits { get; init; }

    /// <summary>Σ explicit-code bits.</summary>
    public required long ExplicitCodeBits { get; init; }

    /// <summary>Σ entropy bounds.</summary>
    public required double EntropyBoundBits { get; init; }

    /// <summary>Σ scale bits.</summary>
    public required long ScaleBits { get; init; }

    /// <summary>Σ other float bits.</summary>
    public required long OtherFloatBits { get; init; }

    /// <summary>Σ total bits.</summary>
    public required long TotalBits { get; init; }

    /// <summary>Σ per-layer bytes (each layer padded to a byte).</summary>
    public required long TotalBytes { get; init; }

    /// <summary>Σ float32 baseline bits.</summary>
    public required long Float32BaselineBits { get; init; }

    /// <summary>Σ float32 baseline bytes.</summary>
    public required long Float32BaselineBytes { get; init; }

    /// <summary>Σ baseline bits / Σ total bits, or null when nothing is stored.</summary>
    public required double? CompressionRatio { get; init; }

    /// <summary>Σ MACs.</summary>
    public required long Macs { get; init; }

    /// <summary>Σ HBB binary work.</summary>
    public required long BinaryWork { get; init; }

    /// <summary>Σ simple BOPs.</summary>
    public required double Bops { get; init; }

    /// <summary>Σ UNIQ BOPs.</summary>
    public required double UniqBops { get; init; }

    /// <summary>Σ FP32-equivalent BOPs.</summary>
    public required long Fp32EquivalentBops { get; init; }

    /// <summary>Σ scale multiplications.</summary>
    public required long ScaleMultiplications { get; init; }

    /// <summary>Σ compute energy estimates, pJ.</summary>
    public required double ComputeEnergyPicojoules { get; init; }

    /// <summary>Σ memory energy estimates, pJ.</summary>
    public required double MemoryEnergyPicojoules { get; init; }

    /// <summary>Σ total energy estimates, pJ.</summary>
    public required double TotalEnergyPicojoules { get; init; }

    /// <summary>Σ XNOR gates over layers where the area model applies.</summary>
    public required long XnorGates { get; init; }

    /// <summary>Σ popcount full adders over layers where the area model applies.</summary>
    public required long PopcountFullAdders { get; init; }

    /// <summary>Σ estimated adder area, µm².</summary>
    public required double EstimatedAdderAreaSquareMicrometers { get; init; }

    /// <summary>Σ bit-serial cycles over layers where the latency model applies (layers run one after another).</summary>
    public required long BitSerialCycles { get; init; }

    /// <summary>Input elements × input bits of one sample.</summary>
    public required double InputActivationBits { get; init; }

    /// <summary>Peak activation memory: max over layers l of (input of l + output of l) bits, the input of layer 1 being the network input.</summary>
    public required double PeakActivationBits { get; init; }

    /// <summary>Name of the layer at which <see cref="PeakActivationBits"/> occurs, or null for an empty network.</summary>
    public required string? PeakActivationLayer { get; init; }
}
