using Lowbit.Tensors;
using Lowbit.Training.Checkpoints;
using Lowbit.Training.Config;

namespace Lowbit.Training.Tests;

/// <summary>train.init_from: a run's initial weights taken from another run's checkpoint by name.</summary>
public sealed class InitialWeightsTests : IDisposable
{
    private const string Config = ResumeTests.Config; // a small binary MLP on 600 MNIST images, 3 epochs

    private readonly string _dir = Path.Combine(Path.GetTempPath(), "lowbit-init-" + Guid.NewGuid().ToString("N"));

    private static string MnistPath => "data.path=" + System.Text.Json.JsonSerializer.Serialize(TestPaths.Mnist);

    private static string Quoted(string path) => System.Text.Json.JsonSerializer.Serialize(path);

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, true);
    }

    /// <summary>A one-epoch run of the test network; returns its checkpoint's path.</summary>
    private string TrainedCheckpoint()
    {
        var config = ConfigLoader.Parse(Config, "init-test.json", [MnistPath, "train.epochs=1"]);
        var outcome = new Trainer(config, DataResolver.Load(config.Data), Path.Combine(_dir, "source")).Run();
        Assert.True(outcome.Completed);
        return Path.Combine(_dir, "source", Trainer.CheckpointFile);
    }

    private static void EqualBits(IReadOnlyDictionary<string, Tensor> expected, IReadOnlyDictionary<string, Tensor> actual, string name)
    {
        var e = expected[name].ToArray();
        var a = actual[name].ToArray();
        Assert.Equal(e.Select(BitConverter.SingleToInt32Bits), a.Select(BitConverter.SingleToInt32Bits));
    }

    [Fact]
    public void SameNetwork_EveryParameterAndBufferIsTheCheckpoints()
    {
        string path = TrainedCheckpoint();
        var stored = Checkpoint.Load(path).Model;
        var config = ConfigLoader.Parse(Config, "init-test.json", [MnistPath, "seed=9", "train.init_from=" + Quoted(path)]);
        var model = ModelBuilder.Build(config, [1, 28, 28]);
        string line = InitialWeights.Apply(model, config.Train);
        var own = model.StateDict();
        Assert.Equal(stored.Count, own.Count);
        foreach (var name in own.Keys) EqualBits(stored, own, name); // weights and batch-norm running statistics
        Assert.Contains($"initialised {own.Count} of {own.Count} tensors", line);
    }

    [Fact]
    public void OtherNetwork_AllIsAnErrorNamingTheTensor_MatchingCopiesWhatFits()
    {
        string path = TrainedCheckpoint();
        var stored = Checkpoint.Load(path).Model;
        // Hidden layer of 64 units: layer 1's weight and layer 2's statistics change shape; nothing else.
        string[] other = [MnistPath, "layers.1.units=64", "train.init_from=" + Quoted(path)];
        var strict = ConfigLoader.Parse(Config, "init-test.json", other);
        var ex = Assert.Throws<InvalidDataException>(() => InitialWeights.Apply(ModelBuilder.Build(strict, [1, 28, 28]), strict.Train));
        Assert.Contains("'1.weight' ([64, 784])", ex.Message);
        Assert.Contains("init_match", ex.Message);

        var loose = ConfigLoader.Parse(Config, "init-test.json", [.. other, "train.init_match=matching"]);
        var model = ModelBuilder.Build(loose, [1, 28, 28]);
        var before = model.StateDict().ToDictionary(kv => kv.Key, kv => kv.Value.Clone());
        string line = InitialWeights.Apply(model, loose.Train);
        var after = model.StateDict();
        var copied = after.Keys.Where(k => stored.TryGetValue(k, out var s) && s.ShapeSpan.SequenceEqual(after[k].ShapeSpan)).ToList();
        Assert.NotEmpty(copied);
        Assert.True(copied.Count < after.Count);
        foreach (var name in copied) EqualBits(stored, after, name);
        foreach (var name in after.Keys.Except(copied)) EqualBits(before, after, name);
        Assert.Contains($"initialised {copied.Count} of {after.Count} tensors", line);
    }

    [Fact]
    public void NothingInCommon_MissingFile_AreErrors()
    {
        string path = TrainedCheckpoint();
        var config = ConfigLoader.Parse(Config, "init-test.json",
            [MnistPath, "train.init_match=matching", "train.init_from=" + Quoted(path), """layers=[{"type":"flatten"},{"type":"dense","units":10,"bias":false},{"type":"relu"}]"""]);
        var model = ModelBuilder.Build(config, [1, 28, 28]);
        Assert.Throws<InvalidDataException>(() => InitialWeights.Apply(model, config.Train)); // 1.weight is [10, 784], not [48, 784]
        var missing = ConfigLoader.Parse(Config, "init-test.json", [MnistPath, "train.init_from=" + Quoted(Path.Combine(_dir, "none.lbck"))]);
        var ex = Assert.Throws<InvalidDataException>(() => InitialWeights.Apply(ModelBuilder.Build(missing, [1, 28, 28]), missing.Train));
        Assert.Contains("train.init_from", ex.Message);
        Assert.Contains("none.lbck", ex.Message);
    }

    private sealed class StopAt(int epoch, int batch, CancellationTokenSource cts) : ITrainingObserver
    {
        public List<string> Messages { get; } = [];

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

        public void Message(string text) => Messages.Add(text);
    }

    /// <summary>
    /// The initial weights are read when the run starts, not when it resumes: a run stopped mid-epoch resumes from its
    /// own checkpoint (even once the source checkpoint is gone) and ends exactly as the uninterrupted run.
    /// </summary>
    [Fact]
    public void Resumed_DoesNotReadTheSourceAgain_AndEqualsUninterrupted()
    {
        string source = TrainedCheckpoint();
        string copy = Path.Combine(_dir, "copy.lbck");
        File.Copy(source, copy);
        var config = ConfigLoader.Parse(Config, "init-test.json", [MnistPath, "seed=5", "train.init_from=" + Quoted(copy)]);
        var data = DataResolver.Load(config.Data);
        var fullLog = new StopAt(-1, -1, new CancellationTokenSource());
        var full = new Trainer(config, data, Path.Combine(_dir, "full"), fullLog).Run();
        Assert.True(full.Completed);
        Assert.Contains(fullLog.Messages, m => m.StartsWith("initialised ", StringComparison.Ordinal));

        using var cts = new CancellationTokenSource();
        var stopped = new Trainer(config, data, Path.Combine(_dir, "part"), new StopAt(0, 4, cts)).Run(cts.Token);
        Assert.False(stopped.Completed);
        File.Delete(copy);
        var log = new StopAt(-1, -1, new CancellationTokenSource());
        var resumed = new Trainer(config, data, Path.Combine(_dir, "part"), log);
        resumed.Resume();
        var second = resumed.Run();
        Assert.True(second.Completed);
        Assert.DoesNotContain(log.Messages, m => m.StartsWith("initialised ", StringComparison.Ordinal));
        Assert.Equal(full.State.History.Select(m => (m.TrainLoss, m.ValidationAccuracy, m.TestAccuracy)),
            second.State.History.Select(m => (m.TrainLoss, m.ValidationAccuracy, m.TestAccuracy)));
    }
}
