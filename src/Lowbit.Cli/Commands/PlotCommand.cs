using System.CommandLine;
using System.Globalization;
using Lowbit.Cli.Plotting;
using Lowbit.Training.Checkpoints;

namespace Lowbit.Cli.Commands;

/// <summary><c>lowbit plot</c>: test error against average weight bits from result.json files, as an SVG chart.</summary>
internal static class PlotCommand
{
    public static Command Create(TextWriter output)
    {
        var results = new Option<string>("--results") { Description = "Folder searched recursively for result.json files (e.g. results/).", Required = true };
        var outPath = new Option<string>("--out", "-o") { Description = "SVG file to write (e.g. docs/plots/fashion-mnist.svg).", Required = true };
        var dataset = new Option<string?>("--dataset") { Description = "Only runs on this dataset (mnist, fashion-mnist, cifar10)." };
        var include = new Option<string[]>("--include") { Description = "Only models whose name contains one of these (repeatable).", DefaultValueFactory = _ => [] };
        var maxBits = new Option<double>("--max-bits") { Description = "Leave out points above this many average weight bits (float baselines are 32).", DefaultValueFactory = _ => 8 };
        var title = new Option<string?>("--title") { Description = "Chart title (default: test error against average weight bits [dataset])." };
        var cmd = new Command("plot", "Plot test error (%, mean over seeds, min-max bars) against average weight bits, one series per config family, as SVG.")
        {
            results, outPath, dataset, include, maxBits, title,
        };
        cmd.SetAction(parse => Run(parse.GetValue(results)!, parse.GetValue(outPath)!, parse.GetValue(dataset), parse.GetValue(include) ?? [], parse.GetValue(maxBits), parse.GetValue(title), output));
        return cmd;
    }

    private static int Run(string results, string outPath, string? dataset, string[] include, double maxBits, string? title, TextWriter output)
    {
        if (!(maxBits > 0)) throw new UserException($"--max-bits must be positive, got {maxBits.ToString(CultureInfo.InvariantCulture)}.");
        var rows = ResultSeries.Read(results)
            .Where(r => dataset is null || r.Dataset == dataset)
            .Where(r => include.Length == 0 || include.Any(s => r.Model.Contains(s, StringComparison.Ordinal)))
            .ToList();
        var dropped = rows.Where(r => r.X > maxBits).Select(r => r.Model).Distinct().ToList();
        rows = rows.Where(r => r.X <= maxBits).ToList();
        if (rows.Count == 0)
            throw new UserException($"no result.json under '{results}' matches (dataset {dataset ?? "any"}, include [{string.Join(", ", include)}], at most {maxBits.ToString(CultureInfo.InvariantCulture)} bits).");
        var series = ResultSeries.Group(rows);
        string svg = SvgPlot.Render(series, title ?? $"Test error against average weight bits{(dataset is null ? "" : $" ({dataset})")}", "average weight bits", "test error (%)");
        var folder = Path.GetDirectoryName(Path.GetFullPath(outPath));
        if (folder is not null) Directory.CreateDirectory(folder);
        AtomicFile.WriteAllText(outPath, svg);
        output.WriteLine($"wrote {outPath}: {series.Count} series, {series.Sum(s => s.Points.Count)} points from {rows.Count} runs" +
            (dropped.Count == 0 ? "" : $"; left out above {maxBits.ToString(CultureInfo.InvariantCulture)} bits: {string.Join(", ", dropped)}"));
        foreach (var s in series)
            output.WriteLine($"  {s.Name}: " + string.Join("; ", s.Points.Select(p => string.Create(CultureInfo.InvariantCulture, $"{p.Model} {p.X:0.###} bits {p.Y:F2} % ({p.Seeds} run(s))"))));
        return ExitCodes.Ok;
    }
}
