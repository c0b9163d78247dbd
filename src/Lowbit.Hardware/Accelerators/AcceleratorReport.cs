namespace Lowbit.Hardware.Accelerators;

/// <summary>Result of <see cref="AcceleratorEstimator.Estimate"/>: per-layer estimates and their sums.</summary>
/// <param name="Name">Model name.</param>
/// <param name="Options">Architecture and array size used.</param>
/// <param name="Layers">One estimate per cost-model layer, in execution order.</param>
public sealed record AcceleratorReport(string Name, AcceleratorOptions Options, IReadOnlyList<AcceleratorLayerEstimate> Layers)
{
    /// <summary>Σ LUTs.</summary>
    public double Luts => Layers.Sum(l => l.Luts);

    /// <summary>Σ BRAM36.</summary>
    public long Bram36 => Layers.Sum(l => l.Bram36);

    /// <summary>Σ DSPs.</summary>
    public long Dsps => Layers.Sum(l => l.Dsps);

    /// <summary>Σ stored weight bits.</summary>
    public long StoredWeightBits => Layers.Sum(l => l.StoredWeightBits);

    /// <summary>Σ cycles per sample (layers run one after another; a pipelined dataflow would be limited by the largest).</summary>
    public long CyclesPerSample => Layers.Sum(l => l.CyclesPerSample);

    /// <summary>Σ logic area, µm².</summary>
    public double LogicAreaSquareMicrometers => Layers.Sum(l => l.LogicAreaSquareMicrometers);

    /// <summary>Σ memory area, µm².</summary>
    public double MemoryAreaSquareMicrometers => Layers.Sum(l => l.MemoryAreaSquareMicrometers);

    /// <summary>Σ area, µm².</summary>
    public double AreaSquareMicrometers => Layers.Sum(l => l.AreaSquareMicrometers);

    /// <summary>Σ compute energy per sample, pJ.</summary>
    public double ComputeEnergyPicojoules => Layers.Sum(l => l.ComputeEnergyPicojoules);

    /// <summary>Σ memory energy per sample, pJ.</summary>
    public double MemoryEnergyPicojoules => Layers.Sum(l => l.MemoryEnergyPicojoules);

    /// <summary>Σ energy per sample, pJ.</summary>
    public double EnergyPicojoules => Layers.Sum(l => l.EnergyPicojoules);
}
