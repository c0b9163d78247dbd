namespace Lowbit.Hardware.Accelerators;

/// <summary>
/// Resource costs of the FPGA estimate (a Xilinx 7-series / UltraScale-style fabric: 6-input LUTs with a carry chain,
/// 36 Kib block RAMs, DSP48 slices). Every constant states its source; "our assumption" marks engineering estimates
/// that are not taken from a datasheet. This file is the only place these numbers live.
/// </summary>
public static class FpgaConstants
{
    /// <summary>
    /// LUTs per 2-input product gate (XNOR for ±1 planes, AND for unsigned planes or a bit-map mask): 0.5. Our
    /// assumption: a 6-input LUT with two outputs implements two 2-input gates.
    /// </summary>
    public const double LutsPerProductGate = 0.5;

    /// <summary>
    /// LUTs per popcount input bit: 1. Our assumption: a w-input popcount tree has about w full adders (the same
    /// count the ASIC estimate uses), and the fabric builds one full-adder bit per LUT on its carry chain.
    /// </summary>
    public const double LutsPerPopcountInput = 1;

    /// <summary>LUTs per accumulator or adder bit: 1 (ripple-carry on the carry chain; our assumption).</summary>
    public const double LutsPerAdderBit = 1;

    /// <summary>Bits of one 36 Kib block RAM (BRAM36): 36,864 (Xilinx UG473, 7 Series FPGAs Memory Resources).</summary>
    public const long Bram36Bits = 36 * 1024;

    /// <summary>Widest port of one BRAM36 in simple dual-port mode: 72 bits (Xilinx UG473).</summary>
    public const int Bram36MaxWidthBits = 72;

    /// <summary>
    /// DSP slices per float32 multiplier: 3. Our assumption, of the order vendor floating-point cores use; scale
    /// multiplications are charged as float32 multiplies as in the energy model.
    /// </summary>
    public const int DspsPerFloatMultiplier = 3;

    /// <summary>DSP slices per float32 adder: 2 (our assumption, as above).</summary>
    public const int DspsPerFloatAdder = 2;
}
