using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using Lowbit.Training.Checkpoints;
using Lowbit.Training.Config;

namespace Lowbit.Cli.Tests;

public sealed class SummaryCommandTests : IDisposable
{
    // configs/mnist-binarynet.json per example: 784·1024 + 2·1024·1024 + 1024·10 one-bit weights (= MACs),
    // 4·(3·1024 + 10) = 12,328 float BN parameters; memory 2,910,208 + 32·12,328 = 3,304,704 bits = 413,088 bytes.
    private const long BinaryNetMacs = 784 * 1024 + 2 * 1024 * 1024 + 1024 * 10;
    private const long BinaryNetTotalBits = BinaryNetMacs + 32 * 4 * (3 * 1024 + 10);

    private readonly string _folder = Directory.CreateTempSubdirectory("lowbit-summary-").FullName;

    private static string BinaryNetConfig => Path.Combine(RepoRoot(), "configs", "mnist-binarynet.json");

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void Summary_BinaryNetConfig_PrintsTableAndTotals()
    {
        var (code, output, error) = Run("summary", "--config", BinaryNetConfig);

        Assert.True(code == 0, error);
        Assert.Equal("", error);
        Assert.Contains("1:Linear", output);
        Assert.Contains("Linear(1024 → 10, in: ste_sign, w: ste_sign)", output);
        Assert.Contains("2,910,208×1b + 12,328×32b", output);
        Assert.Contains("MACs: 2,910,208; BOPs: 27,797,504", output);          // 802,816·32 (float pixels) + 2,107,392·1
        Assert.Contains("Weight memory: 3,304,704 bits = 413,088 bytes", output);
        Assert.Contains("Parameters: 2,922,536", output);
    }

    [Theory]
    // ResNet-20 per 3×32×32 image: conv weights 432 (stem) + 13,824 + 50,688 + 202,752, dense 640; MACs 442,368 + 14,155,776 +
    // 12,976,128 + 12,976,128 + 640; stored floats: BN 4 per channel (688 channels, +64 for the binary net's BN before the
    // dense layer) and 10 biases. BOPs = MACs·b_w·b_a: float everywhere 32·32; binary: stem and dense 32·32, blocks 1·1.
    // The binary network (one binary convolution + batch norm per residual body) packs as a real-stream network; the float
    // one (two convolutions per body, float weights) does not.
    [InlineData("cifar10-resnet20.json", "Parameters: 271,098", "MACs: 40,551,040; BOPs: 41,524,264,960", "Packed model file: not packable")]
    [InlineData("cifar10-resnet20-binary.json", "Parameters: 271,354", "MACs: 40,551,040; BOPs: 493,748,224", "Packed model file (lowbit export")]
    public void Summary_ResNet20Configs_CountResidualNetworksByHand(string file, string parameters, string operations, string packed)
    {
        var (code, output, error) = Run("summary", "--config", Path.Combine(RepoRoot(), "configs", file));

        Assert.True(code == 0, error);
        Assert.Contains(parameters, output);
        Assert.Contains(operations, output);
        Assert.Contains("3.body.0:Conv2d", output);
        Assert.Contains(packed, output);
    }

    [Fact]
    public void Summary_Json_ParsesAndHoldsHandTotals()
    {
        var (code, output, error) = Run("summary", "--config", BinaryNetConfig, "--json");

        Assert.True(code == 0, error);
        using var json = JsonDocument.Parse(output);
        var totals = json.RootElement.GetProperty("totals");
        Assert.Equal("mnist-binarynet", json.RootElement.GetProperty("name").GetString());
        Assert.Equal(8, json.RootElement.GetProperty("layers").GetArrayLength());   // flatten has no row
        Assert.Equal(BinaryNetMacs, totals.GetProperty("macs").GetInt64());
        Assert.Equal(BinaryNetMacs, totals.GetProperty("payloadBits").GetInt64());
        Assert.Equal(BinaryNetTotalBits, totals.GetProperty("totalBits").GetInt64());
    }

    [Fact]
    public void Summary_SetOverride_ChangesCounts()
    {
        var (code, output, error) = Run("summary", "--config", BinaryNetConfig, "--set", "layers.1.units=512", "--json");

        Assert.True(code == 0, error);
        using var json = JsonDocument.Parse(output);
        // 784·512 + 512·1024 + 1024·1024 + 1024·10
        Assert.Equal(401_408 + 524_288 + 1_048_576 + 10_240, json.RootElement.GetProperty("totals").GetProperty("macs").GetInt64());
    }

    [Fact]
    public void Summary_ConfigWithBadField_PrintsOneLineAndExits1()
    {
        var text = File.ReadAllText(BinaryNetConfig).Replace("\"units\": 10, \"bias\"", "\"units\": 10, \"bais\"", StringComparison.Ordinal);
        Assert.Contains("\"bais\"", text, StringComparison.Ordinal); // the misspelt field is really there
        var path = Path.Combine(_folder, "bad.json");
        File.WriteAllText(path, text);

        var (code, output, error) = Run("summary", "--config", path);

        Assert.Equal(1, code);
        Assert.Equal("", output);
        Assert.Single(error.TrimEnd().Split('\n'));
        Assert.StartsWith("lowbit: ", error);
        Assert.Contains("layers[7]", error);
        Assert.Contains("bais", error);
    }

    [Theory]
    [InlineData("")]
    [InlineData("--config a.json --checkpoint b.lbck")]
    public void Summary_NotExactlyOneSource_PrintsOneLineAndExits1(string options)
    {
        var (code, _, error) = Run(["summary", .. options.Split(' ', StringSplitOptions.RemoveEmptyEntries)]);

        Assert.Equal(1, code);
        Assert.Equal("lowbit: summary needs exactly one of --config FILE or --checkpoint FILE.", error.TrimEnd());
    }

    [Fact]
    public void Summary_MissingCheckpoint_PrintsOneLineAndExits1()
    {
        var (code, _, error) = Run("summary", "--checkpoint", Path.Combine(_folder, "none.lbck"));

        Assert.Equal(1, code);
        Assert.Single(error.TrimEnd().Split('\n'));
        Assert.Contains("none.lbck", error);
    }

    [Fact]
    public void Summary_Checkpoint_UsesSavedConfig()
    {
        // A checkpoint as the trainer writes it: header with "config" and "config_source", and the model's state.
        var options = new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip };
        var configNode = JsonNode.Parse(File.ReadAllText(BinaryNetConfig), documentOptions: options)!;
        var config = ConfigLoader.Load(BinaryNetConfig);
        var model = ModelBuilder.Build(config, [1, 28, 28]);
        var header = new JsonObject { ["config"] = configNode, ["config_source"] = "mnist-binarynet.json" };
        var path = Path.Combine(_folder, "checkpoint.lbck");
        Checkpoint.Save(path, new CheckpointData(header.ToJsonString(), model.StateDict(), new Dictionary<string, Tensors.Tensor>()));

        var (code, output, error) = Run("summary", "--checkpoint", path, "--json");

        Assert.True(code == 0, error);
        using var json = JsonDocument.Parse(output);
        Assert.Equal(BinaryNetMacs, json.RootElement.GetProperty("totals").GetProperty("macs").GetInt64());
    }

    [Theory]
    [InlineData("mnist-binarynet.json")]
    [InlineData("mnist-dorefa-w2a2.json")]
    [InlineData("mnist-hbb-1.4-deploy.json")]
    public void Summary_Checkpoint_PredictsPackedFileSizeToTheByte(string configFile)
    {
        var configPath = Path.Combine(RepoRoot(), "configs", configFile);
        var options = new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip };
        var configNode = JsonNode.Parse(File.ReadAllText(configPath), documentOptions: options)!;
        var model = ModelBuilder.Build(ConfigLoader.Load(configPath), [1, 28, 28]);
        var header = new JsonObject { ["config"] = configNode, ["config_source"] = configFile };
        var path = Path.Combine(_folder, "some-run.lbck");
        Checkpoint.Save(path, new CheckpointData(header.ToJsonString(), model.StateDict(), new Dictionary<string, Tensors.Tensor>()));

        var (code, output, error) = Run("summary", "--checkpoint", path, "--json");
        Assert.True(code == 0, error);
        using var json = JsonDocument.Parse(output);
        long predicted = json.RootElement.GetProperty("packed_file_bytes").GetInt64();
        var (tableCode, table, _) = Run("summary", "--checkpoint", path);
        Assert.Equal(0, tableCode);
        Assert.Contains($"Packed model file (lowbit export, docs/FORMAT.md): {predicted.ToString("N0", System.Globalization.CultureInfo.InvariantCulture)} bytes", table);

        var packed = Path.Combine(_folder, "model.lbpm");
        var (exportCode, _, exportError) = Run("export", "--checkpoint", path, "--out", packed);
        Assert.True(exportCode == 0, exportError);
        Assert.Equal(new FileInfo(packed).Length, predicted);
    }

    [Fact]
    public void Summary_UnpackableConfig_SaysWhy()
    {
        var (code, output, error) = Run("summary", "--config", Path.Combine(RepoRoot(), "configs", "mnist-hbb-1.4.json"));
        Assert.True(code == 0, error);
        // Per-sample activation means (the paper's HBB) cannot be packed exactly; the deploy config freezes them.
        Assert.Contains("Packed model file: not packable (Layer 3", output);
        Assert.Contains("means", output);
    }

    [Fact]
    public void Summary_SetWithCheckpoint_PrintsOneLineAndExits1()
    {
        var (code, _, error) = Run("summary", "--checkpoint", "x.lbck", "--set", "train.epochs=1");

        Assert.Equal(1, code);
        Assert.StartsWith("lowbit: --set applies to --config only", error);
    }

    [Fact]
    public void Help_ListsSummaryOptions()
    {
        var (code, output, _) = Run("summary", "--help");

        Assert.Equal(0, code);
        foreach (var option in new[] { "--config", "--set", "--checkpoint", "--json" })
        {
            Assert.Contains(option, output);
        }
    }

    private static (int Code, string Output, string Error) Run(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        int code = CliApp.Run(args, output, error);
        return (code, output.ToString(), error.ToString());
    }

    /// <summary>The repository root, found from this source file's location (works with any artifacts path).</summary>
    private static string RepoRoot([CallerFilePath] string source = "")
    {
        for (var d = new DirectoryInfo(Path.GetDirectoryName(source)!); d is not null; d = d.Parent)
        {
            if (File.Exists(Path.Combine(d.FullName, "Lowbit.slnx")))
            {
                return d.FullName;
            }
        }

        throw new InvalidOperationException("Repository root (Lowbit.slnx) not found above " + source);
    }

    [Fact]
    public void Summary_PdbConfigBeforeAssignment_SaysTheBitsArePending()
    {
        var pdb = Path.Combine(RepoRoot(), "configs", "fashion-mnist-pdb-auto-b2.json");
        var (code, output, _) = Run("summary", "--config", pdb);
        Assert.Equal(0, code);
        Assert.Contains("Bit assignment pending", output, StringComparison.Ordinal);
        Assert.Contains("budget 2 average weight bits", output, StringComparison.Ordinal);
        var (_, plain, _) = Run("summary", "--config", BinaryNetConfig);
        Assert.DoesNotContain("Bit assignment pending", plain, StringComparison.Ordinal);
        var (jsonCode, json, _) = Run("summary", "--config", pdb, "--json");
        Assert.Equal(0, jsonCode);
        Assert.Contains("\"bit_assignment_note\"", json, StringComparison.Ordinal);
    }
}
