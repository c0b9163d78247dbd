using Lowbit.Quantization.MixedPrecision;
using Lowbit.Training.Config;

namespace Lowbit.Training.Tests;

public class RegularizerTests
{
    private const string Config = """
        {
          "name": "bp", "seed": 2, "threads": 1,
          "data": { "dataset": "mnist", "validation": 100, "train_limit": 400, "test_limit": 100, "normalize": "zero_one" },
          "layers": [
            { "type": "flatten" },
            { "type": "dense", "units": 16, "weight_quantizer": { "type": "bitpruning", "bits": 6 } },
            { "type": "relu" },
            { "type": "dense", "units": 10, "weight_quantizer": { "type": "bitpruning", "bits": 6 } }
          ],
          "regularizer": { "type": "bitpruning", "target": "bits", "lambda": 5 },
          "optimizer": { "type": "adam", "lr": 0.05 },
          "train": { "epochs": 1, "batch_size": 50 }
        }
        """;

    private static string MnistPath => "data.path=" + System.Text.Json.JsonSerializer.Serialize(TestPaths.Mnist);

    private static List<double> TrainAndReadBitLengths(double lambda)
    {
        var config = ConfigLoader.Parse(Config, "bp.json", [MnistPath, "regularizer.lambda=" + lambda.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        var data = DataResolver.Load(config.Data);
        string dir = Path.Combine(Path.GetTempPath(), "lowbit-bp-" + Guid.NewGuid().ToString("N"));
        try
        {
            var trainer = new Trainer(config, data, dir);
            trainer.Run();
            return trainer.Model.NamedParameters().Where(p => p.Name.EndsWith("bitlength", StringComparison.Ordinal)).Select(p => p.Parameter.Value.ToDoubleArray().Average()).ToList();
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void BitPruning_RegularizerStrength_ControlsLearnedBitlengths()
    {
        var strong = TrainAndReadBitLengths(5);
        var none = TrainAndReadBitLengths(0);
        Assert.Equal(2, strong.Count);
        for (int i = 0; i < strong.Count; i++)
        {
            Assert.InRange(strong[i], 1.0, 6.0);
            // 8 Adam steps of lr 0.05 move a parameter by at most ~0.4: with λ = 5 the regulariser dominates the sign
            // of every step (bitlength ≈ 6 − 0.4), without it the task gradient alone moves it much less.
            Assert.True(strong[i] < 5.65, $"layer {i}: bitlength with lambda 5 = {strong[i]}");
            Assert.True(strong[i] < none[i] - 0.2, $"layer {i}: bitlength with lambda 5 = {strong[i]}, with lambda 0 = {none[i]}");
        }
    }

    [Fact]
    public void BitPruning_StrongRegularizer_LowersLearnedBitlengths_WithinRange()
    {
        var config = ConfigLoader.Parse(Config, "bp.json", [MnistPath]);
        var data = DataResolver.Load(config.Data);
        string dir = Path.Combine(Path.GetTempPath(), "lowbit-bp-" + Guid.NewGuid().ToString("N"));
        try
        {
            var trainer = new Trainer(config, data, dir);
            trainer.Run();
            var bitLengths = trainer.Model.NamedParameters().Where(p => p.Name.EndsWith("bitlength", StringComparison.Ordinal)).Select(p => p.Parameter.Value.ToDoubleArray().Average()).ToList();
            Assert.Equal(2, bitLengths.Count);
            Assert.All(bitLengths, b => Assert.InRange(b, 1.0, 5.9)); // pulled below the initial 6, never below the clamp at 1
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void BitPruningRegularizer_WithoutBitPruningLayers_IsConfigError()
    {
        var config = ConfigLoader.Parse(Config, "bp.json", [MnistPath, "layers.1.weight_quantizer=null", "layers.3.weight_quantizer=null"]);
        var data = DataResolver.Load(config.Data);
        Assert.Throws<ConfigException>(() => new Trainer(config, data, Path.GetTempPath()));
    }

    [Fact]
    public void UnknownRegularizerTarget_IsConfigError()
    {
        var ex = Assert.Throws<ConfigException>(() => ConfigLoader.Parse(Config, "bp.json", ["regularizer.target=flops"]));
        Assert.Contains("regularizer.target", ex.Message);
    }
}
