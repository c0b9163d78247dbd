using System.CommandLine;
using Lowbit.Cli.Report;
using Lowbit.Training.Checkpoints;

namespace Lowbit.Cli.Commands;

/// <summary>
/// <c>lowbit report RUN_DIR...</c>: one static HTML page of runs: learning curves, accuracy-against-bits fronts,
/// per-layer bit and cost tables and bit-width histograms.
/// </summary>
internal static class ReportCommand
{
    public static Command Create(TextWriter output)
    {
        var runs = new Argument<string[]>("RUN_DIR") { Description = "Run folders (holding metrics.csv), or folders searched for them (e.g. results/).", Arity = ArgumentArity.OneOrMore };
        var outPath = new Option<string>("--out", "-o") { Description = "HTML file to write.", DefaultValueFactory = _ => "report.html" };
        var title = new Option<string?>("--title") { Description = "Page title (default: Lowbit report: the runs' models)." };
        var cmd = new Command("report", "Write one HTML page (no network needed) of runs: learning curves, accuracy against bits, per-layer bits and cost, bit-width histograms.")
        {
            runs, outPath, title,
        };
        cmd.SetAction(parse => Run(parse.GetValue(runs) ?? [], parse.GetValue(outPath)!, parse.GetValue(title), output));
        return cmd;
    }

    private static int Run(string[] arguments, string outPath, string? title, TextWriter output)
    {
        var folders = RunRecord.Find(arguments);
        var runs = folders.Select(RunRecord.Load).ToList();
        var models = runs.Select(r => r.Model).Distinct(StringComparer.Ordinal).ToList();
        title ??= "Lowbit report: " + (models.Count <= 3 ? string.Join(", ", models) : $"{models.Count} models");
        string html = HtmlReport.Render(title, runs);
        var folder = Path.GetDirectoryName(Path.GetFullPath(outPath));
        if (folder is not null) Directory.CreateDirectory(folder);
        AtomicFile.WriteAllText(outPath, html);
        int language = runs.Count(r => r.IsLanguageModel);
        output.WriteLine($"wrote {outPath}: {runs.Count} run(s) of {models.Count} model(s){(language > 0 ? $", {language} language-model run(s)" : "")}, {html.Length / 1024} KiB");
        foreach (var run in runs.Where(r => r.CostNote is not null))
            output.WriteLine($"  {run.Folder}: no cost table ({run.CostNote})");
        return ExitCodes.Ok;
    }
}
