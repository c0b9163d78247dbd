using System.Text.Json;
using Lowbit.Training.Config;
using Lowbit.Training.Language;

namespace Lowbit.Training.Tests.Language;

/// <summary>The language-model training path on a small character-level text written by the test.</summary>
public sealed class LanguageModelTrainerTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "lowbit-lm-" + Guid.NewGuid().ToString("N"));

    public LanguageModelTrainerTests()
    {
        Directory.CreateDirectory(_folder);
        File.WriteAllText(Path.Combine(_folder, "input.txt"), string.Concat(Enumerable.Repeat("the quick brown fox jumps over the lazy dog.\n", 160)));
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string PathOverride => "data.path=" + JsonSerializer.Serialize(_folder);

    private static string Config(string recurrent, int epochs = 3) => $$"""
        {
          "name": "lm-test", "seed": 4, "threads": 1,
          "data": { "dataset": "chars", "vocabulary": 29, "validation_fraction": 0.1, "test_fraction": 0.1 },
          "layers": [
            { "type": "embedding", "units": 16 },
            {{recurrent}},
            { "type": "dropout", "rate": 0.1 },
            { "type": "decoder" }
          ],
          "optimizer": { "type": "adam", "lr": 0.01, "clip_norm": 1.0 },
          "schedule": { "type": "exponential", "end_lr": 0.002 },
          "train": { "epochs": {{epochs}}, "batch_size": 8, "eval_batch_size": 4, "bptt": 20 }
        }
        """;

    private const string FloatLstm = """{ "type": "lstm", "units": 32 }""";

    private const string QuantizedGru = """
        { "type": "gru", "units": 24, "layers": 2, "dropout": 0.2,
          "weight_quantizer": { "type": "dorefa_weight", "bits": 3 }, "hidden_quantizer": { "type": "linear_quant", "bits": 3 },
          "gate_quantizer": { "type": "dorefa_act", "bits": 3 }, "candidate_quantizer": { "type": "linear_quant", "bits": 3 } }
        """;

    [Fact]
    [Trait("Category", "Smoke")]
    public void CharacterModel_Learns_PerplexityFallsFarBelowUniform()
    {
        var config = ConfigLoader.Parse(Config(FloatLstm, epochs: 8), "lm-test.json", [PathOverride]);
        var corpus = DataResolver.LoadText(config.Data);
        var outcome = new LanguageModelTrainer(config, corpus, Path.Combine(_folder, "run")).Run();
        var history = outcome.State.History;
        Assert.True(history[0].TrainLoss > history[^1].TrainLoss, $"train loss did not fall: {history[0].TrainLoss} -> {history[^1].TrainLoss}");
        // A uniform guess over the 29 characters has perplexity 29; the repeated sentence is nearly deterministic.
        Assert.True(history[^1].ValidationPerplexity < 2, $"validation perplexity {history[^1].ValidationPerplexity}");
        var result = outcome.Result!;
        Assert.Equal("character", result["perplexity_per"]!.GetValue<string>());
        Assert.True(File.Exists(Path.Combine(_folder, "run", "metrics.csv")));
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

    [Theory]
    [InlineData(false, 1, 7)] // mid-epoch: the carried hidden state comes from the checkpoint
    [InlineData(false, 1, 0)] // at an epoch start
    [InlineData(true, 0, 11)] // quantized GRU stack with dropout between layers
    public void InterruptedAndResumed_EqualsUninterrupted(bool quantized, int epoch, int batch)
    {
        var config = ConfigLoader.Parse(Config(quantized ? QuantizedGru : FloatLstm, epochs: 2), "lm-test.json", [PathOverride]);
        var corpus = DataResolver.LoadText(config.Data);
        string dirA = Path.Combine(_folder, "a"), dirB = Path.Combine(_folder, "b");
        var full = new LanguageModelTrainer(config, corpus, dirA).Run();

        using var cts = new CancellationTokenSource();
        var first = new LanguageModelTrainer(config, corpus, dirB, new CancelAt(epoch, batch, cts)).Run(cts.Token);
        Assert.False(first.Completed);
        Assert.Equal((epoch, batch), (first.State.Epoch, first.State.Batch));
        var resumed = new LanguageModelTrainer(config, corpus, dirB);
        resumed.Resume();
        var second = resumed.Run();

        static IEnumerable<object> Comparable(LanguageModelTrainerState s) => s.History
            .SelectMany(m => new object[] { m.Epoch, m.LearningRate, m.TrainLoss, m.ValidationLoss, m.TestLoss, m.ClippedFraction })
            .Concat([s.BestEpoch, s.BestValidationLoss, s.TestLossAtBest, s.Step]);
        Assert.Equal(Comparable(full.State), Comparable(second.State));
    }

    [Fact]
    public void ThreadCount_OneAndTwo_GiveIdenticalRuns()
    {
        LanguageModelTrainerState Run(int threads)
        {
            var config = ConfigLoader.Parse(Config(FloatLstm, epochs: 1), "lm-test.json", [PathOverride, $"threads={threads}"]);
            return new LanguageModelTrainer(config, DataResolver.LoadText(config.Data), Path.Combine(_folder, "t" + threads)).Run().State;
        }

        var one = Run(1);
        var two = Run(2);
        Assert.Equal(one.History[0].TrainLoss, two.History[0].TrainLoss);
        Assert.Equal(one.History[0].TestLoss, two.History[0].TestLoss);
    }
}
