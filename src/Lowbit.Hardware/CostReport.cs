namespace Lowbit.Hardware;

/// <summary>Result of <see cref="CostModel.Estimate"/>: one row per layer, totals, and the options used.</summary>
/// <param name="Name">Model name.</param>
/// <param name="Options">Options the report was computed with.</param>
/// <param name="Layers">Per-layer rows, in execution order.</param>
/// <param name="Totals">Network totals.</param>
public sealed record CostReport(string Name, CostModelOptions Options, IReadOnlyList<LayerCostRow> Layers, CostTotals Totals);
