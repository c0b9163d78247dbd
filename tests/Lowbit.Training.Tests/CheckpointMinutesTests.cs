using Lowbit.Training.Checkpoints;
using Lowbit.Training.Config;

namespace Lowbit.Training.Tests;

/// <summary>train.checkpoint_minutes: checkpoints inside an epoch, so a run killed without warning loses little.</summary>
public sealed class CheckpointMinutesTests : IDisposable
{
    private const string Config = ResumeTests.Config; // a small binary MLP on 600 MNIST images, 3 epochs

    private readonly string _dir = Path.Combine(Path.GetTempPath(), "lowbit-minutes-" + Guid.NewGuid().ToString("N"));

    private static string MnistPath => "data.path=" + System.Text.Json.JsonSerializer.Serialize(TestPaths.Mnist);

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, true);
    }

    /// <summary>Stands for a kill: an exception in the middle of a step, after which nothing is saved.</summary>
    private sealed class CrashAt(int epoch, int batch) : ITrainingObserver
    {
        public void EpochStarted(int e, int epochs, int batches, int firstBatch, double learningRate)
        {
        }

        public void BatchFinished(int e, int b, double loss)
        {
            if (e == epoch && b == batch) throw new IOException("simulated kill");
        }

        public void EpochFinished(EpochMetrics metrics, bool best)
        {
        }

        public void Message(string text)
        {
        }
    }

    [Fact]
    public void KilledMidEpoch_ResumesFromTheLastInEpochCheckpoint_AndEqualsUninterrupted()
    {
        var plain = ConfigLoader.Parse(Config, "resume-test.json", [MnistPath, "train.checkpoint_minutes=0"]);
        var data = DataResolver.Load(plain.Data);
        var full = new Trainer(plain, data, Path.Combine(_dir, "full")).Run();
        Assert.True(full.Completed);

        // A checkpoint after every step (a tiny interval), then a kill while batch 7 of epoch 2 trains.
        var often = ConfigLoader.Parse(Config, "resume-test.json", [MnistPath, "train.checkpoint_minutes=1e-9"]);
        string dir = Path.Combine(_dir, "killed");
        Assert.Throws<IOException>(() => new Trainer(often, data, dir, new CrashAt(1, 7)).Run());
        var saved = RunCheckpoint.Load(Path.Combine(dir, Trainer.CheckpointFile)).RequireState();
        Assert.Equal(1, saved.Epoch);
        Assert.Equal(7, saved.Batch); // batches 0-6 of epoch 2 done: the work lost is the step that was running

        var resumed = new Trainer(often, data, dir);
        resumed.Resume();
        var second = resumed.Run();
        Assert.True(second.Completed);
        Assert.Equal(full.State.History.Select(m => (m.TrainLoss, m.TrainAccuracy, m.ValidationAccuracy, m.TestAccuracy)),
            second.State.History.Select(m => (m.TrainLoss, m.TrainAccuracy, m.ValidationAccuracy, m.TestAccuracy)));
        Assert.Equal(full.State.Step, second.State.Step);
    }

    [Fact]
    public void Zero_SavesOnlyAtEpochEnds()
    {
        var config = ConfigLoader.Parse(Config, "resume-test.json", [MnistPath, "train.checkpoint_minutes=0"]);
        string dir = Path.Combine(_dir, "zero");
        Assert.Throws<IOException>(() => new Trainer(config, DataResolver.Load(config.Data), dir, new CrashAt(1, 7)).Run());
        var saved = RunCheckpoint.Load(Path.Combine(dir, Trainer.CheckpointFile)).RequireState();
        Assert.Equal((1, 0), (saved.Epoch, saved.Batch));
    }

    [Fact]
    public void Negative_IsAConfigError()
    {
        var ex = Assert.Throws<ConfigException>(() => ConfigLoader.Parse(Config, "resume-test.json", [MnistPath, "train.checkpoint_minutes=-1"]));
        Assert.Contains("train.checkpoint_minutes", ex.Message);
    }
}
