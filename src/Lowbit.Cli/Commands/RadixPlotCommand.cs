using System.CommandLine;
using System.Globalization;
using Lowbit.Cli.Plotting;
using Lowbit.Training;
using Lowbit.Training.Checkpoints;

namespace Lowbit.Cli.Commands;

/// <summary>
/// <c>lowbit plot-radix</c>: the radix points (integer bits) of a low-precision run's fixed-point groups over training,
/// from its arithmetic.csv, as an SVG chart with one line per group.
/// </summary>
internal static class RadixPlotCommand
{
    public static Command Create(TextWriter output)
    {
        var run = new Option<string>("--run") { Description = "Run folder (or a results/<config>/seed<k> folder) holding arithmetic.csv.", Required = true };
        var outPath = new Option<string>("--out", "-o") { Description = "SVG file to write.", Required = true };
        var group = new Option<string[]>("--group") { Description = "Only groups whose name contains one of these, e.g. dE/dW or L2/ (repeatable).", DefaultValueFactory = _ => [] };
        var title = new Option<string?>("--title") { Description = "Chart title (default: the run folder)." };
        var cmd = new Command("plot-radix", "Plot each fixed-point group's integer bits (radix point) against the training step, from arithmetic.csv.")
        {
            run, outPath, group, title,
        };
        cmd.SetAction(parse => Run(parse.GetValue(run)!, parse.GetValue(outPath)!, parse.GetValue(group) ?? [], parse.GetValue(title), output));
        return cmd;
    }

    /// <summary>Reads arithmetic.csv into one series per group: (step, integer bits) after every change of record.</summary>
    internal static List<PlotSeries> Read(string csvPath, string[] groups)
    {
        var lines = File.ReadAllLines(csvPath);
        const string Header = "step,epoch,phase,group,integer_bits,overflow_rate,overflow_rate_below";
        if (lines.Length == 0 || lines[0] != Header)
            throw new InvalidDataException($"{csvPath}: line 1 must be the header '{Header}'.");
        var points = new Dictionary<string, List<PlotPoint>>(StringComparer.Ordinal);
        for (int i = 1; i < lines.Length; i++)
        {
            var f = lines[i].Split(',');
            if (f.Length != 7 || !long.TryParse(f[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out long step)
                || !int.TryParse(f[4], NumberStyles.Integer, CultureInfo.InvariantCulture, out int bits))
                throw new InvalidDataException($"{csvPath}: line {i + 1} is not step,epoch,phase,group,integer_bits,... ('{lines[i]}').");
            string name = f[3];
            if (groups.Length > 0 && !groups.Any(g => name.Contains(g, StringComparison.Ordinal))) continue;
            if (!points.TryGetValue(name, out var list)) points[name] = list = [];
            list.Add(new PlotPoint(name, step, bits, bits, bits, 1));
        }
        return points.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => new PlotSeries(p.Key, p.Value)).ToList();
    }

    private static int Run(string run, string outPath, string[] groups, string? title, TextWriter output)
    {
        string csv = Path.Combine(run, ArithmeticLog.FileName);
        if (!File.Exists(csv)) throw new UserException($"'{csv}' does not exist; plot-radix needs a run trained with an \"arithmetic\" block.");
        var series = Read(csv, groups);
        if (series.Count == 0)
            throw new UserException($"{csv}: no fixed-point group matches [{string.Join(", ", groups)}] (float formats have no radix point).");
        string svg = ResultChart.Render(series, title ?? $"Radix points over training ({run})", "training step (negative: range initialisation)", "integer bits", pointMarkers: false);
        var folder = Path.GetDirectoryName(Path.GetFullPath(outPath));
        if (folder is not null) Directory.CreateDirectory(folder);
        AtomicFile.WriteAllText(outPath, svg);
        output.WriteLine($"wrote {outPath}: {series.Count} groups, {series.Sum(s => s.Points.Count)} records");
        foreach (var s in series)
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {s.Name}: {s.Points[0].Y} → {s.Points[^1].Y} integer bits (min {s.Points.Min(p => p.Y)}, max {s.Points.Max(p => p.Y)})"));
        return ExitCodes.Ok;
    }
}
