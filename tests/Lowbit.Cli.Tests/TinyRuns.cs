using System.Text.Json;
using Lowbit.Testing;

namespace Lowbit.Cli.Tests;

/// <summary>
/// Two small trained runs on synthetic MNIST-shaped data, made once through the CLI and shared: a BinaryNet-style MLP
/// with batch norm (packable) and a float ReLU MLP (not packable).
/// </summary>
public sealed class TinyRuns : IDisposable
{
    public TinyRuns()
    {
        Root = CliHarness.TempDir("tiny-runs");
        Data = SyntheticIdx.Write(Path.Combine(Root, "data"), 60, 20);
        Binary = Train("binary", "[{\"type\":\"flatten\"},{\"type\":\"dense\",\"units\":16,\"bias\":false,\"weight_quantizer\":\"ste_sign\",\"weight_clip\":1.0},{\"type\":\"batch_norm\"}," +
            "{\"type\":\"dense\",\"units\":10,\"bias\":false,\"input_quantizer\":\"ste_sign\",\"weight_quantizer\":\"ste_sign\",\"weight_clip\":1.0},{\"type\":\"batch_norm\"}]");
        Float = Train("float", "[{\"type\":\"flatten\"},{\"type\":\"dense\",\"units\":16},{\"type\":\"relu\"},{\"type\":\"dense\",\"units\":10}]");
    }

    public string Root { get; }

    /// <summary>The synthetic dataset folder (60 training, 20 test images of 28x28).</summary>
    public string Data { get; }

    /// <summary>Run folder of the binary MLP (checkpoint.lbck inside).</summary>
    public string Binary { get; }

    /// <summary>Run folder of the float MLP.</summary>
    public string Float { get; }

    public string DataSet => "data.path=" + JsonSerializer.Serialize(Data);

    /// <summary>A config file for a run on the synthetic data with the given layers.</summary>
    public string WriteConfig(string name, string layers, string extra = "")
    {
        string path = Path.Combine(Root, name + ".json");
        File.WriteAllText(path, $$"""
            { "name": "{{name}}", "seed": 1, "threads": 1,
              "data": { "dataset": "mnist", "validation": 10, "normalize": "plus_minus_one" },
              "layers": {{layers}},
              "loss": "squared_hinge", "optimizer": { "type": "adam", "lr": 0.01 },
              "train": { "epochs": 1, "batch_size": 10 }{{extra}} }
            """);
        return path;
    }

    private string Train(string name, string layers)
    {
        string outDir = Path.Combine(Root, name);
        var (code, _, err) = CliHarness.Run("train", "--quiet", "--config", WriteConfig(name, layers), "--set", DataSet, "--out", outDir);
        if (code != 0) throw new InvalidOperationException($"fixture run '{name}' failed: {err}");
        return outDir;
    }

    public void Dispose() => Directory.Delete(Root, true);
}
