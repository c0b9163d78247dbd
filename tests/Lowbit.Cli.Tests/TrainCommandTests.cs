using System.Runtime.CompilerServices;
using Lowbit.Cli;

namespace Lowbit.Cli.Tests;

/// <summary>The CLI's contract for bad input: one line on stderr, exit code 1, nothing written.</summary>
public class TrainCommandTests
{
    private static string RepoRoot([CallerFilePath] string source = "")
    {
        for (var d = new DirectoryInfo(Path.GetDirectoryName(source)!); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "Lowbit.slnx"))) return d.FullName;
        throw new InvalidOperationException("repository root not found");
    }

    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        int code = CliApp.Run(args, o, e);
        return (code, o.ToString(), e.ToString());
    }

    private static string TempDir()
    {
        var d = Path.Combine(Path.GetTempPath(), "lowbit-cli-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(d);
        return d;
    }

    private static string WriteConfig(string dir, string json)
    {
        var p = Path.Combine(dir, "c.json");
        File.WriteAllText(p, json);
        return p;
    }

    private static void AssertOneLineUserError(int code, string err, string mustContain)
    {
        Assert.Equal(ExitCodes.UserError, code);
        var lines = err.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length == 1, $"expected one line on stderr, got:\n{err}");
        Assert.StartsWith("lowbit: ", lines[0]);
        Assert.Contains(mustContain, lines[0]);
        Assert.DoesNotContain("   at ", err);
    }

    [Fact]
    public void UnknownConfigKey_OneLineExit1_NoOutputFolder()
    {
        var dir = TempDir();
        var cfg = WriteConfig(dir, """{ "layers": [ { "type": "flatten" }, { "type": "dense", "units": 10 } ], "trian": {} }""");
        var outDir = Path.Combine(dir, "out");
        var (code, _, err) = Run("train", "--config", cfg, "--out", outDir);
        AssertOneLineUserError(code, err, "trian");
        Assert.False(Directory.Exists(outDir));
    }

    [Fact]
    public void WrongValueType_OneLineExit1()
    {
        var dir = TempDir();
        var cfg = WriteConfig(dir, """{ "layers": [ { "type": "flatten" }, { "type": "dense", "units": "ten" } ] }""");
        var (code, _, err) = Run("train", "--config", cfg, "--out", Path.Combine(dir, "out"));
        AssertOneLineUserError(code, err, "layers[1].units");
    }

    [Fact]
    public void ShapeMismatchBetweenLayers_OneLineExit1()
    {
        var dir = TempDir();
        var cfg = WriteConfig(dir, """{ "layers": [ { "type": "dense", "units": 10 } ] }""");
        var (code, _, err) = Run("train", "--config", cfg, "--out", Path.Combine(dir, "out"));
        AssertOneLineUserError(code, err, "[1, 28, 28]");
    }

    [Fact]
    public void MissingConfigFile_OneLineExit1()
    {
        var (code, _, err) = Run("train", "--config", "/nonexistent/x.json");
        AssertOneLineUserError(code, err, "/nonexistent/x.json");
    }

    [Theory]
    [InlineData("truncated")]
    [InlineData("magic")]
    [InlineData("missing")]
    public void BadDataFile_OneLineExit1_NamesFile_NoOutputFolder(string damage)
    {
        var dir = TempDir();
        var data = Path.Combine(dir, "mnist");
        Directory.CreateDirectory(data);
        foreach (var f in Directory.GetFiles(Path.Combine(RepoRoot(), "data", "mnist"), "*.gz")) File.Copy(f, Path.Combine(data, Path.GetFileName(f)));
        string victim = Path.Combine(data, "t10k-labels-idx1-ubyte.gz");
        if (damage == "missing") File.Delete(victim);
        else
        {
            using var raw = new MemoryStream();
            using (var gz = new System.IO.Compression.GZipStream(File.OpenRead(victim), System.IO.Compression.CompressionMode.Decompress)) gz.CopyTo(raw);
            var bytes = raw.ToArray();
            if (damage == "truncated") bytes = bytes[..(bytes.Length - 100)];
            else bytes[3] = 0x07;
            File.WriteAllBytes(victim, bytes); // raw IDX (readers detect gzip by magic, not by name)
        }
        var cfg = WriteConfig(dir, """{ "layers": [ { "type": "flatten" }, { "type": "dense", "units": 10 } ], "train": { "epochs": 1 } }""");
        var outDir = Path.Combine(dir, "out");
        var (code, _, err) = Run("train", "--config", cfg, "--set", "data.path=" + data, "--out", outDir);
        AssertOneLineUserError(code, err, "t10k-labels-idx1-ubyte");
        Assert.False(Directory.Exists(outDir));
    }

    [Fact]
    public void UnknownOption_IsParseErrorExit1()
    {
        var (code, _, err) = Run("train", "--no-such-option");
        Assert.Equal(ExitCodes.UserError, code);
        Assert.Contains("--no-such-option", err);
    }

    [Fact]
    public void ExistingRunWithoutResume_IsRefused()
    {
        var dir = TempDir();
        File.WriteAllText(Path.Combine(dir, "checkpoint.lbck"), "x");
        var (code, _, err) = Run("train", "--out", dir);
        AssertOneLineUserError(code, err, "--resume");
    }

    [Fact]
    public void Help_ListsCommandsAndTrainOptions()
    {
        var (code, output, _) = Run("--help");
        Assert.Equal(0, code);
        foreach (var c in new[] { "train", "eval", "bench" }) Assert.Contains(c, output);
        var (code2, trainHelp, _) = Run("train", "--help");
        Assert.Equal(0, code2);
        foreach (var o in new[] { "--config", "--set", "--out", "--resume" }) Assert.Contains(o, trainHelp);
    }

    [Fact]
    public void TrainThenEval_SmallRun_WritesContractFiles()
    {
        var dir = TempDir();
        var outDir = Path.Combine(dir, "run");
        var (code, output, err) = Run("train", "--quiet", "--out", outDir, "--set", "data.path=" + Path.Combine(RepoRoot(), "data", "mnist"),
            "--set", "data.train_limit=500", "--set", "data.test_limit=500", "--set", "train.epochs=1", "--set", "layers.1.units=32", "--set", "layers.3.units=32", "--set", "layers.5.units=32");
        Assert.True(code == 0, err);
        Assert.Contains("test error", output);
        var result = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(outDir, "result.json")))!.AsObject();
        foreach (var key in new[] { "model", "dataset", "seed", "epochs", "test_error", "test_accuracy", "best_val_accuracy", "best_epoch", "train_seconds", "train_examples_per_second", "parameters", "weight_bits_avg", "activation_bits_avg" })
            Assert.True(result.ContainsKey(key), $"result.json lacks '{key}'");
        Assert.Equal(2, File.ReadAllLines(Path.Combine(outDir, "metrics.csv")).Length);
        var (evalCode, evalOut, evalErr) = Run("eval", "--checkpoint", Path.Combine(outDir, "checkpoint.lbck"));
        Assert.True(evalCode == 0, evalErr);
        double reported = 100 * result["test_accuracy"]!.GetValue<double>();
        Assert.Contains(reported.ToString("F2", System.Globalization.CultureInfo.InvariantCulture) + " %", evalOut);

        var packed = Path.Combine(dir, "model.lbpm");
        var (exportCode, _, exportErr) = Run("export", "--checkpoint", Path.Combine(outDir, "checkpoint.lbck"), "--out", packed);
        Assert.True(exportCode == 0, exportErr);
        var (inferCode, inferOut, inferErr) = Run("infer", "--model", packed, "--data", Path.Combine(RepoRoot(), "data", "mnist"), "--verify", Path.Combine(outDir, "checkpoint.lbck"));
        Assert.True(inferCode == 0, inferErr + inferOut);
        Assert.Contains("classes differ 0, logits differ 0, last-layer integers differ 0 — bit-exact", inferOut);

        // A stand-in for benchmarks/peers/torch_infer.py (run by /bin/sh here): prints its JSON lines.
        var peer = Path.Combine(dir, "peer.sh");
        File.WriteAllText(peer, string.Join("\n", new[] { (1, 1), (1, 100), (2, 1), (2, 100) }.Select(p =>
            $"echo '{{\"peer\": \"pytorch\", \"threads\": {p.Item1}, \"batch\": {p.Item2}, \"ms_per_image\": 1.5}}'")) + "\n");
        var (benchCode, benchOut, benchErr) = Run("bench", "infer", "--checkpoint", Path.Combine(outDir, "checkpoint.lbck"), "--images", "200", "--peer", peer, "--python", "/bin/sh");
        Assert.True(benchCode == 0, benchErr);
        var lines = benchOut.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => System.Text.Json.Nodes.JsonNode.Parse(l)!.AsObject()).ToArray();
        var settings = lines.Where(j => j["bench"]!.GetValue<string>() == "infer").ToArray();
        Assert.Equal(4, settings.Length);
        foreach (var j in settings)
        {
            Assert.True(j["packed_us_per_image"]!.GetValue<double>() > 0);
            Assert.True(j["float_us_per_image"]!.GetValue<double>() > 0);
            Assert.Equal(1500.0, j["pytorch_us_per_image"]!.GetValue<double>());
            Assert.True(j["speedup_vs_pytorch"]!.GetValue<double>() > 0);
        }
        var kernels = Assert.Single(lines, j => j["bench"]!.GetValue<string>() == "kernels");
        Assert.True(kernels["xnor_gemm_1024_bit_macs_per_cycle_per_core"]!.GetValue<double>() > 0);
        Assert.True(kernels["popcnt_bits_per_cycle"]!.GetValue<double>() > 0);
        Assert.Single(lines, j => j["bench"]!.GetValue<string>() == "machine");
    }
}
