using System.Globalization;

namespace Lowbit.Hardware.Accelerators;

/// <summary>The assumptions behind an FPGA or ASIC estimate, as lines of text (printed by <c>lowbit summary --hardware</c>).</summary>
public static class AcceleratorAssumptions
{
    /// <summary>The assumption lines for <paramref name="options"/>.</summary>
    /// <param name="options">Architecture and array size.</param>
    /// <param name="fpga">True for the FPGA resource lines, false for the 45 nm ASIC lines.</param>
    /// <returns>One assumption per line, each with its source or marked as ours.</returns>
    public static IReadOnlyList<string> Lines(AcceleratorOptions options, bool fpga)
    {
        ArgumentNullException.ThrowIfNull(options);
        var lines = new List<string> { Architecture(options) };
        lines.Add("Quantized x quantized layers are bit-plane arrays: one XNOR (+-1 planes) or AND (unsigned planes) per weight-plane x activation-plane product into a popcount; plane sums combined by adders, residual planes scaled by float32 multiplies (Fromm et al. 2018; DoReFa bit planes). Layers with a float operand use float32 multipliers/adders.");
        lines.Add("Heterogeneous weights: lanes, passes and adders are sized for B_max; stored arrays hold B_max dense sign planes + (B_max - 1) dense mask planes (a lane must find its weight's bits at a fixed address); unrolled designs hardwire the map (no storage).");
        lines.Add("Not charged: batch norm / pooling / activations / branch sums (folded into thresholds or negligible), per-sample means of residual activations, control, I/O, activation buffers.");
        if (fpga)
        {
            lines.Add(Invariant($"LUTs: {FpgaConstants.LutsPerProductGate} per 2-input gate, {FpgaConstants.LutsPerPopcountInput} per popcount input, {FpgaConstants.LutsPerAdderBit} per adder bit (our assumptions: dual-output LUT6, one full adder per LUT on the carry chain)."));
            lines.Add(Invariant($"BRAM36: {FpgaConstants.Bram36Bits} bits, ports up to {FpgaConstants.Bram36MaxWidthBits} bits wide (Xilinx UG473); one memory per PE sized for capacity and for its bits per cycle; small memories are not moved to LUTRAM."));
            lines.Add(Invariant($"DSPs: {FpgaConstants.DspsPerFloatMultiplier} per float32 multiplier (also scale multiplies), {FpgaConstants.DspsPerFloatAdder} per float32 adder (our assumptions)."));
        }
        else
        {
            lines.Add(Invariant($"Area (45 nm): full adder {AsicConstants.FullAdderSquareMicrometers} um2 (8-bit add 36 um2 / 8, Horowitz ISSCC 2014), gate {AsicConstants.ProductGateSquareMicrometers} um2 (our assumption), float32 multiplier {AsicConstants.Float32MultiplierSquareMicrometers} um2 and adder {AsicConstants.Float32AdderSquareMicrometers} um2 (Horowitz), SRAM {AsicConstants.SramBitSquareMicrometers} um2 per bit (our assumption)."));
            lines.Add(Invariant($"Energy (45 nm, Horowitz ISSCC 2014): {Horowitz45nm.XnorPopcountPicojoules} pJ per XNOR-popcount bit operation, 0.03 pJ x width/8 per accumulator add, {Horowitz45nm.Float32MultPicojoules} pJ per scale multiply, float layers as the cost model; weight reads {AsicConstants.SramReadPicojoulesPerBit:0.#####} pJ/bit (5 pJ per 32-bit 8 KB SRAM read)."));
            lines.Add("Weight reads: folded arrays read every stored weight bit once per output position, bit-serial arrays once per activation plane per position; unrolled designs read none.");
        }

        return lines;
    }

    private static string Architecture(AcceleratorOptions o) => o.Architecture switch
    {
        AcceleratorArchitecture.Unrolled => "Architecture: unrolled (every active weight bit has its own product, weights hardwired, one output position per cycle).",
        AcceleratorArchitecture.Folded => Invariant($"Architecture: folded bit-parallel array, PE = {o.ProcessingElements} output channels x SIMD = {o.SimdLanes} inputs per cycle, all plane pairs of a lane in parallel (FINN, Umuroglu et al. 2017); PE and SIMD capped at each layer's channels and fan-in."),
        _ => Invariant($"Architecture: folded bit-serial array, PE = {o.ProcessingElements} x SIMD = {o.SimdLanes} one-bit lanes, one weight-plane x activation-plane pair per pass, B_max x a passes (no skipping of inactive planes)."),
    };

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
