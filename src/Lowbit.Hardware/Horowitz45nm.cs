namespace Lowbit.Hardware;

/// <summary>
/// The 45 nm energy/area table (Horowitz, "Computing's energy problem (and what we can do about it)", ISSCC 2014, as
/// cited by BinaryNet, arXiv 1602.02830) and the interpolation
/// formulas built on it. This file is the only place these numbers live. All results derived from them are estimates.
/// </summary>
public static class Horowitz45nm
{
    /// <summary>8-bit integer add, pJ.</summary>
    public const double Int8AddPicojoules = 0.03;

    /// <summary>8-bit integer add, µm².</summary>
    public const double Int8AddAreaSquareMicrometers = 36;

    /// <summary>8-bit integer multiply, pJ.</summary>
    public const double Int8MultPicojoules = 0.2;

    /// <summary>32-bit float add, pJ.</summary>
    public const double Float32AddPicojoules = 0.9;

    /// <summary>32-bit float multiply, pJ.</summary>
    public const double Float32MultPicojoules = 3.7;

    /// <summary>32-bit read from an 8 KB SRAM, pJ.</summary>
    public const double Sram32BitReadPicojoules = 5;

    /// <summary>32-bit DRAM read, pJ.</summary>
    public const double Dram32BitReadPicojoules = 640;

    /// <summary>
    /// One 1-bit XNOR + popcount step, charged as a 1-bit add: 0.03 pJ · 1/8 = 0.00375, rounded to 0.004 pJ.
    /// </summary>
    public const double XnorPopcountPicojoules = 0.004;

    /// <summary>The table rows as data: adds, multiplies, then memory reads.</summary>
    public static IReadOnlyList<EnergyTableEntry> Entries { get; } =
    [
        new("8-bit int add", Int8AddPicojoules, Int8AddAreaSquareMicrometers),
        new("16-bit int add", 0.05, 67),
        new("32-bit int add", 0.1, 137),
        new("16-bit float add", 0.4, 1360),
        new("32-bit float add", Float32AddPicojoules, 4184),
        new("8-bit int mult", Int8MultPicojoules, 282),
        new("32-bit int mult", 3.1, 3495),
        new("16-bit float mult", 1.1, 1640),
        new("32-bit float mult", Float32MultPicojoules, 7700),
        new("32-bit SRAM read (8 KB)", Sram32BitReadPicojoules, null),
        new("32-bit DRAM read", Dram32BitReadPicojoules, null),
    ];

    /// <summary>Area of one full adder, estimated as the 8-bit int add area divided by its 8 bit positions: 36 / 8 = 4.5 µm².</summary>
    public const double FullAdderAreaSquareMicrometers = Int8AddAreaSquareMicrometers / 8;

    /// <summary>Integer multiply energy, quadratic in operand width: E_mul(b_w, b_a) = 0.2 · (b_w · b_a) / 64 pJ, i.e. 0.2 · (b/8)² when b_w = b_a = b.</summary>
    /// <param name="weightBits">b_w.</param>
    /// <param name="activationBits">b_a.</param>
    /// <returns>Energy in pJ (an estimate).</returns>
    public static double IntegerMultiplyPicojoules(double weightBits, double activationBits) =>
        Int8MultPicojoules * weightBits * activationBits / 64;

    /// <summary>Integer add energy, linear in width: E_add(b) = 0.03 · b / 8 pJ.</summary>
    /// <param name="bits">Adder width b.</param>
    /// <returns>Energy in pJ (an estimate).</returns>
    public static double IntegerAddPicojoules(double bits) => Int8AddPicojoules * bits / 8;

    /// <summary>Energy of reading one stored bit from <paramref name="level"/>: the 32-bit read energy divided by 32.</summary>
    /// <param name="level">Memory level.</param>
    /// <returns>pJ per bit: 5/32 for SRAM, 20 for DRAM.</returns>
    /// <exception cref="ArgumentOutOfRangeException">Unknown level.</exception>
    public static double ReadPicojoulesPerBit(WeightMemoryLevel level) => level switch
    {
        WeightMemoryLevel.Sram => Sram32BitReadPicojoules / 32,
        WeightMemoryLevel.Dram => Dram32BitReadPicojoules / 32,
        _ => throw new ArgumentOutOfRangeException(nameof(level), level, "Use Sram or Dram."),
    };
}
