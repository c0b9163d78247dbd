using Lowbit.Cli.Plotting;

namespace Lowbit.Cli.Report;

/// <summary>
/// The figures of <c>lowbit report</c>, built from the runs' files: learning curves per run, validation curves of all
/// runs on a dataset, accuracy-against-bits (and against weight memory) fronts, and parameter bit-width histograms.
/// </summary>
internal static class ReportFigures
{
    /// <summary>Most runs drawn in one overview (the legend stays readable).</summary>
    public const int MaxOverviewRuns = 40;

    /// <summary>Error (or perplexity) and loss curves of one run against the epoch, with its best-validation epoch marked.</summary>
    public static IEnumerable<ReportFigure> LearningCurves(RunRecord run, string id)
    {
        var m = run.Metrics;
        double[] epochs = Values(m.Column("epoch"));
        var best = run.Number("best_epoch") is double b ? new List<(double, string)> { (b, "best validation") } : [];
        if (run.IsLanguageModel)
        {
            var ppl = Present(m, epochs, ("train", "train_perplexity"), ("validation", "val_perplexity"), ("test", "test_perplexity"));
            yield return new ReportFigure(id + "-ppl", "learning-curve", $"{run.Label}: perplexity per epoch", "epoch", "perplexity (log scale)", ppl) { LogY = true, Marks = best };
            yield break;
        }

        var errors = new List<FigureSeries>();
        foreach (var (name, column) in new[] { ("train", "train_accuracy"), ("validation", "val_accuracy"), ("test", "test_accuracy") })
        {
            if (!m.Has(column) || m.Column(column).All(v => v is null)) continue;
            var (x, y) = Pairs(epochs, m.Column(column), a => 100 * (1 - a));
            errors.Add(new FigureSeries(name, ChartStyle.For(errors.Count), x, y));
        }

        yield return new ReportFigure(id + "-error", "learning-curve", $"{run.Label}: error per epoch", "epoch", "error (%)", errors) { Marks = best };
        var losses = Present(m, epochs, ("train", "train_loss"), ("validation", "val_loss"));
        yield return new ReportFigure(id + "-loss", "learning-curve", $"{run.Label}: loss per epoch", "epoch", "loss", losses) { Marks = best };
    }

    /// <summary>Validation error (or perplexity) per epoch of every run of one dataset and kind (up to <see cref="MaxOverviewRuns"/>).</summary>
    public static ReportFigure Overview(IReadOnlyList<RunRecord> runs, string dataset, bool languageModel, string id)
    {
        var series = new List<FigureSeries>();
        foreach (var run in runs.Take(MaxOverviewRuns))
        {
            var m = run.Metrics;
            double[] epochs = Values(m.Column("epoch"));
            string column = languageModel ? "val_perplexity" : m.Column("val_accuracy").Any(v => v is not null) ? "val_accuracy" : "test_accuracy";
            var (x, y) = languageModel ? Pairs(epochs, m.Column(column), v => v) : Pairs(epochs, m.Column(column), a => 100 * (1 - a));
            series.Add(new FigureSeries(run.Label, ChartStyle.For(series.Count), x, y, Markers: false));
        }

        string what = languageModel ? "validation perplexity" : "validation error (%)";
        return new ReportFigure(id, "overview", $"{dataset}: {what} per epoch, every run", "epoch", languageModel ? "validation perplexity (log scale)" : what, series)
        {
            LogY = languageModel,
            Width = 900,
        };
    }

    /// <summary>
    /// Test error (%) or test perplexity against average weight bits (or weight memory): one series per config family
    /// (mean over seeds, min–max bars), and the Pareto front of the configs (no other is better at no more bits).
    /// </summary>
    public static ReportFigure? Front(IReadOnlyList<RunRecord> runs, string dataset, bool languageModel, bool memory, string id)
    {
        var rows = new List<(string Model, string Dataset, double X, double Y)>();
        foreach (var run in runs)
        {
            double? y = languageModel ? run.Number("test_perplexity") : run.Number("test_error") * 100;
            double? x = memory ? run.Cost?.Report.Totals.TotalBytes : run.WeightBits;
            if (x is double xv && y is double yv) rows.Add((run.Model, dataset, xv, yv));
        }

        if (rows.Count == 0) return null;
        var groups = ResultSeries.Group(rows);
        var series = groups.Select((g, i) => new FigureSeries(g.Name, ChartStyle.For(i),
            g.Points.Select(p => p.X).ToArray(), g.Points.Select(p => p.Y).ToArray(),
            g.Points.Select(p => p.YMin).ToArray(), g.Points.Select(p => p.YMax).ToArray())).ToList();
        var front = Pareto(groups.SelectMany(g => g.Points).Select(p => (p.X, p.Y)));
        if (front.Count > 1)
            series.Add(new FigureSeries("Pareto front", new SeriesStyle(OxyPlot.OxyColor.FromRgb(0x33, 0x33, 0x33), OxyPlot.MarkerType.None, OxyPlot.LineStyle.Dash), front.Select(p => p.X).ToArray(), front.Select(p => p.Y).ToArray(), Markers: false));
        string yLabel = languageModel ? "test perplexity" : "test error (%)";
        string xLabel = memory ? "weight memory (bytes, log scale)" : "average weight bits";
        return new ReportFigure(id, "front", $"{dataset}: {yLabel} against {(memory ? "weight memory" : "average weight bits")}", xLabel, yLabel, series) { LogX = memory, Width = 900 };
    }

    /// <summary>Parameters of a network by bit width (log scale: binary weights and 32-bit batch norm differ by orders).</summary>
    public static ReportFigure? Histogram(RunCost cost, string title, string id)
    {
        var counts = cost.Description.Layers.SelectMany(l => l.ParametersByBits).GroupBy(p => p.Key).OrderBy(g => g.Key)
            .Select(g => (Bits: (double)g.Key, Count: (double)g.Sum(p => p.Value))).ToList();
        if (counts.Count == 0) return null;
        var series = new FigureSeries("parameters", ChartStyle.For(0), counts.Select(c => c.Bits).ToArray(), counts.Select(c => c.Count).ToArray());
        return new ReportFigure(id, "histogram", title, "bits per parameter", "parameters (log scale)", [series]) { Bars = true, LogY = true };
    }

    /// <summary>The points no other point beats: sorted by x, each with a lower y than every point before it.</summary>
    public static List<(double X, double Y)> Pareto(IEnumerable<(double X, double Y)> points)
    {
        var front = new List<(double X, double Y)>();
        foreach (var p in points.OrderBy(p => p.X).ThenBy(p => p.Y))
        {
            if (front.Count == 0 || p.Y < front[^1].Y) front.Add(p);
        }

        return front;
    }

    private static List<FigureSeries> Present(MetricsTable m, double[] epochs, params (string Name, string Column)[] columns)
    {
        var series = new List<FigureSeries>();
        foreach (var (name, column) in columns)
        {
            if (!m.Has(column) || m.Column(column).All(v => v is null)) continue;
            var (x, y) = Pairs(epochs, m.Column(column), v => v);
            series.Add(new FigureSeries(name, ChartStyle.For(series.Count), x, y));
        }

        return series;
    }

    /// <summary>(epoch, f(value)) for the rows where the value is present.</summary>
    private static (double[] X, double[] Y) Pairs(double[] epochs, double?[] values, Func<double, double> f)
    {
        var keep = Enumerable.Range(0, values.Length).Where(i => values[i] is not null).ToList();
        return (keep.Select(i => epochs[i]).ToArray(), keep.Select(i => f(values[i]!.Value)).ToArray());
    }

    private static double[] Values(double?[] values) => values.Select(v => v ?? double.NaN).ToArray();
}
