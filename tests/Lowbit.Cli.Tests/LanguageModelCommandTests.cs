using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using Lowbit.Cli;

namespace Lowbit.Cli.Tests;

/// <summary>lowbit train / eval / summary / bench train on language-model configs.</summary>
public sealed class LanguageModelCommandTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "lowbit-cli-lm-" + Guid.NewGuid().ToString("N"));

    public LanguageModelCommandTests()
    {
        Directory.CreateDirectory(_dir);
        // A PTB-format corpus small enough for a few seconds of training.
        string Sentences(int seed) => string.Concat(Enumerable.Range(0, 120).Select(i => $" w{(i * 7 + seed) % 13} w{(i * 3 + seed) % 11} the end \n"));
        File.WriteAllText(Path.Combine(_dir, "ptb.train.txt"), Sentences(0));
        File.WriteAllText(Path.Combine(_dir, "ptb.valid.txt"), Sentences(1));
        File.WriteAllText(Path.Combine(_dir, "ptb.test.txt"), Sentences(2));
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string Config(string name, [CallerFilePath] string source = "")
    {
        for (var d = new DirectoryInfo(Path.GetDirectoryName(source)!); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "Lowbit.slnx"))) return Path.Combine(d.FullName, "configs", name);
        throw new InvalidOperationException("repository root not found");
    }

    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        int code = CliApp.Run(args, o, e);
        return (code, o.ToString(), e.ToString());
    }

    /// <summary>The shipped W4A4 config, shrunk (vocabulary from the data, a small LSTM) so that an epoch takes a moment.</summary>
    private string[] Small(string outDir, int epochs) =>
    [
        "--set", "data.path=" + _dir, "--set", "data.vocabulary=null", "--set", "layers.0.units=16", "--set", "layers.2.units=16",
        "--set", "train.batch_size=4", "--set", "train.bptt=10", "--set", $"train.epochs={epochs}", "--set", "threads=1", "--out", outDir, "--quiet",
    ];

    [Fact]
    public void TrainW4A4_RunsEndToEnd_ResumesToMoreEpochs_AndEvaluates()
    {
        string outDir = Path.Combine(_dir, "run");
        var (code, output, err) = Run(["train", "--config", Config("ptb-lstm-w4a4.json"), .. Small(outDir, 1)]);
        Assert.True(code == 0, err);
        Assert.Contains("test perplexity", output, StringComparison.Ordinal);
        var result = JsonNode.Parse(File.ReadAllText(Path.Combine(outDir, "result.json")))!;
        Assert.Equal("word", result["perplexity_per"]!.GetValue<string>());
        Assert.Equal(4.0, result["recurrent_weight_bits"]!.GetValue<double>());
        Assert.Equal(4.0, result["hidden_bits"]!.GetValue<double>());

        (code, output, err) = Run("train", "--out", outDir, "--resume", "--set", "train.epochs=2", "--quiet");
        Assert.True(code == 0, err);
        Assert.Contains("resuming from", output, StringComparison.Ordinal);
        Assert.Equal(2, JsonNode.Parse(File.ReadAllText(Path.Combine(outDir, "result.json")))!["epochs"]!.GetValue<int>());
        Assert.Equal(3, File.ReadAllLines(Path.Combine(outDir, "metrics.csv")).Length); // header + 2 epochs

        (code, output, err) = Run("eval", "--checkpoint", Path.Combine(outDir, "checkpoint.lbck"));
        Assert.True(code == 0, err);
        Assert.Contains("test", output, StringComparison.Ordinal);
        Assert.Contains("perplexity", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Train_WithoutDataPath_IsOneLineUserError()
    {
        var (code, _, err) = Run("train", "--config", Config("ptb-lstm-w4a4.json"), "--out", Path.Combine(_dir, "none"));
        Assert.Equal(ExitCodes.UserError, code);
        Assert.Single(err.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("data.path is required for ptb", err, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(_dir, "none")));
    }

    [Fact]
    public void Summary_CountsRecurrentParametersBitsAndMacsPerStep()
    {
        var (code, output, err) = Run("summary", "--config", Config("ptb-lstm-w4a4.json"), "--json");
        Assert.True(code == 0, err);
        var layers = JsonNode.Parse(output)!["layers"]!.AsArray();
        var ih = layers.Single(l => l!["name"]!.GetValue<string>().EndsWith(".ih0", StringComparison.Ordinal))!;
        var hh = layers.Single(l => l!["name"]!.GetValue<string>().EndsWith(".hh0", StringComparison.Ordinal))!;
        Assert.Equal(4 * 300 * 300, ih["macs"]!.GetValue<long>());   // per time step: W_ih [1200, 300]
        Assert.Equal(4 * 300 * 300, hh["macs"]!.GetValue<long>());   // W_hh [1200, 300]
        Assert.Equal(4 * 300 * 300 * 4L, hh["payloadBits"]!.GetValue<long>()); // 4-bit weights
        (code, output, err) = Run("summary", "--config", Config("ptb-lstm-w4a4.json"));
        Assert.True(code == 0, err);
        Assert.Contains("counts per token (one time step)", output, StringComparison.Ordinal);
    }

    [Fact]
    public void BenchTrain_ReportsTokensPerSecond()
    {
        var (code, output, err) = Run("bench", "train", "--config", Config("ptb-lstm-float.json"), "--set", "data.vocabulary=50",
            "--set", "layers.0.units=8", "--set", "layers.2.units=8", "--steps", "2", "--warmup", "1", "--windows", "1", "--threads", "1");
        Assert.True(code == 0, err);
        Assert.True(JsonNode.Parse(output)!["tokens_per_second"]!.GetValue<double>() > 0);
    }
}
