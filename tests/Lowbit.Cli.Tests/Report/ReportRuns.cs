using Lowbit.Testing;

namespace Lowbit.Cli.Tests.Report;

/// <summary>
/// Runs made once through the CLI for the report tests, and the report of all of them: a float and a binary MLP on
/// synthetic MNIST-shaped data (with checkpoints), a copy of the float run without its checkpoint (its table comes from
/// its config), and a small LSTM language model on a PTB-format corpus.
/// </summary>
public sealed class ReportRuns : IDisposable
{
    public ReportRuns()
    {
        Root = CliHarness.TempDir("report-runs");
        Data = SyntheticIdx.Write(Path.Combine(Root, "data"), 60, 20);
        Float = Train("float", """[{"type":"flatten"},{"type":"dense","units":12},{"type":"relu"},{"type":"dense","units":10}]""", 3);
        Binary = Train("binary", """[{"type":"flatten"},{"type":"dense","units":16,"bias":false,"weight_quantizer":"ste_sign","weight_clip":1.0},{"type":"batch_norm"},""" +
            """{"type":"dense","units":10,"bias":false,"input_quantizer":"ste_sign","weight_quantizer":"ste_sign","weight_clip":1.0},{"type":"batch_norm"}]""", 2);
        FloatCopy = Path.Combine(Root, "float-copy");
        Directory.CreateDirectory(FloatCopy);
        foreach (string file in new[] { "metrics.csv", "result.json" }) File.Copy(Path.Combine(Float, file), Path.Combine(FloatCopy, file));
        File.Copy(Path.Combine(Root, "report-float.json"), Path.Combine(FloatCopy, "report-float.json")); // result.json names it; found beside the run
        LanguageModel = TrainLanguageModel();
        Page = Path.Combine(Root, "out", "report.html");
        var (code, output, error) = CliHarness.Run("report", Float, Binary, FloatCopy, LanguageModel, "--out", Page, "--title", "Report test");
        if (code != 0) throw new InvalidOperationException($"lowbit report failed: {error}");
        Output = output;
        Html = File.ReadAllText(Page);
    }

    /// <summary>Synthetic MNIST-shaped data: 60 training and 20 test images.</summary>
    public string Data { get; }

    public string Root { get; }

    public string Float { get; }

    public string Binary { get; }

    public string FloatCopy { get; }

    public string LanguageModel { get; }

    /// <summary>The report of the four runs.</summary>
    public string Page { get; }

    /// <summary>What lowbit report printed.</summary>
    public string Output { get; }

    /// <summary>The page's text.</summary>
    public string Html { get; }

    /// <summary>Every run folder, in report order.</summary>
    public string[] All => [Float, Binary, FloatCopy, LanguageModel];

    private string Train(string name, string layers, int epochs)
    {
        string outDir = Path.Combine(Root, name);
        string config = Path.Combine(Root, $"report-{name}.json");
        File.WriteAllText(config, $$"""
            { "name": "report-{{name}}", "seed": 1, "threads": 1,
              "data": { "dataset": "mnist", "validation": 10, "normalize": "plus_minus_one" },
              "layers": {{layers}},
              "loss": "squared_hinge", "optimizer": { "type": "adam", "lr": 0.01 },
              "train": { "epochs": {{epochs}}, "batch_size": 10 } }
            """);
        var (code, _, err) = CliHarness.Run("train", "--quiet", "--config", config, "--set", "data.path=" + System.Text.Json.JsonSerializer.Serialize(Data), "--out", outDir);
        if (code != 0) throw new InvalidOperationException($"run '{name}' failed: {err}");
        return outDir;
    }

    private string TrainLanguageModel()
    {
        string corpus = Path.Combine(Root, "ptb");
        Directory.CreateDirectory(corpus);
        string Sentences(int seed) => string.Concat(Enumerable.Range(0, 80).Select(i => $" w{(i * 7 + seed) % 13} w{(i * 3 + seed) % 11} the end \n"));
        foreach (var (part, seed) in new[] { ("train", 0), ("valid", 1), ("test", 2) }) File.WriteAllText(Path.Combine(corpus, $"ptb.{part}.txt"), Sentences(seed));
        string outDir = Path.Combine(Root, "lstm");
        var (code, _, err) = CliHarness.Run("train", "--quiet", "--config", RepoFile("configs", "ptb-lstm-w4a4.json"), "--set", "data.path=" + corpus,
            "--set", "data.vocabulary=null", "--set", "layers.0.units=8", "--set", "layers.2.units=8", "--set", "train.batch_size=4",
            "--set", "train.bptt=10", "--set", "train.epochs=2", "--set", "threads=1", "--out", outDir);
        if (code != 0) throw new InvalidOperationException($"language-model run failed: {err}");
        return outDir;
    }

    internal static string RepoFile(params string[] parts)
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "Lowbit.slnx"))) return Path.Combine([d.FullName, .. parts]);
        throw new InvalidOperationException("repository root not found");
    }

    public void Dispose() => Directory.Delete(Root, true);
}
