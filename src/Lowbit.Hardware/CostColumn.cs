namespace Lowbit.Hardware;

/// <summary>
/// One column of a rendered cost table: a header and invariant-culture formatters for a layer row and for the totals
/// row. Renderers (the plain-text writer here, Spectre.Console in the CLI) iterate <see cref="CostColumns.Summary"/>.
/// </summary>
/// <param name="Header">Column header including its unit.</param>
/// <param name="FormatLayer">Cell text for a layer row.</param>
/// <param name="FormatTotal">Cell text for the totals row.</param>
/// <param name="IsNumeric">True for right-aligned numeric columns.</param>
public sealed record CostColumn(string Header, Func<LayerCostRow, string> FormatLayer, Func<CostTotals, string> FormatTotal, bool IsNumeric);
