using Lowbit.Training.Config;

namespace Lowbit.Training.Tests;

/// <summary>A run interrupted at any point and resumed ends with exactly the metrics of an uninterrupted run.</summary>
public class ResumeTests
{
    /// <summary>A small binary MLP on 600 MNIST images, 3 epochs: the network of the resume tests.</summary>
    internal const string Config = """
        {
          "name": "resume-test", "seed": 3, "threads": 1,
          "data": { "dataset": "mnist", "validation": 500, "train_limit": 600, "test_limit": 300, "normalize": "plus_minus_one" },
          "layers": [
            { "type": "flatten" },
            { "type": "dense", "units": 48, "bias": false, "weight_quantizer": "ste_sign", "weight_clip": 1.0 },
            { "type": "batch_norm" },
            { "type": "dropout", "rate": 0.2 },
            { "type": "dense", "units": 10, "input_quantizer": "ste_sign", "weight_quantizer": "ste_sign", "weight_clip": 1.0 },
            { "type": "batch_norm" }
          ],
          "loss": "squared_hinge",
          "optimizer": { "type": "adam", "lr": 0.01 },
          "schedule": { "type": "exponential", "end_lr": 0.001 },
          "train": { "epochs": 3, "batch_size": 50 }
        }
        """;

    private static string MnistPath => "data.path=" + System.Text.Json.JsonSerializer.Serialize(TestPaths.Mnist);

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

    private static IEnumerable<object?> Comparable(TrainerState s) =>
        s.History.SelectMany(m => new object?[] { m.Epoch, m.LearningRate, m.TrainLoss, m.TrainAccuracy, m.ValidationLoss, m.ValidationAccuracy, m.TestAccuracy })
            .Concat([s.BestEpoch, s.BestValidationAccuracy, s.TestAccuracyAtBest, s.Step]);

    [Theory]
    [InlineData(1, 5)] // mid-epoch (Ctrl-C)
    [InlineData(2, 0)] // start of epoch 3: the state a kill during epoch 3 resumes from
    public void InterruptedAndResumed_EqualsUninterrupted(int epoch, int batch)
    {
        var config = ConfigLoader.Parse(Config, "resume-test.json", [MnistPath]);
        var data = DataResolver.Load(config.Data);
        string dirA = Path.Combine(Path.GetTempPath(), "lowbit-resume-a-" + Guid.NewGuid().ToString("N"));
        string dirB = Path.Combine(Path.GetTempPath(), "lowbit-resume-b-" + Guid.NewGuid().ToString("N"));
        try
        {
            var full = new Trainer(config, data, dirA).Run();
            Assert.True(full.Completed);

            using var cts = new CancellationTokenSource();
            var first = new Trainer(config, data, dirB, new CancelAt(epoch, batch, cts)).Run(cts.Token);
            Assert.False(first.Completed);
            Assert.Equal(epoch, first.State.Epoch);
            Assert.Equal(batch, first.State.Batch);

            var resumed = new Trainer(config, data, dirB);
            resumed.Resume();
            var second = resumed.Run();
            Assert.True(second.Completed);
            Assert.Equal(Comparable(full.State), Comparable(second.State));
            Assert.Equal(File.ReadAllText(Path.Combine(dirA, "result.json")).Split('\n').Where(l => !l.Contains("second", StringComparison.Ordinal)),
                         File.ReadAllText(Path.Combine(dirB, "result.json")).Split('\n').Where(l => !l.Contains("second", StringComparison.Ordinal)));
        }
        finally
        {
            foreach (var d in new[] { dirA, dirB }) if (Directory.Exists(d)) Directory.Delete(d, true);
        }
    }

    [Fact]
    public void Trainer_LastLayerNotMatchingClasses_IsConfigError()
    {
        var config = ConfigLoader.Parse(Config, "resume-test.json", [MnistPath, "layers.4.units=7"]);
        var data = DataResolver.Load(config.Data);
        var ex = Assert.Throws<ConfigException>(() => new Trainer(config, data, Path.GetTempPath()));
        Assert.Contains("10 classes", ex.Message);
    }

    [Fact]
    public void DivergingLoss_StopsWithStepNumber()
    {
        var config = ConfigLoader.Parse(Config, "resume-test.json", [MnistPath, "optimizer.type=sgd", "optimizer.lr=1e8", "schedule.type=constant", "loss=mse", """layers=[{"type":"flatten"},{"type":"dense","units":16},{"type":"dense","units":10}]"""]);
        var data = DataResolver.Load(config.Data);
        string dir = Path.Combine(Path.GetTempPath(), "lowbit-nan-" + Guid.NewGuid().ToString("N"));
        try
        {
            var ex = Assert.Throws<TrainingDivergedException>(() => new Trainer(config, data, dir).Run());
            Assert.Contains("at step", ex.Message);
            Assert.Contains("last finite loss", ex.Message);
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, true);
        }
    }
}
