namespace Lowbit.Hardware.Accelerators;

/// <summary>Settings shared by the FPGA and ASIC estimators.</summary>
public sealed record AcceleratorOptions
{
    /// <summary>Default: folded array with 16 processing elements of 64 lanes (our assumption; see docs/COST-MODEL.md).</summary>
    public static AcceleratorOptions Default { get; } = new();

    /// <summary>Datapath layout.</summary>
    public AcceleratorArchitecture Architecture { get; init; } = AcceleratorArchitecture.Folded;

    /// <summary>PE: output channels computed in parallel by a folded array (capped at the layer's output channels).</summary>
    public int ProcessingElements { get; init; } = 16;

    /// <summary>SIMD: inputs per PE per cycle of a folded array (capped at the layer's fan-in).</summary>
    public int SimdLanes { get; init; } = 64;

    /// <summary>Checks the settings.</summary>
    /// <exception cref="ArgumentOutOfRangeException">PE or SIMD is not positive, or the architecture is unknown.</exception>
    public void Validate()
    {
        if (!Enum.IsDefined(Architecture))
        {
            throw new ArgumentOutOfRangeException(nameof(Architecture), Architecture, "Use Unrolled, Folded or BitSerial.");
        }

        if (ProcessingElements < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(ProcessingElements), ProcessingElements, "Processing elements (PE) must be at least 1.");
        }

        if (SimdLanes < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(SimdLanes), SimdLanes, "SIMD lanes must be at least 1.");
        }
    }
}
