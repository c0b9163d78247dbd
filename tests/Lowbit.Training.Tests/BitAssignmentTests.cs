using System.Text.Json.Nodes;
using Lowbit.Data;
using Lowbit.Nn.Layers;
using Lowbit.Quantization.MixedPrecision;
using Lowbit.Tensors;
using Lowbit.Training.Config;

namespace Lowbit.Training.Tests;

public class BitAssignmentTests
{
    private const string Config = """
        {
          "name": "pdb", "seed": 3, "threads": 1,
          "data": { "dataset": "mnist", "validation": 100, "train_limit": 300, "test_limit": 100, "normalize": "zero_one" },
          "layers": [
            { "type": "flatten" },
            { "type": "dense", "units": 32 },
            { "type": "batch_norm" },
            { "type": "relu" },
            { "type": "dense", "units": 16 },
            { "type": "batch_norm" },
            { "type": "relu" },
            { "type": "dense", "units": 10 }
          ],
          "bit_assignment": { "method": "pdb", "weight_quantizer": { "type": "dorefa_weight" }, "budget_bits": 2.5, "candidates": [1, 2, 3, 4],
                              "calibration_images": 200, "pretrain_epochs": 0 },
          "optimizer": { "type": "adam", "lr": 0.01 },
          "train": { "epochs": 1, "batch_size": 50 }
        }
        """;

    private static string MnistPath => "data.path=" + System.Text.Json.JsonSerializer.Serialize(TestPaths.Mnist);

    private static string TempDir() => Path.Combine(Path.GetTempPath(), "lowbit-pdb-" + Guid.NewGuid().ToString("N"));

    [Fact]
    public void Separability_HandBuiltModel_FisherRatioOfEachBlockOutput()
    {
        // Four 1×1×2 images, classes {(0,0), (0,1)} and {(1,0), (1,1)} after zero_one scaling.
        var pixels = new byte[] { 0, 0, 0, 255, 255, 0, 255, 255 };
        var dataset = new ImageDataset("hand", 1, 1, 2, pixels, [0, 0, 1, 1], 2);
        var data = new RunData(dataset, null, dataset, NormalizationOptions.ZeroOne);
        var random = new Random(1);
        var model = new Sequential(
            new Flatten(),
            new Linear(2, 2, false, random, init: Tensor.FromArray(new float[] { 1, 0, 0, 1 }, 2, 2)),
            new Linear(2, 2, false, random, init: Tensor.FromArray(new float[] { 1, 0, 0, 0.5f }, 2, 2)));

        var s = BitAssigner.Separability(model, data, [0, 1], 4);

        // Block 0 = x: class means (0, .5), (1, .5), overall (.5, .5): tr S_B = 4·0.25 = 1, tr S_W = 4·0.25 = 1 → 1.
        // Block 1 = (x0, x1/2): tr S_B = 1, tr S_W = 4·0.0625 = 0.25 → 4.
        Assert.Equal(1.0, s[0], 12);
        Assert.Equal(4.0, s[1], 12);
        // Equal weight counts, budget 2: ideal bits t ∝ 1/S = (3.2, 0.8) → staircase (3, 1).
        Assert.Equal(new[] { 3, 1 }, StaircaseAllocator.Allocate(s, [4, 4], 2, [1, 2, 3, 4]));
    }

    [Fact]
    public void Separability_ConvBlock_IsMeasuredOnPooledFeaturesBeforeFlatten()
    {
        var pixels = new byte[] { 0, 0, 0, 255, 255, 0, 255, 255 };
        var dataset = new ImageDataset("hand", 1, 1, 2, pixels, [0, 0, 1, 1], 2);
        var data = new RunData(dataset, null, dataset, NormalizationOptions.ZeroOne);
        var random = new Random(1);
        var conv = new Conv2d(1, 1, 1, 1, 0, false, random);
        conv.Weight.Value.Fill(1);
        var model = new Sequential(conv, new Flatten(), new Linear(2, 2, false, random));

        var s = BitAssigner.Separability(model, data, [0], 4);

        // Pooled conv output = mean of the two pixels: 0, .5 | .5, 1 → class means .25, .75; tr S_B = 4·0.0625, tr S_W = 4·0.0625.
        Assert.Equal(1.0, s[0], 12);
    }

    [Fact]
    public void Resolve_Pdb_AssignsNonIncreasingBitsUnderBudget_AndReportsThem()
    {
        var config = ConfigLoader.Parse(Config, "pdb.json", [MnistPath]);
        var data = DataResolver.Load(config.Data);
        string dir = TempDir();
        var messages = new MessageObserver();
        try
        {
            var trainer = new Trainer(config, data, dir, messages);
            var resolved = trainer.Config.BitAssignment!;
            var bits = resolved.Result!;
            Assert.Equal(3, bits.Length);
            for (int i = 1; i < bits.Length; i++) Assert.True(bits[i] <= bits[i - 1], $"bits {string.Join("-", bits)} increase at {i}");
            var counts = BitAssigner.WeightCounts(config, data.InputShape);
            Assert.Equal(new long[] { 784 * 32, 32 * 16, 16 * 10 }, counts);
            double average = counts.Zip(bits, (p, b) => (double)p * b).Sum() / counts.Sum();
            Assert.True(average <= 2.5 + 1e-9, $"average {average}");

            // The bits are the allocator's choice for the separability the run reports.
            var result = JsonNode.Parse(trainer.Config.Json)!["bit_assignment"]!["result"]!;
            var separability = result["separability"]!.AsArray().Select(n => n!.GetValue<double>()).ToArray();
            Assert.Equal(StaircaseAllocator.Allocate(separability, counts, 2.5, [1, 2, 3, 4]), bits);
            Assert.Contains(messages.Lines, l => l.StartsWith("bit assignment (pdb)", StringComparison.Ordinal) && l.Contains($"weight bits [{string.Join("-", bits)}]", StringComparison.Ordinal));

            // The model was built with those quantizers, and result.json reports them.
            var layers = trainer.Model.Layers.OfType<QuantizedLayer>().ToArray();
            for (int i = 0; i < 3; i++) Assert.Equal(bits[i], layers[i].WeightQuantizer!.Quantizer.BitWidth);
            var outcome = trainer.Run();
            Assert.Equal(bits.Select(b => (double)b), outcome.Result!["layer_weight_bits"]!.AsArray().Select(n => n!.GetValue<double>()));
            Assert.Equal(bits, outcome.Result!["bit_assignment"]!["bits"]!.AsArray().Select(n => n!.GetValue<int>()));

            // A resolved config (what checkpoints hold) is not assigned again.
            Assert.Same(trainer.Config, BitAssigner.Resolve(trainer.Config, data, dir, messages));
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void Load_Staircase_SetsGivenBitsOnChosenLayersOnly()
    {
        var config = ConfigLoader.Parse(Config, "pdb.json",
        [
            MnistPath, """bit_assignment={"method": "staircase", "weight_quantizer": {"type": "dorefa_weight"}, "layers": [0, 1], "bits": [4, 2]}""",
        ]);
        // A staircase needs no data: the loader applies it, so summary, bench and export see the quantizers.
        Assert.Equal(new[] { 4, 2 }, config.BitAssignment!.Result);
        Assert.Equal(4, JsonNode.Parse(config.Json)!["layers"]![1]!["weight_quantizer"]!["bits"]!.GetValue<int>());
        var data = DataResolver.Load(config.Data);
        var resolved = BitAssigner.Resolve(config, data, TempDir(), NullTrainingObserver.Instance);
        Assert.Same(config, resolved);
        var model = ModelBuilder.Build(resolved, data.InputShape);
        var layers = model.Layers.OfType<QuantizedLayer>().ToArray();
        Assert.Equal(4, layers[0].WeightQuantizer!.Quantizer.BitWidth);
        Assert.Equal(2, layers[1].WeightQuantizer!.Quantizer.BitWidth);
        Assert.Null(layers[2].WeightQuantizer);
    }

    [Theory]
    [InlineData("""{"method": "staircase", "weight_quantizer": {"type": "dorefa_weight"}, "bits": [2, 3, 1]}""", "must not increase")]
    [InlineData("""{"method": "staircase", "weight_quantizer": {"type": "dorefa_weight"}, "bits": [2, 1]}""", "3 layers are assigned")]
    [InlineData("""{"method": "staircase", "weight_quantizer": {"type": "dorefa_weight", "bits": 2}, "bits": [2, 1, 1]}""", "must not set \"bits\"")]
    [InlineData("""{"method": "pdb", "weight_quantizer": {"type": "dorefa_weight"}}""", "budget_bits' is required")]
    [InlineData("""{"method": "pdb", "weight_quantizer": {"type": "dorefa_weight"}, "budget_bits": 2, "layers": [0, 3]}""", "indices are 0..2")]
    [InlineData("""{"method": "pdb", "weight_quantizer": {"type": "dorefa_weight"}, "budget_bits": 2, "layers": [1, 0]}""", "strictly ascending")]
    [InlineData("""{"method": "greedy", "weight_quantizer": {"type": "dorefa_weight"}}""", "one of: pdb, staircase")]
    [InlineData("""{"method": "pdb", "budget_bits": 2}""", "weight_quantizer")]
    [InlineData("""{"method": "pdb", "weight_quantizer": {"type": "dorefa_weight"}, "budget_bits": 2, "budget": 3}""", "unknown field 'bit_assignment.budget'")]
    public void Parse_BadBlock_IsOneLineConfigError(string block, string expected)
    {
        var e = Assert.Throws<ConfigException>(() => ConfigLoader.Parse(Config, "pdb.json", ["bit_assignment=" + block]));
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', e.Message);
    }

    private sealed class MessageObserver : ITrainingObserver
    {
        public List<string> Lines { get; } = [];

        public void EpochStarted(int epoch, int epochs, int batches, int firstBatch, double learningRate) { }

        public void BatchFinished(int epoch, int batch, double loss) { }

        public void EpochFinished(EpochMetrics metrics, bool best) { }

        public void Message(string text) => Lines.Add(text);
    }
}
