using System.Text.Json.Nodes;
using Lowbit.Testing;
using static Lowbit.Cli.Tests.CliHarness;

namespace Lowbit.Cli.Tests;

/// <summary>Every user error is one line on stderr and exit code 1: options, configs, data, checkpoints, models.</summary>
public sealed class UserErrorTests(TinyRuns runs) : IClassFixture<TinyRuns>
{
    private string Checkpoint(string run) => Path.Combine(run, "checkpoint.lbck");

    private const string Mlp = """[{"type":"flatten"},{"type":"dense","units":8},{"type":"batch_norm"},{"type":"dense","units":10}]""";

    [Theory]
    [InlineData("--threads", "abc", "--threads must be a whole number in [1, 256], got 'abc'")]
    [InlineData("--batch", "abc", "--batch must be a whole number in [1, 65536], got 'abc'")]
    [InlineData("--threads", "1.5", "got '1.5'")]
    [InlineData("--threads", "99999999999", "--threads is 99999999999 but must be in [1, 256]")]
    [InlineData("--threads", "100000", "--threads is 100000 but must be in [1, 256]")]
    [InlineData("--threads", "0", "--threads is 0 but must be in [1, 256]")]
    [InlineData("--batch", "-3", "--batch is -3")]
    public void Infer_BadNumber_IsAOneLineParseError(string option, string value, string expected) =>
        AssertOneLineUserError(Run("infer", "--model", "model.lbpm", option, value), expected);

    [Theory]
    [InlineData("--threads", "abc")]
    [InlineData("--steps", "1.5")]
    [InlineData("--windows", "0")]
    [InlineData("--warmup", "-1")]
    public void BenchTrain_BadNumber_IsAOneLineParseError(string option, string value) =>
        AssertOneLineUserError(Run("bench", "train", option, value), option);

    [Fact]
    public void DuplicateConfigKey_TrainAndSummary_OneLine()
    {
        string config = Path.Combine(TempDir("dup"), "dup.json");
        File.WriteAllText(config, "{\"seed\": 1, \"seed\": 2, \"layers\": " + Mlp + "}");
        AssertOneLineUserError(Run("train", "--config", config, "--out", Path.Combine(TempDir("dup-out"), "run")), "dup.json", "duplicate key 'seed'");
        AssertOneLineUserError(Run("summary", "--config", config), "duplicate key 'seed'");
    }

    [Fact]
    public void ConfigNotJson_OneLine()
    {
        string config = Path.Combine(TempDir("tiny"), "tiny.json");
        File.WriteAllText(config, "hello");
        string line = AssertOneLineUserError(Run("summary", "--config", config), "tiny.json");
        Assert.DoesNotContain("tiny.json: tiny.json", line, StringComparison.Ordinal);
    }

    [Fact]
    public void QuantizerOptionOutOfRange_OneLineWithoutDotNetSuffixes()
    {
        string config = Path.Combine(TempDir("bits"), "tiny.json");
        File.WriteAllText(config, """{"layers":[{"type":"flatten"},{"type":"dense","units":10,"weight_quantizer":{"type":"dorefa_weight","bits":99}}]}""");
        string line = AssertOneLineUserError(Run("summary", "--config", config), "bits");
        Assert.DoesNotContain("tiny.json: tiny.json", line, StringComparison.Ordinal);
        Assert.DoesNotContain("(Parameter", line, StringComparison.Ordinal);
    }

    [Fact]
    public void ImagesOfAnotherShape_AreRefusedBeforeTraining()
    {
        string data = SyntheticIdx.Write(Path.Combine(TempDir("big"), "data"), 40, 10, rows: 32, columns: 32);
        string outDir = Path.Combine(TempDir("big-out"), "run");
        AssertOneLineUserError(Run("train", "--config", runs.WriteConfig("big", Mlp), "--set", "data.path=" + data, "--out", outDir), "1x28x28", "1x32x32");
        Assert.False(Directory.Exists(outDir));
    }

    [Fact]
    public void EmptyTestSet_IsRefused()
    {
        string data = SyntheticIdx.Write(Path.Combine(TempDir("empty"), "data"), 40, 0);
        AssertOneLineUserError(Run("train", "--config", runs.WriteConfig("empty", Mlp), "--set", "data.path=" + data, "--out", Path.Combine(TempDir("empty-out"), "run")), "test set is empty");
    }

    [Fact]
    public void StandardizeOnConstantImages_IsAUserError()
    {
        string data = SyntheticIdx.Write(Path.Combine(TempDir("const"), "data"), 40, 10, pixel: (_, _) => 7);
        AssertOneLineUserError(Run("train", "--config", runs.WriteConfig("const", Mlp), "--set", "data.path=" + data, "--set", "data.normalize=standardize",
            "--out", Path.Combine(TempDir("const-out"), "run")), "standardize", "constant");
    }

    [Fact]
    public void ResumeWithASetThatChangesALayerShape_IsAUserError()
    {
        string run = TempDir("resume-shape");
        File.Copy(Checkpoint(runs.Binary), Checkpoint(run));
        AssertOneLineUserError(Run("train", "--out", run, "--resume", "--set", "layers.1.units=8"), "checkpoint.lbck", "'1.weight'", "[16, 784]", "[8, 784]");
        // Growing a layer past everything the checkpoint stores is refused before the model is built.
        AssertOneLineUserError(Run("train", "--out", run, "--resume", "--set", "layers.1.units=32"), "checkpoint.lbck", "cannot resume", "[32, 784]");
    }

    [Fact]
    public void BenchInfer_ModelTheExporterCannotPack_IsAUserError() =>
        AssertOneLineUserError(Run("bench", "infer", "--checkpoint", Checkpoint(runs.Float), "--images", "100", "--probes", "false"), "cannot pack");

    [Fact]
    public void Summary_CheckpointOfMismatchedShape_IsAUserError()
    {
        var ck = Lowbit.Training.Checkpoints.Checkpoint.Load(Checkpoint(runs.Binary));
        var header = JsonNode.Parse(ck.Header)!.AsObject();
        header["config"]!["layers"]![1]!["units"] = 12;
        string path = Path.Combine(TempDir("mismatch"), "checkpoint.lbck");
        Lowbit.Training.Checkpoints.Checkpoint.Save(path, ck with { Header = header.ToJsonString() });
        foreach (var command in new[] { "summary", "eval", "export" })
        {
            string[] args = command == "export" ? [command, "--checkpoint", path, "--out", Path.Combine(TempDir("m"), "m.lbpm")] : [command, "--checkpoint", path];
            AssertOneLineUserError(Run(args), "'1.weight'");
        }
    }

    [Fact]
    public void CraftedCheckpointWithValidChecksum_IsAShortUserError()
    {
        var ck = Lowbit.Training.Checkpoints.Checkpoint.Load(Checkpoint(runs.Binary));
        var header = JsonNode.Parse(ck.Header)!.AsObject();
        header["state"]!["Epoch"] = -4;
        string run = TempDir("crafted");
        Lowbit.Training.Checkpoints.Checkpoint.Save(Checkpoint(run), ck with { Header = header.ToJsonString() });
        AssertOneLineUserError(Run("train", "--out", run, "--resume"), "epoch is -4");
        AssertOneLineUserError(Run("eval", "--checkpoint", Checkpoint(run)), "epoch is -4");
    }

    [Fact]
    public void FolderGivenAsAFile_SaysFolder()
    {
        string folder = TempDir("as-file");
        AssertOneLineUserError(Run("train", "--config", folder), "is a folder");
        AssertOneLineUserError(Run("eval", "--checkpoint", folder), "is a folder");
        AssertOneLineUserError(Run("summary", "--checkpoint", folder), "is a folder");
        AssertOneLineUserError(Run("infer", "--model", folder), "is a folder");
        AssertOneLineUserError(Run("export", "--checkpoint", folder, "--out", Path.Combine(TempDir("x"), "m.lbpm")), "is a folder");
    }

    [Fact]
    public void ShortCheckpointWithTheRightMagic_SaysTruncated()
    {
        string path = Path.Combine(TempDir("short"), "short.lbck");
        File.WriteAllBytes(path, "LBITCKPT\u0001\u0000"u8.ToArray());
        AssertOneLineUserError(Run("eval", "--checkpoint", path), "truncated");
    }

    [Fact]
    public void GzipFileWithABadChecksum_SaysChecksum()
    {
        string data = Path.Combine(TempDir("gz"), "data");
        Directory.CreateDirectory(data);
        foreach (var f in Directory.GetFiles(runs.Data)) GzipTo(f, Path.Combine(data, Path.GetFileName(f) + ".gz"));
        string victim = Path.Combine(data, "t10k-labels-idx1-ubyte.gz");
        var bytes = File.ReadAllBytes(victim);
        bytes[^8] ^= 0xFF; // the trailer's CRC-32
        File.WriteAllBytes(victim, bytes);
        AssertOneLineUserError(Run("train", "--config", runs.WriteConfig("gz", Mlp), "--set", "data.path=" + data, "--out", Path.Combine(TempDir("gz-out"), "run")),
            "t10k-labels-idx1-ubyte.gz", "CRC-32 mismatch");
    }

    private static void GzipTo(string source, string destination)
    {
        using var input = File.OpenRead(source);
        using var output = File.Create(destination);
        using var gzip = new System.IO.Compression.GZipStream(output, System.IO.Compression.CompressionLevel.Fastest);
        input.CopyTo(gzip);
    }
}
