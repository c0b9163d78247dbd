using System.Text.Json;
using Lowbit.Training.Config;

namespace Lowbit.Training.Tests;

/// <summary>Training with an "arithmetic" block: float32 formats change nothing, dynamic fixed point learns and resumes exactly.</summary>
public class ArithmeticTrainingTests
{
    private const string Base = """
        {
          "name": "arith-test", "seed": 5, "threads": 1,
          "data": { "dataset": "mnist", "validation": 500, "train_limit": 1000, "test_limit": 500, "normalize": "zero_one" },
          "layers": [
            { "type": "flatten" },
            { "type": "dropout", "rate": 0.2 },
            { "type": "dense", "units": 32 },
            { "type": "relu" },
            { "type": "dropout", "rate": 0.3 },
            { "type": "dense", "units": 10 }
          ],
          "loss": "softmax_cross_entropy",
          "optimizer": { "type": "sgd", "lr": 0.1, "momentum": 0.9 },
          "schedule": { "type": "exponential", "end_lr": 0.01 },
          "train": { "epochs": 2, "batch_size": 50 }
        }
        """;

    private const string Dfxp = """
        arithmetic={"propagation": {"type": "dynamic_fixed_point", "bits": 10, "integer_bits": 5, "window": 5},
                    "update": {"type": "dynamic_fixed_point", "bits": 12, "integer_bits": 5, "window": 5}, "range_init_epochs": 1, "loss_scale": 10}
        """;

    private static string MnistPath => "data.path=" + JsonSerializer.Serialize(TestPaths.Mnist);

    private static ExperimentConfig Config(params string[] overrides) => ConfigLoader.Parse(Base, "arith-test.json", [MnistPath, .. overrides]);

    private static string TempDir(string tag) => Path.Combine(Path.GetTempPath(), $"lowbit-arith-{tag}-" + Guid.NewGuid().ToString("N"));

    private static (TrainingOutcome Outcome, Dictionary<string, float[]> State) Train(ExperimentConfig config, string dir)
    {
        var trainer = new Trainer(config, DataResolver.Load(config.Data), dir);
        var outcome = trainer.Run();
        return (outcome, trainer.Model.StateDict().ToDictionary(kv => kv.Key, kv => kv.Value.ToArray()));
    }

    private static void Cleanup(params string[] dirs)
    {
        foreach (var d in dirs)
            if (Directory.Exists(d)) Directory.Delete(d, true);
    }

    [Theory]
    [InlineData("""arithmetic={"propagation": "float32"}""", "optimizer.nesterov=false")]
    [InlineData("""arithmetic={"propagation": "float32", "update": "float32", "overrides": {"vW": "float32"}, "loss_scale": 8}""", "optimizer.nesterov=false")]
    [InlineData("""arithmetic={"propagation": "float32"}""", "optimizer.nesterov=true")]
    [InlineData("""arithmetic={"propagation": "float32"}""", "optimizer.momentum=0")]
    [InlineData("""arithmetic={"propagation": "float32"}""", "optimizer.weight_decay=0.001")]
    public void Float32Formats_TrainExactlyAsPlainFloat32(string arithmetic, string optimizer)
    {
        string a = TempDir("plain"), b = TempDir("f32");
        try
        {
            var (plain, plainState) = Train(Config(optimizer), a);
            var (formats, formatState) = Train(Config(optimizer, arithmetic), b);
            Assert.Equal(plain.State.History.Select(m => (m.TrainLoss, m.TrainAccuracy, m.ValidationAccuracy, m.TestAccuracy)),
                formats.State.History.Select(m => (m.TrainLoss, m.TrainAccuracy, m.ValidationAccuracy, m.TestAccuracy)));
            foreach (var (name, values) in plainState)
                Assert.True(values.AsSpan().SequenceEqual(formatState[name]), $"parameter {name} differs after training");
        }
        finally
        {
            Cleanup(a, b);
        }
    }

    [Fact]
    public void DynamicFixedPoint_Learns_LogsRadixPoints_AndResumesExactly()
    {
        string full = TempDir("dfxp"), part = TempDir("dfxp-resume");
        try
        {
            var config = Config(Dfxp, "train.epochs=3");
            var (outcome, state) = Train(config, full);
            Assert.True(outcome.Completed);
            // plain float32 reaches 80.4 % here (and dfxp 10/12 80.0 %); an untrained net is at ~10 %
            Assert.True(outcome.State.TestAccuracyAtBest > 0.75, $"test accuracy {outcome.State.TestAccuracyAtBest} after 3 epochs on 1000 images");
            // every parameter is on its propagation grid: at most 2^9 − 1 distinct magnitudes per tensor
            Assert.All(state.Values, v => Assert.True(v.Select(MathF.Abs).Distinct().Count() <= 511));
            var csv = File.ReadAllLines(Path.Combine(full, ArithmeticLog.FileName));
            Assert.Equal("step,epoch,phase,group,integer_bits,overflow_rate,overflow_rate_below", csv[0]);
            Assert.Contains(csv, l => l.Contains(",range_init,", StringComparison.Ordinal));
            var result = JsonDocument.Parse(File.ReadAllText(Path.Combine(full, "result.json"))).RootElement.GetProperty("arithmetic");
            Assert.Equal(10, result.GetProperty("propagation_bits").GetInt32());
            Assert.True(result.GetProperty("final_integer_bits").GetProperty("L1/dE/dW").GetInt32() < 5, "the weight-gradient radix point should have moved down from 5");

            // A checkpoint evaluates with the radix points it reached (as lowbit eval does).
            var saved = Checkpoints.CheckpointModel.Load(Path.Combine(full, Trainer.CheckpointFile));
            var run = DataResolver.Load(saved.Config.Data);
            var (_, accuracy) = Evaluator.Evaluate(saved.Model, Components.CreateLoss(saved.Config.Loss), run.Test, run.Normalization, 100);
            Assert.Equal(outcome.State.History[^1].TestAccuracy, accuracy);

            using var cts = new CancellationTokenSource();
            var interrupted = new Trainer(config, DataResolver.Load(config.Data), part, new CancelAt(1, 7, cts)).Run(cts.Token);
            Assert.False(interrupted.Completed);
            var resumed = new Trainer(config, DataResolver.Load(config.Data), part);
            resumed.Resume();
            var second = resumed.Run();
            Assert.Equal(outcome.State.History.Select(m => (m.TrainLoss, m.TestAccuracy)), second.State.History.Select(m => (m.TrainLoss, m.TestAccuracy)));
            Assert.Equal(File.ReadAllText(Path.Combine(full, ArithmeticLog.FileName)), File.ReadAllText(Path.Combine(part, ArithmeticLog.FileName)));
            foreach (var (name, values) in state)
                Assert.True(values.AsSpan().SequenceEqual(resumed.Model.StateDict()[name].ToArray()), $"parameter {name} differs after resume");
        }
        finally
        {
            Cleanup(full, part);
        }
    }

    [Fact]
    public void RangeInitInterrupted_ResumesAsIfFresh()
    {
        string full = TempDir("ri"), part = TempDir("ri-resume");
        try
        {
            var config = Config(Dfxp, "train.epochs=1");
            var (outcome, _) = Train(config, full);
            using var cts = new CancellationTokenSource();
            var interrupted = new Trainer(config, DataResolver.Load(config.Data), part, new CancelAt(0, 4, cts)).Run(cts.Token);
            Assert.False(interrupted.Completed);
            Assert.Equal(0, interrupted.State.Step);
            var resumed = new Trainer(config, DataResolver.Load(config.Data), part);
            resumed.Resume();
            var second = resumed.Run();
            Assert.Equal(outcome.State.History.Select(m => (m.TrainLoss, m.TestAccuracy)), second.State.History.Select(m => (m.TrainLoss, m.TestAccuracy)));
        }
        finally
        {
            Cleanup(full, part);
        }
    }

    [Theory]
    [InlineData("optimizer.type=adam", "needs optimizer.type \"sgd\"")]
    [InlineData("""arithmetic={"propagation": "float8"}""", "unknown number format 'float8'")]
    [InlineData("""arithmetic={"propagation": "float16", "overrides": {"dW": "float32"}}""", "unknown quantity 'dW'")]
    [InlineData("""arithmetic={"propagation": "float16", "range_init_epochs": 1}""", "only applies to dynamic_fixed_point")]
    [InlineData("""arithmetic={"propagation": {"type": "fixed_point", "bits": 30, "integer_bits": 5}}""", "arithmetic.propagation.bits")]
    [InlineData("""arithmetic={"propagation": {"type": "fixed_point", "bits": 16}}""", "integer_bits' is required")]
    [InlineData("""arithmetic={"update": "float16"}""", "'arithmetic.propagation' is required")]
    public void BadArithmeticBlock_IsAOneLineConfigError(string overrideText, string expected)
    {
        var overrides = overrideText.StartsWith("optimizer", StringComparison.Ordinal) ? new[] { overrideText, """arithmetic={"propagation": "float16"}""" } : [overrideText];
        var e = Assert.Throws<ConfigException>(() => Config(overrides));
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void BatchNormWithArithmetic_IsAConfigError()
    {
        var config = Config("""arithmetic={"propagation": "float16"}""", """layers.3={"type": "batch_norm"}""");
        var e = Assert.Throws<ConfigException>(() => ModelBuilder.Build(config, [1, 28, 28]));
        Assert.Contains("field 'arithmetic'", e.Message, StringComparison.Ordinal);
    }

    private sealed class CancelAt(int epoch, int batch, CancellationTokenSource cts) : ITrainingObserver
    {
        public void EpochStarted(int e, int epochs, int batches, int firstBatch, double learningRate)
        {
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
}
