using Lowbit.Nn.Layers;
using Lowbit.Quantization.MixedPrecision;
using Lowbit.Training.Config;

namespace Lowbit.Training.Tests;

public class BitPruningFinetuneTests
{
    private const string Config = """
        {
          "name": "bpft", "seed": 2, "threads": 1,
          "data": { "dataset": "mnist", "validation": 100, "train_limit": 300, "test_limit": 100, "normalize": "zero_one" },
          "layers": [
            { "type": "flatten" },
            { "type": "dense", "units": 16, "weight_quantizer": { "type": "bitpruning", "bits": 6 } },
            { "type": "relu" },
            { "type": "dense", "units": 10, "weight_quantizer": { "type": "bitpruning", "bits": 6 } }
          ],
          "regularizer": { "type": "bitpruning", "target": "bits", "lambda": 5 },
          "bitpruning": { "round": "up", "finetune_epochs": 2 },
          "optimizer": { "type": "adam", "lr": 0.05 },
          "train": { "epochs": 1, "batch_size": 50 }
        }
        """;

    private static string MnistPath => "data.path=" + System.Text.Json.JsonSerializer.Serialize(TestPaths.Mnist);

    private static BitPruningQuantizer[] Quantizers(Sequential model) =>
        model.Layers.OfType<QuantizedLayer>().Select(l => (BitPruningQuantizer)l.WeightQuantizer!.Quantizer).ToArray();

    [Fact]
    public void Run_RegularisedThenFineTuned_BitsRoundedUpFrozenAndReported()
    {
        var config = ConfigLoader.Parse(Config, "bpft.json", [MnistPath]);
        var data = DataResolver.Load(config.Data);
        string dir = Path.Combine(Path.GetTempPath(), "lowbit-bpft-" + Guid.NewGuid().ToString("N"));
        try
        {
            // The regularised phase alone (same seed) gives the learned fractional bitlengths.
            var regularisedOnly = new Trainer(config with { BitPruning = null }, data, dir + "-a");
            regularisedOnly.Run();
            var learned = Quantizers(regularisedOnly.Model).Select(q => q.BitLength.GetFlat(0)).ToArray();
            Assert.All(learned, n => Assert.True(n != Math.Floor(n), $"learned bitlength {n} should be fractional for this test"));

            var trainer = new Trainer(config, data, dir);
            var outcome = trainer.Run();
            var expected = learned.Select(n => (int)Math.Ceiling(n)).ToArray();
            var quantizers = Quantizers(trainer.Model);
            Assert.Equal(expected, quantizers.Select(q => q.FrozenBits![0]));
            Assert.Equal(3, outcome.State.History.Count);
            Assert.True(outcome.State.BestEpoch >= 2, $"best epoch {outcome.State.BestEpoch} must be a fine-tuned one");
            Assert.Equal(expected.Select(b => (double)b), outcome.Result!["layer_weight_bits"]!.AsArray().Select(n => n!.GetValue<double>()));
            Assert.Equal(expected.Average(), outcome.Result!["weight_bits_avg"]!.GetValue<double>(), 3);
        }
        finally
        {
            foreach (var d in new[] { dir, dir + "-a" })
                if (Directory.Exists(d)) Directory.Delete(d, true);
        }
    }

    [Theory]
    [InlineData(1, 0)] // at the start of the first fine-tuning epoch (just frozen)
    [InlineData(2, 2)] // in the middle of the second one
    public void InterruptedInFineTuning_Resumed_EqualsUninterrupted(int epoch, int batch)
    {
        var config = ConfigLoader.Parse(Config, "bpft.json", [MnistPath]);
        var data = DataResolver.Load(config.Data);
        string dirA = Path.Combine(Path.GetTempPath(), "lowbit-bpft-a-" + Guid.NewGuid().ToString("N"));
        string dirB = Path.Combine(Path.GetTempPath(), "lowbit-bpft-b-" + Guid.NewGuid().ToString("N"));
        try
        {
            var full = new Trainer(config, data, dirA).Run();
            using var cts = new CancellationTokenSource();
            var first = new Trainer(config, data, dirB, new CancelAt(epoch, batch, cts)).Run(cts.Token);
            Assert.False(first.Completed);
            var resumed = new Trainer(config, data, dirB);
            resumed.Resume();
            var second = resumed.Run();
            Assert.Equal(full.State.History.Select(m => (m.TrainLoss, m.ValidationAccuracy, m.TestAccuracy)), second.State.History.Select(m => (m.TrainLoss, m.ValidationAccuracy, m.TestAccuracy)));
            Assert.Equal((full.State.BestEpoch, full.State.TestAccuracyAtBest), (second.State.BestEpoch, second.State.TestAccuracyAtBest));
            Assert.Equal(full.Result!["layer_weight_bits"]!.ToJsonString(), second.Result!["layer_weight_bits"]!.ToJsonString());
        }
        finally
        {
            foreach (var d in new[] { dirA, dirB })
                if (Directory.Exists(d)) Directory.Delete(d, true);
        }
    }

    private sealed class CancelAt(int epoch, int batch, CancellationTokenSource cts) : ITrainingObserver
    {
        public void EpochStarted(int e, int epochs, int batches, int firstBatch, double learningRate)
        {
            if (e == epoch && batch == 0) cts.Cancel();
        }

        public void BatchFinished(int e, int b, double loss)
        {
            if (e == epoch && b + 1 == batch) cts.Cancel();
        }

        public void EpochFinished(EpochMetrics metrics, bool best)
        {
        }

        public void Message(string text)
        {
        }
    }

    [Fact]
    public void FreezeOnce_SecondCall_ChangesNothing_AndResetsBestOnlyWhenFreezing()
    {
        var config = ConfigLoader.Parse(Config, "bpft.json", [MnistPath]);
        var model = ModelBuilder.Build(config, [1, 28, 28]);
        var state = new TrainerState { BestValidationAccuracy = 0.9, BestEpoch = 1, TestAccuracyAtBest = 0.8 };
        var first = BitPruningFinetune.FreezeOnce(model, config.BitPruning!, state, NullTrainingObserver.Instance);
        Assert.Equal(2, first.Count);
        Assert.Equal(-1, state.BestValidationAccuracy);
        state.BestValidationAccuracy = 0.5;
        Assert.Empty(BitPruningFinetune.FreezeOnce(model, config.BitPruning!, state, NullTrainingObserver.Instance));
        Assert.Equal(0.5, state.BestValidationAccuracy);
        Assert.All(Quantizers(model), q => Assert.Equal(new[] { 6 }, q.FrozenBits));
    }

    [Fact]
    public void Build_LrScaleOption_ScalesOnlyThatLayersBitlengthLearningRate()
    {
        var config = ConfigLoader.Parse(Config, "bpft.json", ["layers.1.weight_quantizer.lr_scale=10"]);
        var model = ModelBuilder.Build(config, [1, 28, 28]);
        var scales = model.NamedParameters().Where(p => p.Name.EndsWith("bitlength", StringComparison.Ordinal)).Select(p => p.Parameter.LearningRateScale).ToArray();
        Assert.Equal(new[] { 10.0, 1.0 }, scales);
        Assert.All(model.NamedParameters().Where(p => p.Name.EndsWith(".weight", StringComparison.Ordinal)), p => Assert.Equal(1.0, p.Parameter.LearningRateScale));
    }

    [Theory]
    [InlineData("bitpruning.round=\"down\"", "must be one of: up, nearest")]
    [InlineData("bitpruning.finetune_epochs=-1", "finetune_epochs")]
    [InlineData("bitpruning.epochs=2", "unknown field 'bitpruning.epochs'")]
    public void Parse_BadBitPruningBlock_IsConfigError(string set, string expected)
    {
        var e = Assert.Throws<ConfigException>(() => ConfigLoader.Parse(Config, "bpft.json", [set]));
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_BitPruningWithoutRegularizer_IsConfigError()
    {
        var e = Assert.Throws<ConfigException>(() => ConfigLoader.Parse(Config.Replace("\"regularizer\": { \"type\": \"bitpruning\", \"target\": \"bits\", \"lambda\": 5 },", "", StringComparison.Ordinal), "bpft.json"));
        Assert.Contains("needs a 'regularizer'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_BitLengthUpdateSgd_MarksOnlyBitlengthsAsPlainGradient()
    {
        var config = ConfigLoader.Parse(Config, "bpft.json", ["layers.1.weight_quantizer.bitlength_update=\"sgd\""]);
        var model = ModelBuilder.Build(config, [1, 28, 28]);
        var plain = model.NamedParameters().Where(p => p.Name.EndsWith("bitlength", StringComparison.Ordinal)).Select(p => p.Parameter.PlainGradient).ToArray();
        Assert.Equal(new[] { true, false }, plain);
        Assert.All(model.NamedParameters().Where(p => !p.Name.EndsWith("bitlength", StringComparison.Ordinal)), p => Assert.False(p.Parameter.PlainGradient));
    }

    [Fact]
    public void Build_BitLengthUpdateUnknown_IsAnErrorNamingTheOption()
    {
        var config = ConfigLoader.Parse(Config, "bpft.json", ["layers.1.weight_quantizer.bitlength_update=\"adam\""]);
        var e = Assert.ThrowsAny<Exception>(() => ModelBuilder.Build(config, [1, 28, 28]));
        Assert.Contains("bitlength_update", e.Message, StringComparison.Ordinal);
    }
}
