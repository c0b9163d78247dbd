using System.Text.Json;
using System.Text.Json.Nodes;
using Lowbit.Training.Checkpoints;
using Lowbit.Training.Config;
using Lowbit.Training.Language;

namespace Lowbit.Training.Tests.Language;

/// <summary>
/// A language-model checkpoint written mid-epoch (with the carried hidden state), then damaged field by field: every
/// damage is refused on resume with one line naming the file, never an exception from deep inside or a silent reset.
/// </summary>
public sealed class LanguageModelCheckpointTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "lowbit-lmck-" + Guid.NewGuid().ToString("N"));
    private readonly string _run;
    private readonly ExperimentConfig _config;
    private readonly Lowbit.Data.Text.LanguageCorpus _corpus;
    private readonly string _original;

    public LanguageModelCheckpointTests()
    {
        Directory.CreateDirectory(_folder);
        File.WriteAllText(Path.Combine(_folder, "input.txt"), string.Concat(Enumerable.Repeat("a rose is a rose is a rose.\n", 60)));
        _config = ConfigLoader.Parse(Config, "lmck.json", ["data.path=" + JsonSerializer.Serialize(_folder)]);
        _corpus = DataResolver.LoadText(_config.Data);
        _run = Path.Combine(_folder, "run");
        using var cts = new CancellationTokenSource();
        var outcome = new LanguageModelTrainer(_config, _corpus, _run, new CancelAfter(3, cts)).Run(cts.Token);
        Assert.False(outcome.Completed);
        _original = Checkpoint.Load(CheckpointPath).Header;
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private const string Config = """
        {
          "name": "lmck", "seed": 2, "threads": 1,
          "data": { "dataset": "chars", "validation_fraction": 0.1, "test_fraction": 0.1 },
          "layers": [ { "type": "embedding", "units": 8 }, { "type": "lstm", "units": 6, "layers": 2 }, { "type": "decoder" } ],
          "optimizer": { "type": "adam", "lr": 0.01, "clip_norm": 1.0 },
          "train": { "epochs": 1, "batch_size": 4, "eval_batch_size": 2, "bptt": 10 }
        }
        """;

    private string CheckpointPath => Path.Combine(_run, Trainer.CheckpointFile);

    private sealed class CancelAfter(int windows, CancellationTokenSource cts) : ITrainingObserver
    {
        public void EpochStarted(int epoch, int epochs, int batches, int firstBatch, double learningRate)
        {
        }

        public void BatchFinished(int epoch, int batch, double loss)
        {
            if (batch + 1 == windows) cts.Cancel();
        }

        public void EpochFinished(EpochMetrics metrics, bool best)
        {
        }

        public void Message(string text)
        {
        }
    }

    /// <summary>Rewrites the checkpoint with its header changed by <paramref name="edit"/>, then resumes from it.</summary>
    private string ResumeAfter(Action<JsonObject> edit, params string[] overrides)
    {
        var data = Checkpoint.Load(CheckpointPath);
        var header = JsonNode.Parse(_original)!.AsObject();
        edit(header);
        Checkpoint.Save(CheckpointPath, data with { Header = header.ToJsonString() });
        var e = Assert.Throws<InvalidDataException>(() =>
        {
            var checkpoint = RunCheckpoint.Load(CheckpointPath, overrides);
            new LanguageModelTrainer(checkpoint.Config, _corpus, _run).Resume(checkpoint);
        });
        Assert.StartsWith(CheckpointPath + ":", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', e.Message);
        return e.Message;
    }

    private static JsonObject Entry(JsonObject header, int i) => header["recurrent_state"]![i]!.AsObject();

    [Fact]
    public void Intact_ResumesAtTheWindowItStopped()
    {
        var checkpoint = RunCheckpoint.Load(CheckpointPath);
        Assert.Null(checkpoint.State);
        Assert.Equal(3, checkpoint.RequireLanguageModelState().Batch);
        new LanguageModelTrainer(checkpoint.Config, _corpus, _run).Resume(checkpoint);
    }

    [Fact]
    public void CarriedState_Missing_IsRefused() =>
        Assert.Contains("carries no 'recurrent_state'", ResumeAfter(h => h["recurrent_state"] = null), StringComparison.Ordinal);

    [Fact]
    public void CarriedState_OtherStreamCount_IsRefused() =>
        Assert.Contains("must have shape [2, 4, 6]", ResumeAfter(h => Entry(h, 0)["shape"] = new JsonArray(2, 5, 6)), StringComparison.Ordinal);

    [Fact]
    public void CarriedState_ResumedWithAnotherBatchSize_IsRefused() =>
        Assert.Contains("must have shape [2, 3, 6]", ResumeAfter(_ => { }, "train.batch_size=3"), StringComparison.Ordinal);

    [Fact]
    public void CarriedState_BadBase64_IsRefused() =>
        Assert.Contains("not valid base64", ResumeAfter(h => Entry(h, 0)["hidden"] = "@@@"), StringComparison.Ordinal);

    [Fact]
    public void CarriedState_NaN_IsRefused() =>
        Assert.Contains("impossible value at element 0", ResumeAfter(h =>
        {
            byte[] bytes = Convert.FromBase64String(Entry(h, 0)["cell"]!.GetValue<string>());
            BitConverter.GetBytes(float.NaN).CopyTo(bytes, 0);
            Entry(h, 0)["cell"] = Convert.ToBase64String(bytes);
        }), StringComparison.Ordinal);

    [Fact]
    public void CarriedState_UnknownModuleOrField_IsRefused()
    {
        Assert.Contains("not a recurrent layer", ResumeAfter(h => Entry(h, 0)["module"] = "2"), StringComparison.Ordinal);
        Assert.Contains("is malformed", ResumeAfter(h => Entry(h, 0)["extra"] = 1), StringComparison.Ordinal);
        Assert.Contains("is malformed", ResumeAfter(h => h["recurrent_state"]!.AsArray().Add(7)), StringComparison.Ordinal);
    }

    [Fact]
    public void State_Inconsistent_IsRefused()
    {
        Assert.Contains("trainer state is inconsistent", ResumeAfter(h => h["state"]!["Epoch"] = 1), StringComparison.Ordinal);
        Assert.Contains("stopped at window 9999", ResumeAfter(h => h["state"]!["Batch"] = 9999), StringComparison.Ordinal);
        Assert.Contains("trainer state", ResumeAfter(h => h["state"]!["Accuracy"] = 1), StringComparison.Ordinal);
    }

    [Fact]
    public void RecurrentState_InAnImageRun_IsRefused()
    {
        string message = ResumeAfterImageConfig();
        Assert.Contains("belongs to language models", message, StringComparison.Ordinal);
    }

    private string ResumeAfterImageConfig()
    {
        var data = Checkpoint.Load(CheckpointPath);
        var header = JsonNode.Parse(_original)!.AsObject();
        header["config"] = JsonNode.Parse("""{ "name": "img", "data": { "dataset": "mnist" }, "layers": [ { "type": "dense", "units": 10 } ] }""");
        header["state"] = null;
        Checkpoint.Save(CheckpointPath, data with { Header = header.ToJsonString() });
        return Assert.Throws<InvalidDataException>(() => RunCheckpoint.Load(CheckpointPath)).Message;
    }
}
