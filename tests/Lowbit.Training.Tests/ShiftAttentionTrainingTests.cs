using System.Text.Json;
using Lowbit.Nn.Layers;
using Lowbit.Training.Config;

namespace Lowbit.Training.Tests;

/// <summary>
/// Shift Attention Layers in training: the trainer's per-step progress drives the temperature (first step at the start
/// value, the paper's constant factor per step, the end value after the last step), a resumed run sees the same
/// temperatures, result.json counts shift indices and pruned connections, and a small SAL network learns.
/// </summary>
public class ShiftAttentionTrainingTests
{
    private const string Config = """
        {
          "name": "sal-test", "seed": 2, "threads": 1,
          "data": { "dataset": "mnist", "validation": 500, "train_limit": 2000, "test_limit": 200, "normalize": "plus_minus_one" },
          "layers": [
            { "type": "conv2d", "filters": 16, "kernel_size": 3, "stride": 2, "padding": 1, "bias": false },
            { "type": "batch_norm" }, { "type": "relu" },
            { "type": "residual", "body": [
              { "type": "shift_attention_conv2d", "filters": 16, "padding": 1, "bias": false },
              { "type": "batch_norm" }, { "type": "relu" },
              { "type": "shift_attention_conv2d", "filters": 16, "padding": 1, "bias": false, "shared": true },
              { "type": "batch_norm" } ] },
            { "type": "relu" },
            { "type": "shift_conv2d", "filters": 12, "stride": 2, "padding": 1, "bias": false },
            { "type": "batch_norm" }, { "type": "relu" },
            { "type": "global_avg_pool" },
            { "type": "dense", "units": 10 }
          ],
          "optimizer": { "type": "sgd", "lr": 0.05, "momentum": 0.9 },
          "train": { "epochs": 3, "batch_size": 50 }
        }
        """;

    private static string MnistPath => "data.path=" + JsonSerializer.Serialize(TestPaths.Mnist);

    /// <summary>Records the first layer's temperature after every step (the value that step used).</summary>
    private sealed class TemperatureLog(Func<ShiftAttentionConv2d> layer) : ITrainingObserver
    {
        public List<double> Values { get; } = [];

        public void EpochStarted(int epoch, int epochs, int batches, int firstBatch, double learningRate)
        {
        }

        public void BatchFinished(int epoch, int batch, double loss) => Values.Add(layer().Temperature);

        public void EpochFinished(EpochMetrics metrics, bool best)
        {
        }

        public void Message(string text)
        {
        }
    }

    [Fact]
    [Trait("Category", "Smoke")]
    public void Training_FollowsTheSchedule_CountsPruning_AndLearns()
    {
        var config = ConfigLoader.Parse(Config, "sal-test.json", [MnistPath]);
        var data = DataResolver.Load(config.Data);
        string dir = Path.Combine(Path.GetTempPath(), "lowbit-sal-" + Guid.NewGuid().ToString("N"));
        try
        {
            Trainer? trainer = null;
            var log = new TemperatureLog(() => trainer!.Model.NamedModules().Select(m => m.Module).OfType<ShiftAttentionConv2d>().First());
            trainer = new Trainer(config, data, dir, log);
            var outcome = trainer.Run();
            Assert.True(outcome.Completed);
            const int steps = 3 * (2000 / 50); // train_limit images after the validation split
            Assert.Equal(steps, log.Values.Count);
            Assert.Equal(20, log.Values[0], 4);
            double factor = Math.Exp(Math.Log(70.0 / 20) / steps);
            for (int t = 1; t < steps; t++) Assert.Equal(factor, log.Values[t] / log.Values[t - 1], 5);
            foreach (var layer in trainer.Model.NamedModules().Select(m => m.Module).OfType<ShiftAttentionConv2d>())
                Assert.Equal(70, layer.Temperature, 4); // after the last step: evaluation and the checkpoint use T_end

            var result = outcome.Result!;
            Assert.Equal(16 * 16 + 16, result["shift_indices"]!.GetValue<long>());
            long pruned = trainer.Model.NamedModules().Select(m => m.Module).OfType<ShiftAttentionConv2d>()
                .Sum(l => l.PrunedShifts() * (l.Shared ? l.OutChannels : 1));
            Assert.Equal(pruned, result["pruned_connections"]!.GetValue<long>());
            // MACs of the rounded network: the stem conv, one MAC per active connection and pixel, the shift layer, the head.
            long macs = 16 * 9 * 14 * 14 + (2 * 16 * 16 - pruned) * 14 * 14 + 16 * 12 * 7 * 7 + 12 * 10;
            Assert.Equal(macs, result["macs"]!.GetValue<long>());
            Assert.True(result["test_accuracy"]!.GetValue<double>() > 0.3, $"test accuracy {result["test_accuracy"]} (chance 0.1)");
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, true);
        }
    }

    /// <summary>Cancels after batch <paramref name="batch"/> of epoch <paramref name="epoch"/> (0-based), as Ctrl-C would.</summary>
    private sealed class CancelAt(int epoch, int batch, CancellationTokenSource cts) : ITrainingObserver
    {
        public void EpochStarted(int e, int epochs, int batches, int firstBatch, double learningRate)
        {
        }

        public void BatchFinished(int e, int b, double loss)
        {
            if (e == epoch && b == batch) cts.Cancel();
        }

        public void EpochFinished(EpochMetrics metrics, bool best)
        {
        }

        public void Message(string text)
        {
        }
    }

    [Fact]
    public void ResumedRun_EndsExactlyAsUninterrupted()
    {
        var config = ConfigLoader.Parse(Config, "sal-test.json", [MnistPath, "train.epochs=2"]);
        var data = DataResolver.Load(config.Data);
        string dirA = Path.Combine(Path.GetTempPath(), "lowbit-sal-a-" + Guid.NewGuid().ToString("N"));
        string dirB = Path.Combine(Path.GetTempPath(), "lowbit-sal-b-" + Guid.NewGuid().ToString("N"));
        try
        {
            var full = new Trainer(config, data, dirA).Run();
            using var cts = new CancellationTokenSource();
            Assert.False(new Trainer(config, data, dirB, new CancelAt(1, 2, cts)).Run(cts.Token).Completed);
            var resumed = new Trainer(config, data, dirB);
            resumed.Resume();
            var second = resumed.Run();
            Assert.True(second.Completed);
            static IEnumerable<string> Lines(string dir) =>
                File.ReadAllLines(Path.Combine(dir, "result.json")).Where(l => !l.Contains("second", StringComparison.Ordinal));
            Assert.Equal(Lines(dirA), Lines(dirB));
            Assert.Equal(full.State.History.Select(m => (m.TrainLoss, m.TestAccuracy)), second.State.History.Select(m => (m.TrainLoss, m.TestAccuracy)));
        }
        finally
        {
            foreach (var d in new[] { dirA, dirB }) if (Directory.Exists(d)) Directory.Delete(d, true);
        }
    }
}
