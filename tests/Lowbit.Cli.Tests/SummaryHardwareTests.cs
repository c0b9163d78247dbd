using System.Text.Json;

namespace Lowbit.Cli.Tests;

/// <summary>
/// <c>lowbit summary --hardware</c> on a two-layer model, against hand counts (docs/COST-MODEL.md, section 11):
/// fc1 = dense 784→16 with ±1 weights on real pixels (sign-flip: float adders), fc2 = dense 16→10 with ±1 weights
/// and inputs (XNOR-popcount).
/// </summary>
public sealed class SummaryHardwareTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("lowbit-hw-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string TwoLayerConfig()
    {
        string path = Path.Combine(_folder, "two.json");
        File.WriteAllText(path, """
        {
          "name": "two", "data": { "dataset": "mnist" },
          "layers": [
            { "type": "flatten" },
            { "type": "dense", "units": 16, "bias": false, "weight_quantizer": "ste_sign" },
            { "type": "batch_norm" },
            { "type": "dense", "units": 10, "bias": false, "input_quantizer": "ste_sign", "weight_quantizer": "ste_sign" }
          ]
        }
        """);
        return path;
    }

    [Fact]
    public void Fpga_FoldedDefault_MatchesHandCounts()
    {
        var (code, output, error) = Run("summary", "--config", TwoLayerConfig(), "--hardware", "fpga", "--json");
        Assert.True(code == 0, error);
        using var json = JsonDocument.Parse(output);
        var layers = json.RootElement.GetProperty("layers");
        var fc1 = layers[0];
        // PE 16 (= O), SIMD 64: 1024 lanes, one float adder each (2 DSPs); 12,544 stored bits, 784 per PE -> 1 BRAM36
        // each (width 64 bits); ⌈784 / 64⌉ = 13 cycles.
        Assert.Equal("SignFlip", fc1.GetProperty("datapath").GetString());
        Assert.Equal(2048, fc1.GetProperty("dsps").GetInt64());
        Assert.Equal(16, fc1.GetProperty("bram36").GetInt64());
        Assert.Equal(13, fc1.GetProperty("cycles_per_sample").GetInt64());
        Assert.Equal(0, fc1.GetProperty("luts").GetDouble());
        var fc2 = layers[2];   // layers[1] is the batch norm (no MACs, no cost)
        // PE 10, SIMD 16: 160 XNOR gates (80 LUTs) + 160 popcount inputs + 10 PEs · 1 accumulator · 7 bits = 310 LUTs.
        Assert.Equal("Binary", fc2.GetProperty("datapath").GetString());
        Assert.Equal(310, fc2.GetProperty("luts").GetDouble());
        Assert.Equal(10, fc2.GetProperty("bram36").GetInt64());
        var totals = json.RootElement.GetProperty("totals");
        Assert.Equal(310, totals.GetProperty("luts").GetDouble());
        Assert.Equal(26, totals.GetProperty("bram36").GetInt64());
        Assert.Equal(14, totals.GetProperty("cycles_per_sample").GetInt64());
        Assert.True(json.RootElement.GetProperty("assumptions").GetArrayLength() >= 5);
    }

    [Fact]
    public void Asic_Unrolled_TablePrintsHandTotalsAndAssumptions()
    {
        var (code, output, error) = Run("summary", "--config", TwoLayerConfig(), "--hardware", "asic", "--architecture", "unrolled");
        Assert.True(code == 0, error);
        // fc1: 12,544 float adders · 4,184 µm², 12,544 · 0.9 pJ; fc2: 160 popcount inputs · 4.5 µm², 160 · 0.004 pJ.
        Assert.Contains("Total: 52.4848 mm2", output);
        Assert.Contains("11.290 nJ per example", output);
        Assert.Contains("Assumptions:", output);
        Assert.Contains("our assumption", output);
        Assert.Contains("Horowitz ISSCC 2014", output);
    }

    [Fact]
    public void Hardware_BadValues_OneLineExit1()
    {
        var (code, _, error) = Run("summary", "--config", TwoLayerConfig(), "--hardware", "gpu");
        Assert.Equal(1, code);
        Assert.Contains("gpu", error);
        (code, _, error) = Run("summary", "--config", TwoLayerConfig(), "--hardware", "fpga", "--pe", "0");
        Assert.Equal(1, code);
        Assert.StartsWith("lowbit: --pe (0)", error);
    }

    private static (int Code, string Output, string Error) Run(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        int code = CliApp.Run(args, output, error);
        return (code, output.ToString(), error.ToString());
    }
}
