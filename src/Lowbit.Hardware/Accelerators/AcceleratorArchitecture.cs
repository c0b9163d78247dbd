namespace Lowbit.Hardware.Accelerators;

/// <summary>How a layer's dot products are laid out in an FPGA or ASIC datapath (docs/COST-MODEL.md, section 11).</summary>
public enum AcceleratorArchitecture
{
    /// <summary>
    /// Fully parallel: every active weight bit has its own product, weights are hardwired into the logic (no weight
    /// memory, the bit map is wiring), one output position per cycle. The setting of HBB's area argument.
    /// </summary>
    Unrolled,

    /// <summary>
    /// Folded bit-parallel array (FINN's matrix-vector unit): PE output channels × SIMD inputs per cycle, every
    /// weight-plane × activation-plane product of a lane in parallel, weights in on-chip memory.
    /// </summary>
    Folded,

    /// <summary>
    /// Folded bit-serial array: PE × SIMD lanes of one 1-bit product each, one weight-plane × activation-plane pair
    /// per pass, shift-accumulate; weights in on-chip memory, stored plane by plane.
    /// </summary>
    BitSerial,
}
