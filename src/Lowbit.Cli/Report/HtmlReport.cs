using System.Globalization;
using System.Net;
using System.Reflection;
using System.Text;
using Lowbit.Cli.Commands;

namespace Lowbit.Cli.Report;

/// <summary>
/// Writes <c>lowbit report</c>'s page: one static HTML file with everything inline (styles, SVG figures; no script, no
/// external resource), so it opens offline and can be mailed or archived as one file. Numbers in tables carry their
/// exact value in a data-value attribute and every figure its drawn series in data-series (JSON).
/// </summary>
internal static class HtmlReport
{
    private const string Style = """
        body { font-family: Arial, "Liberation Sans", Helvetica, sans-serif; margin: 24px auto; max-width: 1280px; padding: 0 16px; color: #222; }
        h1 { font-size: 26px; margin-bottom: 4px; } h2 { border-bottom: 1px solid #ccc; padding-bottom: 4px; margin-top: 36px; }
        .meta, figcaption, .note { color: #555; font-size: 13px; }
        table { border-collapse: collapse; font-size: 13px; margin: 8px 0 16px; }
        th, td { border-bottom: 1px solid #e3e3e3; padding: 3px 8px; text-align: left; white-space: nowrap; }
        td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
        tr.total td { font-weight: bold; border-top: 2px solid #999; }
        figure { margin: 12px 0 20px; } figure svg { max-width: 100%; height: auto; }
        details { margin: 8px 0; } summary { cursor: pointer; font-weight: bold; }
        .wrap { overflow-x: auto; }
        """;

    /// <summary>The whole page.</summary>
    /// <param name="title">Page title.</param>
    /// <param name="runs">Runs, in the order given.</param>
    public static string Render(string title, IReadOnlyList<RunRecord> runs)
    {
        ArgumentNullException.ThrowIfNull(runs);
        var page = new StringBuilder();
        page.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
        page.Append($"<title>{E(title)}</title>\n<style>\n{Style}\n</style>\n</head>\n<body>\n<h1>{E(title)}</h1>\n");
        string version = typeof(HtmlReport).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "?";
        page.Append($"<p class=\"meta\">{runs.Count} run(s); written by lowbit {E(version)}. Energy, memory and bit counts are the cost model's (docs/COST-MODEL.md).</p>\n");
        page.Append("<nav class=\"meta\"><a href=\"#runs\">Runs</a> · <a href=\"#fronts\">Accuracy against bits</a> · <a href=\"#curves\">Learning curves</a> · <a href=\"#layers\">Per-layer bits and cost</a></nav>\n");
        RunsSection(page, runs);
        FrontsSection(page, runs);
        CurvesSection(page, runs);
        LayersSection(page, runs);
        page.Append("</body>\n</html>\n");
        return page.ToString();
    }

    private static IEnumerable<(string Dataset, bool LanguageModel, List<RunRecord> Runs)> Groups(IReadOnlyList<RunRecord> runs) =>
        runs.GroupBy(r => (r.Dataset, r.IsLanguageModel)).Select(g => (g.Key.Dataset, g.Key.IsLanguageModel, g.ToList()));

    private static void RunsSection(StringBuilder page, IReadOnlyList<RunRecord> runs)
    {
        page.Append("<section id=\"runs\">\n<h2>Runs</h2>\n");
        foreach (var (dataset, lm, group) in Groups(runs))
        {
            page.Append($"<h3>{E(dataset)}{(lm ? " (language models)" : "")}</h3>\n<div class=\"wrap\"><table class=\"runs\">\n<tr>");
            string[] headers = lm
                ? ["run", "model", "seed", "epochs", "best epoch", "test perplexity", "best val perplexity", "avg weight bits", "weight bytes", "train s"]
                : ["run", "model", "seed", "epochs", "best epoch", "test error %", "best val acc %", "final test error %", "avg weight bits", "weight bytes", "train s"];
            foreach (string h in headers) page.Append($"<th{(h is "run" or "model" ? "" : " class=\"n\"")}>{E(h)}</th>");
            page.Append("</tr>\n");
            foreach (var run in group)
            {
                page.Append($"<tr data-run=\"{E(run.Folder)}\"><td>{E(run.Folder)}</td><td>{E(run.Model)}</td>");
                page.Append(Num(run.Seed, "0")).Append(Num(run.Metrics.Rows.Count, "0")).Append(Num(run.Number("best_epoch"), "0"));
                if (lm)
                {
                    page.Append(Num(run.Number("test_perplexity"), "0.00")).Append(Num(run.Number("best_val_perplexity"), "0.00"));
                }
                else
                {
                    page.Append(Num(run.Number("test_error") * 100, "0.00")).Append(Num(run.Number("best_val_accuracy") * 100, "0.00"))
                        .Append(Num(1 - run.Number("final_test_accuracy") is double f ? 100 * f : null, "0.00"));
                }

                page.Append(Num(run.WeightBits, "0.###")).Append(Num(run.Cost?.Report.Totals.TotalBytes, "#,0")).Append(Num(run.Number("train_seconds"), "#,0.#"));
                page.Append("</tr>\n");
            }

            page.Append("</table></div>\n");
            if (group.Any(r => r.Result is null)) page.Append("<p class=\"note\">Runs without result.json have not finished: their curves show the epochs so far.</p>\n");
        }

        page.Append("</section>\n");
    }

    private static void FrontsSection(StringBuilder page, IReadOnlyList<RunRecord> runs)
    {
        page.Append("<section id=\"fronts\">\n<h2>Accuracy against bits</h2>\n<p class=\"note\">One point per config: the mean over its runs (seeds), bars from the lowest to the highest; " +
            "series are config families (the name without its bit-setting tokens). The dashed line joins the configs that no other config beats with as few bits (or bytes).</p>\n");
        int n = 0;
        foreach (var (dataset, lm, group) in Groups(runs))
        {
            foreach (bool memory in new[] { false, true })
            {
                if (ReportFigures.Front(group, dataset, lm, memory, $"front{n++}") is { } figure) Figure(page, figure, "");
            }
        }

        page.Append("</section>\n");
    }

    private static void CurvesSection(StringBuilder page, IReadOnlyList<RunRecord> runs)
    {
        page.Append("<section id=\"curves\">\n<h2>Learning curves</h2>\n");
        int n = 0;
        foreach (var (dataset, lm, group) in Groups(runs).Where(g => g.Runs.Count > 1))
        {
            Figure(page, ReportFigures.Overview(group, dataset, lm, $"overview{n++}"),
                group.Count > ReportFigures.MaxOverviewRuns ? $"The first {ReportFigures.MaxOverviewRuns} of {group.Count} runs." : "");
        }

        for (int i = 0; i < runs.Count; i++)
        {
            page.Append($"<details{(runs.Count <= 6 ? " open" : "")}><summary>{E(runs[i].Label)} — {E(runs[i].Folder)}</summary>\n");
            foreach (var figure in ReportFigures.LearningCurves(runs[i], $"run{i}")) Figure(page, figure, "From metrics.csv.");
            page.Append("</details>\n");
        }

        page.Append("</section>\n");
    }

    private static void LayersSection(StringBuilder page, IReadOnlyList<RunRecord> runs)
    {
        page.Append("<section id=\"layers\">\n<h2>Per-layer bits and cost</h2>\n<p class=\"note\">Per example (per token for language models), from the cost model; " +
            "one table per model, from the first of its runs that has a checkpoint (trained bit maps), else from its config.</p>\n");
        int n = 0;
        foreach (var model in runs.GroupBy(r => r.Model))
        {
            var run = model.FirstOrDefault(r => r.Cost?.Source == Lowbit.Training.Trainer.CheckpointFile) ?? model.FirstOrDefault(r => r.Cost is not null);
            page.Append($"<h3>{E(model.Key)}</h3>\n");
            if (run?.Cost is not { } cost)
            {
                page.Append($"<p class=\"note\">No cost table: {E(model.First().CostNote ?? "no network found")}.</p>\n");
                continue;
            }

            page.Append($"<p class=\"note\">From {E(run.Folder)}: {E(cost.Source)}.</p>\n<div class=\"wrap\"><table class=\"cost\" data-model=\"{E(model.Key)}\">\n<tr>");
            foreach (var c in SummaryCommand.Columns) page.Append($"<th{(c.RightAligned ? " class=\"n\"" : "")}>{E(c.Header)}</th>");
            page.Append("</tr>\n");
            foreach (var row in SummaryCommand.Rows(cost.Description, cost.Report).Where(r => r is not null))
            {
                page.Append(row![0] == "total" ? "<tr class=\"total\">" : $"<tr data-layer=\"{E(row[0])}\">");
                for (int c = 0; c < row.Length; c++) page.Append($"<td{(SummaryCommand.Columns[c].RightAligned ? " class=\"n\"" : "")}>{E(row[c])}</td>");
                page.Append("</tr>\n");
            }

            page.Append("</table></div>\n");
            if (ReportFigures.Histogram(cost, $"{model.Key}: parameters by bit width", $"bits{n++}") is { } histogram)
                Figure(page, histogram, "Weights, biases and batch-norm parameters, counted by the bits each is stored with.");
        }

        page.Append("</section>\n");
    }

    private static void Figure(StringBuilder page, ReportFigure figure, string caption)
    {
        page.Append($"<figure id=\"{E(figure.Id)}\" data-kind=\"{E(figure.Kind)}\" data-series=\"{E(figure.DataJson())}\">\n");
        page.Append(figure.Svg()).Append('\n');
        if (caption.Length > 0) page.Append($"<figcaption>{E(caption)}</figcaption>\n");
        page.Append("</figure>\n");
    }

    private static string Num(double? value, string format) =>
        value is double v && double.IsFinite(v)
            ? $"<td class=\"n\" data-value=\"{v.ToString("R", CultureInfo.InvariantCulture)}\">{E(v.ToString(format, CultureInfo.InvariantCulture))}</td>"
            : "<td class=\"n\">-</td>";

    private static string E(string text) => WebUtility.HtmlEncode(text);
}
