namespace Lowbit.Hardware;

/// <summary>Where stored weight bits are read from during inference, for the energy estimate (<see cref="Horowitz45nm"/>).</summary>
public enum WeightMemoryLevel
{
    /// <summary>8 KB on-chip SRAM: 5 pJ per 32-bit read.</summary>
    Sram,

    /// <summary>Off-chip DRAM: 640 pJ per 32-bit read.</summary>
    Dram,
}
