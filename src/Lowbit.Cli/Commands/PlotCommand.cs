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
        var maxBits = new Option<double?>("--max-bits") { Description = "Leave out points whose x is above this (default 8 for average weight bits, where float baselines are 32; no limit for other --x)." };
        var title = new Option<string?>("--title") { Description = "Chart title (default: test error against average weight bits [dataset])." };
        var x = new Option<string>("--x") { Description = "result.json number to plot along x, a dotted path (e.g. arithmetic.propagation_bits).", DefaultValueFactory = _ => DefaultX };
        var mark = new Option<string[]>("--mark") { Description = "Vertical dashed line X=LABEL, e.g. --mark 10=knee (repeatable).", DefaultValueFactory = _ => [] };
        var hline = new Option<string[]>("--hline") { Description = "Horizontal dashed line Y=LABEL at a test error in %, e.g. --hline 2.03=float32 (repeatable).", DefaultValueFactory = _ => [] };
        var cmd = new Command("plot", "Plot test error (%, mean over seeds, min-max bars) against average weight bits, one series per config family, as SVG.")
        {
            results, outPath, dataset, include, maxBits, title, x, mark, hline,
        };
        cmd.SetAction(parse => Run(new PlotRequest(parse.GetValue(results)!, parse.GetValue(outPath)!, parse.GetValue(dataset), parse.GetValue(include) ?? [],
            parse.GetValue(maxBits), parse.GetValue(title), parse.GetValue(x)!, parse.GetValue(mark) ?? [], parse.GetValue(hline) ?? []), output));
        return cmd;
    }

    private const string DefaultX = "weight_bits_avg";

    private sealed record PlotRequest(string Results, string OutPath, string? Dataset, string[] Include, double? MaxBits, string? Title, string X, string[] Marks, string[] HLines);

    /// <summary>Parses "10=knee" marks (of <paramref name="option"/>).</summary>
    private static List<(double X, string Label)> Marks(string[] marks, string option = "--mark") => marks.Select(m =>
    {
        int eq = m.IndexOf('=', StringComparison.Ordinal);
        return eq > 0 && double.TryParse(m[..eq], NumberStyles.Float, CultureInfo.InvariantCulture, out double v)
            ? (v, m[(eq + 1)..])
            : throw new UserException($"{option} '{m}': expected VALUE=LABEL with a number VALUE, e.g. 10=knee.");
    }).ToList();

    private static int Run(PlotRequest request, TextWriter output)
    {
        var (results, outPath, dataset, include, maxBitsOption, title) = (request.Results, request.OutPath, request.Dataset, request.Include, request.MaxBits, request.Title);
        double maxBits = maxBitsOption ?? (request.X == DefaultX ? 8 : double.PositiveInfinity);
        if (!(maxBits > 0)) throw new UserException($"--max-bits must be positive, got {maxBits.ToString(CultureInfo.InvariantCulture)}.");
        var marks = Marks(request.Marks);
        var hlines = Marks(request.HLines, "--hline");
        var rows = ResultSeries.Read(results, request.X)
            .Where(r => dataset is null || r.Dataset == dataset)
            .Where(r => include.Length == 0 || include.Any(s => r.Model.Contains(s, StringComparison.Ordinal)))
            .ToList();
        var dropped = rows.Where(r => r.X > maxBits).Select(r => r.Model).Distinct().ToList();
        rows = rows.Where(r => r.X <= maxBits).ToList();
        if (rows.Count == 0)
            throw new UserException($"no result.json under '{results}' matches (dataset {dataset ?? "any"}, include [{string.Join(", ", include)}], at most {maxBits.ToString(CultureInfo.InvariantCulture)} bits).");
        var series = ResultSeries.Group(rows);
        string xLabel = request.X == DefaultX ? "average weight bits" : request.X;
        string svg = ResultChart.Render(series, title ?? $"Test error against {xLabel}{(dataset is null ? "" : $" ({dataset})")}", xLabel, "test error (%)", marks, hlines: hlines);
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
