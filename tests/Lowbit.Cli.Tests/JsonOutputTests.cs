using System.Globalization;
using System.Text.Json.Nodes;
using Lowbit.Cli.Observers;
using static Lowbit.Cli.Tests.CliHarness;

namespace Lowbit.Cli.Tests;

/// <summary>--json: machine-readable output alone on stdout (every line parses), messages for people on stderr.</summary>
public sealed class JsonOutputTests(TinyRuns runs) : IClassFixture<TinyRuns>
{
    private const string Mlp = """[{"type":"flatten"},{"type":"dense","units":8},{"type":"relu"},{"type":"dense","units":10}]""";

    [Fact]
    public void Train_Json_OneObjectPerEpochThenTheResult_MatchingMetricsCsvAndResultJson()
    {
        string outDir = Path.Combine(TempDir("json-train"), "run");
        var (code, output, error) = Run("train", "--json", "--config", runs.WriteConfig("json-train", Mlp), "--set", runs.DataSet, "--set", "train.epochs=3", "--out", outDir);
        Assert.True(code == 0, error);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!.AsObject()).ToList();
        Assert.Equal(["epoch", "epoch", "epoch", "result"], lines.Select(l => (string)l["event"]!));
        var csv = File.ReadAllLines(Path.Combine(outDir, "metrics.csv"));
        var header = csv[0].Split(',');
        for (int e = 0; e < 3; e++)
        {
            var row = csv[e + 1].Split(',');
            double Csv(string column) => double.Parse(row[Array.IndexOf(header, column)], CultureInfo.InvariantCulture);
            Assert.Equal(e + 1, (int)lines[e]["epoch"]!);
            Assert.Equal(3, (int)lines[e]["epochs"]!);
            Assert.Equal(Csv("train_loss"), (double)lines[e]["train_loss"]!, 5);
            Assert.Equal(Csv("val_accuracy"), (double)lines[e]["val_accuracy"]!, 5);
            Assert.Equal(Csv("test_accuracy"), (double)lines[e]["test_accuracy"]!, 5);
        }

        var result = JsonNode.Parse(File.ReadAllText(Path.Combine(outDir, "result.json")))!;
        Assert.Equal(Path.Combine(outDir, "result.json"), (string)lines[3]["path"]!);
        Assert.True(JsonNode.DeepEquals(result, lines[3]["result"]), lines[3].ToJsonString());
        // People still see what happened, on stderr: the start line, the epoch table, the test error.
        Assert.Contains("lowbit train: json-train", error, StringComparison.Ordinal);
        Assert.Contains(EpochTable.Header, error, StringComparison.Ordinal);
        Assert.Contains("test error ", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Eval_Json_OneObject_SameNumbersAsTheText()
    {
        string checkpoint = Path.Combine(runs.Float, "checkpoint.lbck");
        var (code, output, error) = Run("eval", "--json", "--checkpoint", checkpoint, "--data", runs.Data);
        Assert.True(code == 0, error);
        var json = JsonNode.Parse(output)!.AsObject();
        Assert.Equal("test", (string)json["split"]!);
        Assert.Equal(20, (int)json["examples"]!);
        var text = Run("eval", "--checkpoint", checkpoint, "--data", runs.Data).Out;
        Assert.Contains(string.Create(CultureInfo.InvariantCulture, $"accuracy {100 * (double)json["accuracy"]!:F2} %"), text, StringComparison.Ordinal);
        Assert.Contains(string.Create(CultureInfo.InvariantCulture, $"loss {(double)json["loss"]!:F4}"), text, StringComparison.Ordinal);
        Assert.Equal(1, (double)json["accuracy"]! + (double)json["error"]!, 12);
    }

    [Fact]
    public void Infer_Json_OneObject_NotesOnStderr()
    {
        string model = Path.Combine(TempDir("json-infer"), "model.lbpm");
        Assert.Equal(0, Run("export", "--checkpoint", Path.Combine(runs.Binary, "checkpoint.lbck"), "--out", model).Code);
        var (code, output, error) = Run("infer", "--json", "--model", model, "--data", runs.Data, "--threads", "256", "--batch", "7",
            "--verify", Path.Combine(runs.Binary, "checkpoint.lbck"));
        Assert.True(code == 0, error);
        var json = JsonNode.Parse(output)!.AsObject();
        Assert.Equal(20, (int)json["images"]!);
        Assert.Equal(7, (int)json["batch"]!);
        Assert.Equal(256, (int)json["threads"]!);
        Assert.True((bool)json["verify"]!["exact"]!);
        Assert.Equal(0, (int)json["verify"]!["class_mismatches"]!);
        Assert.True(json["layer_milliseconds"]!.AsArray().Count > 0);
        Assert.StartsWith("note: --threads 256", error, StringComparison.Ordinal);
        var text = Run("infer", "--model", model, "--data", runs.Data).Out;
        Assert.Contains(string.Create(CultureInfo.InvariantCulture, $"accuracy {100 * (double)json["accuracy"]!:F2} %"), text, StringComparison.Ordinal);
    }

    [Fact]
    public void Bench_AcceptsJson_OnEverySubcommand()
    {
        var (code, output, error) = Run("bench", "train", "--json", "--config", runs.WriteConfig("json-bench", Mlp), "--steps", "1", "--warmup", "0", "--windows", "1");
        Assert.True(code == 0, error);
        Assert.Equal("train", (string)JsonNode.Parse(output)!["bench"]!);
        Assert.Contains("--json", Run("bench", "infer", "--help").Out, StringComparison.Ordinal);
    }
}
