using System.Text.Json;
using Lowbit.Testing;
using Lowbit.Training.Config;

namespace Lowbit.Training.Tests;

/// <summary>The last-batch policy: a batch too small for batch norm is skipped with a note; drop_last drops any partial batch.</summary>
public class LastBatchPolicyTests
{
    private static string Config(string layers, bool? dropLast = null) => $$"""
        {
          "seed": 1, "threads": 1,
          "data": { "dataset": "mnist", "validation": 0, "normalize": "zero_one" },
          "layers": {{layers}},
          "optimizer": { "type": "sgd", "lr": 0.01 },
          "train": { "epochs": 2, "batch_size": 10{{(dropLast is bool d ? $", \"drop_last\": {(d ? "true" : "false")}" : "")}} }
        }
        """;

    private const string WithBatchNorm = """[{ "type": "flatten" }, { "type": "dense", "units": 8 }, { "type": "batch_norm" }, { "type": "dense", "units": 10 }]""";
    private const string WithoutBatchNorm = """[{ "type": "flatten" }, { "type": "dense", "units": 8 }, { "type": "relu" }, { "type": "dense", "units": 10 }]""";

    private sealed class Messages : ITrainingObserver
    {
        public List<string> Lines { get; } = [];

        public void EpochStarted(int epoch, int epochs, int batches, int firstBatch, double learningRate)
        {
        }

        public void BatchFinished(int epoch, int batch, double loss)
        {
        }

        public void EpochFinished(EpochMetrics metrics, bool best)
        {
        }

        public void Message(string text) => Lines.Add(text);
    }

    private static (TrainingOutcome Outcome, Messages Messages) Train(string json, int trainImages)
    {
        string data = SyntheticIdx.Write(SyntheticIdx.TempFolder("lastbatch-data"), trainImages, 20);
        var config = ConfigLoader.Parse(json, "last-batch.json", ["data.path=" + JsonSerializer.Serialize(data)]);
        string outDir = SyntheticIdx.TempFolder("lastbatch-out");
        var messages = new Messages();
        try
        {
            return (new Trainer(config, DataResolver.Load(config.Data), outDir, messages).Run(), messages);
        }
        finally
        {
            Directory.Delete(data, true);
            Directory.Delete(outDir, true);
        }
    }

    [Fact]
    public void LastBatchOfOneImage_WithBatchNorm_IsSkippedWithANote()
    {
        var (outcome, messages) = Train(Config(WithBatchNorm), 21);
        Assert.True(outcome.Completed);
        Assert.Equal(2 * 2, outcome.State.Step); // 2 epochs x 2 full batches; the batch of 1 is skipped
        Assert.Contains(messages.Lines, l => l.Contains("last batch of 1", StringComparison.Ordinal) && l.Contains("drop_last", StringComparison.Ordinal));
    }

    [Fact]
    public void LastBatchOfOneImage_WithoutBatchNorm_IsTrained()
    {
        var (outcome, messages) = Train(Config(WithoutBatchNorm), 21);
        Assert.Equal(2 * 3, outcome.State.Step);
        Assert.DoesNotContain(messages.Lines, l => l.Contains("last batch", StringComparison.Ordinal));
    }

    [Fact]
    public void LastBatchOfTwoImages_WithBatchNorm_IsTrained()
    {
        var (outcome, _) = Train(Config(WithBatchNorm), 22);
        Assert.Equal(2 * 3, outcome.State.Step);
    }

    [Fact]
    public void DropLast_DropsEveryPartialBatch()
    {
        var (outcome, messages) = Train(Config(WithoutBatchNorm, dropLast: true), 27);
        Assert.Equal(2 * 2, outcome.State.Step);
        Assert.DoesNotContain(messages.Lines, l => l.Contains("last batch", StringComparison.Ordinal));
    }

    [Fact]
    public void DropLast_MustBeABoolean()
    {
        var ex = Assert.Throws<ConfigException>(() => ConfigLoader.Parse(Config(WithoutBatchNorm), "c.json", ["train.drop_last=1"]));
        Assert.Contains("train.drop_last", ex.Message, StringComparison.Ordinal);
    }
}
