using System.Globalization;
using System.Text.Json.Nodes;
using Lowbit.Cli.Report;
using static Lowbit.Cli.Tests.CliHarness;

namespace Lowbit.Cli.Tests.Report;

/// <summary>
/// lowbit report: the page is one self-contained file whose plots and tables are the runs' metrics.csv, result.json and
/// cost model, checked number by number and pixel by pixel (the drawn lines are an affine image of the data).
/// </summary>
public sealed class ReportCommandTests(ReportRuns runs) : IClassFixture<ReportRuns>
{
    private static double?[] Csv(string run, string column)
    {
        var lines = File.ReadAllLines(Path.Combine(run, "metrics.csv"));
        int c = Array.IndexOf(lines[0].Split(','), column);
        Assert.True(c >= 0, $"{run}: no column {column}");
        return lines.Skip(1).Select(l => l.Split(',')[c]).Select(v => v.Length == 0 ? (double?)null : double.Parse(v, CultureInfo.InvariantCulture)).ToArray();
    }

    [Fact]
    public void Page_IsSelfContained_NoScriptNoExternalResource()
    {
        Assert.StartsWith("<!DOCTYPE html>", runs.Html, StringComparison.Ordinal);
        Assert.DoesNotContain("<script", runs.Html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<link", runs.Html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<img", runs.Html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("src=", runs.Html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("url(http", runs.Html, StringComparison.OrdinalIgnoreCase);
        foreach (System.Text.RegularExpressions.Match href in System.Text.RegularExpressions.Regex.Matches(runs.Html, "href=\"([^\"]*)\""))
            Assert.StartsWith("#", href.Groups[1].Value, StringComparison.Ordinal);
        // Several inline SVGs share the page: their clip-path ids must not collide.
        var ids = System.Text.RegularExpressions.Regex.Matches(runs.Html, "id=\"([^\"]+)\"").Select(m => m.Groups[1].Value).ToList();
        Assert.Equal(ids.Count, ids.Distinct().Count());
        Assert.Contains("wrote " + runs.Page + ": 4 run(s) of 3 model(s), 1 language-model run(s)", runs.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void LearningCurves_AreMetricsCsv_DrawnToScale()
    {
        var figures = ReportPage.Figures(runs.Html);
        for (int i = 0; i < 3; i++)
        {
            string run = runs.All[i];
            var error = Assert.Single(figures, f => f.Id == $"run{i}-error");
            Assert.Equal(["train", "validation", "test"], error.Series.Select(s => s.Name));
            foreach (var (name, column) in new[] { ("train", "train_accuracy"), ("validation", "val_accuracy"), ("test", "test_accuracy") })
            {
                var series = error.Series.Single(s => s.Name == name);
                Assert.Equal(Csv(run, "epoch"), series.X);
                Assert.Equal(Csv(run, column).Select(a => 100 * (1 - a)).ToArray(), series.Y, (a, b) => Math.Abs(a!.Value - b!.Value) < 1e-9);
            }

            ReportPage.AssertLinesAreTheData(error);
            var loss = Assert.Single(figures, f => f.Id == $"run{i}-loss");
            Assert.Equal(Csv(run, "train_loss"), loss.Series.Single(s => s.Name == "train").Y);
            Assert.Equal(Csv(run, "val_loss"), loss.Series.Single(s => s.Name == "validation").Y);
            ReportPage.AssertLinesAreTheData(loss);
        }
    }

    [Fact]
    public void LanguageModelRun_RendersPerplexityCurves()
    {
        var figure = Assert.Single(ReportPage.Figures(runs.Html), f => f.Id == "run3-ppl");
        Assert.Equal(Csv(runs.LanguageModel, "val_perplexity"), figure.Series.Single(s => s.Name == "validation").Y);
        Assert.Equal(Csv(runs.LanguageModel, "test_perplexity"), figure.Series.Single(s => s.Name == "test").Y);
        ReportPage.AssertLinesAreTheData(figure, logY: true);
        var (headers, rows) = ReportPage.Table(runs.Html, "runs", which: 1);
        var row = Assert.Single(rows, r => r.Cells.Count > 0);
        var result = JsonNode.Parse(File.ReadAllText(Path.Combine(runs.LanguageModel, "result.json")))!;
        Assert.Equal((double)result["test_perplexity"]!, row.Cells[headers.IndexOf("test perplexity")].Value);
    }

    [Fact]
    public void RunsTable_IsResultJson_AndAgreesWithMetricsCsv()
    {
        var (headers, rows) = ReportPage.Table(runs.Html, "runs");
        rows = rows.Where(r => r.Cells.Count > 0).ToList();
        Assert.Equal(runs.All[..3], rows.Select(r => r.Key));
        foreach (var (run, cells) in rows)
        {
            var result = JsonNode.Parse(File.ReadAllText(Path.Combine(run, "result.json")))!;
            int best = (int)result["best_epoch"]!;
            double? Cell(string header) => cells[headers.IndexOf(header)].Value;
            Assert.Equal(Csv(run, "epoch").Length, Cell("epochs"));
            Assert.Equal(best, Cell("best epoch"));
            // The test error at the best-validation epoch, from result.json, is the one metrics.csv has at that epoch.
            Assert.Equal(100 * (double)result["test_error"]!, Cell("test error %")!.Value, 9);
            Assert.Equal(100 * (1 - Csv(run, "test_accuracy")[best - 1]!.Value), Cell("test error %")!.Value, 4);
            Assert.Equal(100 * Csv(run, "val_accuracy").Max()!.Value, Cell("best val acc %")!.Value, 4);
        }
    }

    [Fact]
    public void CostTables_AreTheSummaryOfTheCheckpoint_OrOfTheConfig()
    {
        foreach (var (which, run) in new[] { (0, runs.Float), (1, runs.Binary) })
        {
            var (headers, rows) = ReportPage.Table(runs.Html, "cost", which);
            var summary = JsonNode.Parse(Run("summary", "--checkpoint", Path.Combine(run, "checkpoint.lbck"), "--json").Out)!;
            var layers = summary["layers"]!.AsArray();
            var body = rows.Where(r => r.Cells.Count > 0).ToList();
            Assert.Equal(layers.Select(l => (string)l!["name"]!), body.SkipLast(1).Select(r => r.Key));
            var total = body[^1].Cells;
            Assert.Equal("total", total[0].Text);
            Assert.Equal(((long)summary["totals"]!["totalBytes"]!).ToString("N0", CultureInfo.InvariantCulture), total[headers.IndexOf("memory bytes")].Text);
            Assert.Equal(((long)summary["totals"]!["macs"]!).ToString("N0", CultureInfo.InvariantCulture), total[headers.IndexOf("MACs")].Text);
        }

        // The float run's copy has no checkpoint: its model shares the float run's table (from the checkpoint); a run
        // alone without one is described from its config.
        var copy = RunRecord.Load(runs.FloatCopy);
        Assert.True(copy.Cost is not null, copy.CostNote);
        Assert.Contains("report-float.json", copy.Cost.Source, StringComparison.Ordinal);
        Assert.Equal(RunRecord.Load(runs.Float).Cost!.Report.Totals.TotalBits, RunRecord.Load(runs.FloatCopy).Cost!.Report.Totals.TotalBits);
    }

    [Fact]
    public void Histograms_CountParametersByBits()
    {
        var binary = Assert.Single(ReportPage.Figures(runs.Html), f => f.Kind == "histogram" && f.Id == "bits1");
        var bars = Assert.Single(binary.Series);
        // 784·16 + 16·10 binary weights; batch norm 4·(16 + 10) float parameters.
        Assert.Equal([1.0, 32.0], bars.X.Select(x => x!.Value));
        Assert.Equal([784 * 16 + 16 * 10, 4 * (16 + 10)], bars.Y.Select(y => y!.Value));
    }

    [Fact]
    public void Fronts_PlotTestErrorAgainstBits_WithTheParetoFront()
    {
        var front = Assert.Single(ReportPage.Figures(runs.Html), f => f.Id == "front0");
        var binary = front.Series.Single(s => s.Name == "report-binary");
        var result = JsonNode.Parse(File.ReadAllText(Path.Combine(runs.Binary, "result.json")))!;
        Assert.Equal(1.0, binary.X.Single());
        Assert.Equal(100 * (double)result["test_error"]!, binary.Y.Single()!.Value, 9);
        Assert.Equal([(1.0, 5.0), (2.0, 3.0)], ReportFigures.Pareto([(2, 4), (1, 5), (2, 3), (3, 3), (4, 6)]));
    }

    [Theory]
    [InlineData("no-such-folder", "run folder 'no-such-folder' does not exist")]
    public void MissingFolder_OneLine(string folder, string expected) => AssertOneLineUserError(Run("report", folder), expected);

    [Fact]
    public void FolderWithoutRuns_And_DamagedMetrics_OneLine()
    {
        string empty = TempDir("report-empty");
        AssertOneLineUserError(Run("report", empty, "--out", Path.Combine(empty, "r.html")), "holds no run: no metrics.csv");
        string bad = TempDir("report-bad");
        File.WriteAllText(Path.Combine(bad, "metrics.csv"), "epoch,train_loss\n1,0.5\n2,zero\n");
        AssertOneLineUserError(Run("report", bad, "--out", Path.Combine(bad, "r.html")), "metrics.csv: line 3, column 'train_loss' is not a number ('zero')");
        Assert.False(File.Exists(Path.Combine(bad, "r.html")));
    }
}
