namespace Lowbit.Hardware;

/// <summary>One row of the 45 nm energy/area table.</summary>
/// <param name="Operation">Operation, e.g. "32-bit float mult".</param>
/// <param name="EnergyPicojoules">Energy per operation in pJ.</param>
/// <param name="AreaSquareMicrometers">Area in µm², or null when the table gives none.</param>
public sealed record EnergyTableEntry(string Operation, double EnergyPicojoules, double? AreaSquareMicrometers);
