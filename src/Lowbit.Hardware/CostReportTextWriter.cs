using System.Globalization;

namespace Lowbit.Hardware;

/// <summary>Writes a <see cref="CostReport"/> as a fixed-width plain-text table followed by the network-level figures.</summary>
public static class CostReportTextWriter
{
    /// <summary>Writes <paramref name="report"/> to <paramref name="writer"/> using <see cref="CostColumns.Summary"/>.</summary>
    /// <param name="report">The report.</param>
    /// <param name="writer">Destination.</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    public static void Write(CostReport report, TextWriter writer) => Write(report, writer, CostColumns.Summary);

    /// <summary>Writes <paramref name="report"/> to <paramref name="writer"/> with the given columns.</summary>
    /// <param name="report">The report.</param>
    /// <param name="writer">Destination.</param>
    /// <param name="columns">Columns to render, in order.</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    public static void Write(CostReport report, TextWriter writer, IReadOnlyList<CostColumn> columns)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(columns);

        var cells = new List<string[]> { columns.Select(c => c.Header).ToArray() };
        cells.AddRange(report.Layers.Select(row => columns.Select(c => c.FormatLayer(row)).ToArray()));
        cells.Add(columns.Select(c => c.FormatTotal(report.Totals)).ToArray());
        int[] widths = columns.Select((_, i) => cells.Max(line => line[i].Length)).ToArray();

        writer.WriteLine($"Cost model: {report.Name} (per sample; energy and area are 45 nm estimates)");
        for (int line = 0; line < cells.Count; line++)
        {
            if (line == 1 || line == cells.Count - 1)
            {
                writer.WriteLine(string.Join("-+-", widths.Select(w => new string('-', w))));
            }

            writer.WriteLine(string.Join(" | ", cells[line].Select((text, i) =>
                columns[i].IsNumeric ? text.PadLeft(widths[i]) : text.PadRight(widths[i]))));
        }

        var totals = report.Totals;
        writer.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Peak activation memory: {CostColumns.Integer((long)Math.Ceiling(totals.PeakActivationBits))} bits at '{totals.PeakActivationLayer ?? "input"}'"));
        writer.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"HBB binary work: {CostColumns.Integer(totals.BinaryWork)}; FP32-equivalent BOPs: {CostColumns.Integer(totals.Fp32EquivalentBops)}; scale multiplications: {CostColumns.Integer(totals.ScaleMultiplications)}"));
        writer.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Estimated energy: compute {CostColumns.Fixed(totals.ComputeEnergyPicojoules, 1)} pJ + weight reads ({report.Options.WeightMemory}) {CostColumns.Fixed(totals.MemoryEnergyPicojoules, 1)} pJ"));
        writer.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Metadata scheme: {report.Options.MetadataScheme}; entropy bound {CostColumns.Fixed(totals.EntropyBoundBits, 1)} bits"));
    }
}
