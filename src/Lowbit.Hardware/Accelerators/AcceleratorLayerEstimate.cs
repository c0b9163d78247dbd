namespace Lowbit.Hardware.Accelerators;

/// <summary>
/// FPGA and ASIC estimate of one layer per sample for one <see cref="AcceleratorArchitecture"/>: the hardware units
/// the layer needs (gates, popcount inputs, adders, multipliers, weight memory), the cycles, and their FPGA resources
/// and 45 nm area and energy. Formulas: docs/COST-MODEL.md, section 11. All figures are estimates.
/// </summary>
public sealed record AcceleratorLayerEstimate
{
    /// <summary>Layer name.</summary>
    public required string Name { get; init; }

    /// <summary>Arithmetic of the layer (from the cost model).</summary>
    public required Datapath Datapath { get; init; }

    /// <summary>Weight encoding.</summary>
    public required OperandEncoding WeightEncoding { get; init; }

    /// <summary>Input activation encoding.</summary>
    public required OperandEncoding ActivationEncoding { get; init; }

    /// <summary>n̄, average weight bits.</summary>
    public required double AverageWeightBits { get; init; }

    /// <summary>O: output channels per position (weights / fan-in); 0 without MACs.</summary>
    public required long OutputChannels { get; init; }

    /// <summary>Output channels computed in parallel (PE, or O when unrolled).</summary>
    public required long ProcessingElements { get; init; }

    /// <summary>Inputs per PE per cycle (SIMD, or the fan-in when unrolled).</summary>
    public required long SimdLanes { get; init; }

    /// <summary>2-input product gates (XNOR / AND) and bit-map mask gates.</summary>
    public required long ProductGates { get; init; }

    /// <summary>Bits entering popcount trees.</summary>
    public required long PopcountInputs { get; init; }

    /// <summary>Accumulator and plane-combining adder bits.</summary>
    public required long AdderBits { get; init; }

    /// <summary>Scale multipliers (μ_j·ν_i of residual schemes), charged as float32 multipliers.</summary>
    public required long ScaleMultipliers { get; init; }

    /// <summary>float32 multipliers of float MAC lanes.</summary>
    public required long FloatMultipliers { get; init; }

    /// <summary>float32 adders of float and sign-flip lanes.</summary>
    public required long FloatAdders { get; init; }

    /// <summary>Weight bits held in on-chip memory: sign planes plus dense bit-map mask planes (0 when unrolled: hardwired).</summary>
    public required long StoredWeightBits { get; init; }

    /// <summary>Weight-memory bits each PE reads per cycle.</summary>
    public required long MemoryWidthBitsPerPe { get; init; }

    /// <summary>Clock cycles per sample.</summary>
    public required long CyclesPerSample { get; init; }

    /// <summary>FPGA LUTs.</summary>
    public required double Luts { get; init; }

    /// <summary>FPGA 36 Kib block RAMs.</summary>
    public required long Bram36 { get; init; }

    /// <summary>FPGA DSP slices.</summary>
    public required long Dsps { get; init; }

    /// <summary>ASIC logic area (gates, adders, multipliers), µm².</summary>
    public required double LogicAreaSquareMicrometers { get; init; }

    /// <summary>ASIC weight-memory area, µm².</summary>
    public required double MemoryAreaSquareMicrometers { get; init; }

    /// <summary>ASIC arithmetic energy per sample, pJ.</summary>
    public required double ComputeEnergyPicojoules { get; init; }

    /// <summary>ASIC weight-memory read energy per sample, pJ.</summary>
    public required double MemoryEnergyPicojoules { get; init; }

    /// <summary>Logic + memory area, µm².</summary>
    public double AreaSquareMicrometers => LogicAreaSquareMicrometers + MemoryAreaSquareMicrometers;

    /// <summary>Compute + memory energy per sample, pJ.</summary>
    public double EnergyPicojoules => ComputeEnergyPicojoules + MemoryEnergyPicojoules;
}
