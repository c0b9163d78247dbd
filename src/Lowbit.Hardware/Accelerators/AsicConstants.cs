namespace Lowbit.Hardware.Accelerators;

/// <summary>
/// Area constants of the 45 nm ASIC estimate. Energies come from <see cref="Horowitz45nm"/> (Horowitz, ISSCC 2014);
/// areas marked "table" are from the same table, the others are our assumptions. This file is the only place the
/// assumed areas live.
/// </summary>
public static class AsicConstants
{
    /// <summary>Area of one full adder: the 8-bit add area (36 µm², table) divided by its 8 bit positions = 4.5 µm².</summary>
    public const double FullAdderSquareMicrometers = Horowitz45nm.FullAdderAreaSquareMicrometers;

    /// <summary>
    /// Area of one 2-input product gate (XNOR, AND, mask gate): 1.5 µm². Our assumption: one third of a full adder
    /// (the table has no gate areas).
    /// </summary>
    public const double ProductGateSquareMicrometers = FullAdderSquareMicrometers / 3;

    /// <summary>Area of one float32 multiplier: 7,700 µm² (table).</summary>
    public const double Float32MultiplierSquareMicrometers = 7700;

    /// <summary>Area of one float32 adder: 4,184 µm² (table).</summary>
    public const double Float32AdderSquareMicrometers = 4184;

    /// <summary>
    /// Area of one on-chip SRAM bit including its share of the periphery: 0.5 µm². Our assumption (the table has no
    /// SRAM area; 45 nm 6T cells are a few tenths of a µm², periphery adds to that).
    /// </summary>
    public const double SramBitSquareMicrometers = 0.5;

    /// <summary>Energy of reading one bit from on-chip SRAM: the table's 5 pJ per 32-bit read of an 8 KB SRAM / 32.</summary>
    public static double SramReadPicojoulesPerBit => Horowitz45nm.ReadPicojoulesPerBit(WeightMemoryLevel.Sram);
}
