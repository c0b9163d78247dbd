using System.CommandLine;
using System.Globalization;
using Lowbit.Cli.Plotting;
using Lowbit.Cli.Report;
using Lowbit.Training;
using Lowbit.Training.Checkpoints;

namespace Lowbit.Cli.Commands;

/// <summary>
/// <c>lowbit plot-curves</c>: learning curves of one or more runs from their metrics.csv, as one SVG chart: error (%)
/// per epoch for classifiers, perplexity for language models, one line per run and split.
/// </summary>
internal static class CurvePlotCommand
{
    private static readonly string[] Splits = ["train", "val", "test"];

    public static Command Create(TextWriter output)
    {
        var runs = new Option<string[]>("--run") { Description = "Run folder holding metrics.csv (a --out folder of lowbit train, or results/<config>/seed<k>); repeatable.", Required = true, AllowMultipleArgumentsPerToken = false };
        var outPath = new Option<string>("--out", "-o") { Description = "SVG file to write.", Required = true };
        var split = new Option<string[]>("--split") { Description = "Splits to draw: train, val, test (repeatable; default val and test).", DefaultValueFactory = _ => ["val", "test"] };
        var title = new Option<string?>("--title") { Description = "Chart title (default: learning curves)." };
        var cmd = new Command("plot-curves", "Plot learning curves (error % or perplexity per epoch) of one or more runs from their metrics.csv, as SVG.")
        {
            runs, outPath, split, title,
        };
        cmd.SetAction(parse => Run(parse.GetValue(runs)!, parse.GetValue(outPath)!, parse.GetValue(split) ?? [], parse.GetValue(title), output));
        return cmd;
    }

    /// <summary>The label of a run folder: "config seed k" for results/&lt;config&gt;/seed&lt;k&gt;, else the folder name.</summary>
    internal static string Label(string run)
    {
        string full = Path.GetFullPath(run).TrimEnd(Path.DirectorySeparatorChar);
        string name = Path.GetFileName(full);
        string? parent = Path.GetFileName(Path.GetDirectoryName(full));
        return name.StartsWith("seed", StringComparison.Ordinal) && int.TryParse(name.AsSpan(4), NumberStyles.None, CultureInfo.InvariantCulture, out _)
            && !string.IsNullOrEmpty(parent) ? $"{parent} {name}" : name;
    }

    /// <summary>One series per (run, split): x = epoch, y = 100 (1 - accuracy) or the perplexity.</summary>
    /// <exception cref="InvalidDataException">The tables mix classifiers and language models, or lack a column.</exception>
    internal static (List<PlotSeries> Series, bool Perplexity) Read(IReadOnlyList<(string Label, MetricsTable Table)> runs, IReadOnlyList<string> splits)
    {
        bool perplexity = runs[0].Table.IsLanguageModel;
        var series = new List<PlotSeries>();
        foreach (var (label, table) in runs)
        {
            if (table.IsLanguageModel != perplexity)
                throw new InvalidDataException($"{table.Path}: cannot draw a language model's perplexity and a classifier's error on one chart.");
            var epochs = table.Column("epoch");
            foreach (string s in splits)
            {
                var values = table.Column(perplexity ? $"{s}_perplexity" : $"{s}_accuracy");
                var points = new List<PlotPoint>();
                for (int i = 0; i < values.Length; i++)
                {
                    if (values[i] is not double v || epochs[i] is not double e) continue;
                    double y = perplexity ? v : 100 * (1 - v);
                    points.Add(new PlotPoint(label, e, y, y, y, 1));
                }

                if (points.Count > 0) series.Add(new PlotSeries($"{label} {s}", points));
            }
        }

        return (series, perplexity);
    }

    private static int Run(string[] runs, string outPath, string[] splits, string? title, TextWriter output)
    {
        foreach (string s in splits)
            if (!Splits.Contains(s, StringComparer.Ordinal))
                throw new UserException($"--split '{ErrorText.Shown(s)}' is not one of train, val, test.");
        if (splits.Length == 0) throw new UserException("--split: give at least one of train, val, test.");
        var tables = new List<(string, MetricsTable)>();
        foreach (string run in runs)
        {
            string csv = Path.Combine(run, "metrics.csv");
            if (!File.Exists(csv)) throw new UserException($"'{ErrorText.Shown(csv)}' does not exist; plot-curves needs the metrics.csv lowbit train writes.");
            try
            {
                tables.Add((Label(run), MetricsTable.Read(csv)));
            }
            catch (InvalidDataException e)
            {
                throw new UserException(e.Message);
            }
        }

        List<PlotSeries> series;
        bool perplexity;
        try
        {
            (series, perplexity) = Read(tables, splits);
        }
        catch (InvalidDataException e)
        {
            throw new UserException(e.Message);
        }

        if (series.Count == 0) throw new UserException($"no finished epoch with {string.Join("/", splits)} values in the given runs.");
        string svg = ResultChart.Render(series, title ?? "Learning curves", "epoch", perplexity ? "perplexity" : "error (%)", pointMarkers: false);
        var folder = Path.GetDirectoryName(Path.GetFullPath(outPath));
        if (folder is not null) Directory.CreateDirectory(folder);
        AtomicFile.WriteAllText(outPath, svg);
        output.WriteLine($"wrote {outPath}: {series.Count} curves");
        foreach (var s in series)
        {
            var best = s.Points.MinBy(p => p.Y)!;
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  {s.Name}: {s.Points.Count} epochs, last {s.Points[^1].Y:0.##}, best {best.Y:0.##} at epoch {best.X:0}"));
        }

        return ExitCodes.Ok;
    }
}
