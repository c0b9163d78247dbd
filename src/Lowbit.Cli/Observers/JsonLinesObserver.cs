using System.Text.Json.Nodes;
using Lowbit.Training;
using Lowbit.Training.Language;

namespace Lowbit.Cli.Observers;

/// <summary>
/// <c>lowbit train --json</c>: one JSON object per line on <paramref name="output"/> for each finished epoch
/// (<c>"event": "epoch"</c>, metrics as in metrics.csv); everything for people (notices, the epoch table) goes to
/// <paramref name="messages"/>, standard error.
/// </summary>
internal sealed class JsonLinesObserver(TextWriter output, TextWriter messages) : ITrainingObserver
{
    private readonly LineObserver _lines = new(messages);
    private int _epochs;

    /// <inheritdoc/>
    public void EpochStarted(int epoch, int epochs, int batches, int firstBatch, double learningRate)
    {
        _epochs = epochs;
        _lines.EpochStarted(epoch, epochs, batches, firstBatch, learningRate);
    }

    /// <inheritdoc/>
    public void BatchFinished(int epoch, int batch, double loss)
    {
    }

    /// <inheritdoc/>
    public void EpochFinished(EpochMetrics metrics, bool best)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        _lines.EpochFinished(metrics, best);
        Write(new JsonObject
        {
            ["event"] = "epoch", ["epoch"] = metrics.Epoch, ["epochs"] = _epochs, ["lr"] = Finite(metrics.LearningRate),
            ["train_loss"] = Finite(metrics.TrainLoss), ["train_accuracy"] = Finite(metrics.TrainAccuracy),
            ["val_loss"] = Finite(metrics.ValidationLoss), ["val_accuracy"] = Finite(metrics.ValidationAccuracy),
            ["test_accuracy"] = Finite(metrics.TestAccuracy), ["train_seconds"] = Finite(metrics.TrainSeconds), ["epoch_seconds"] = Finite(metrics.EpochSeconds),
            ["best"] = best,
        });
    }

    /// <inheritdoc/>
    public void LanguageModelEpochFinished(LanguageModelEpochMetrics metrics, bool best)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        _lines.LanguageModelEpochFinished(metrics, best);
        Write(new JsonObject
        {
            ["event"] = "epoch", ["epoch"] = metrics.Epoch, ["epochs"] = _epochs, ["lr"] = Finite(metrics.LearningRate),
            ["train_loss"] = Finite(metrics.TrainLoss), ["val_loss"] = Finite(metrics.ValidationLoss), ["test_loss"] = Finite(metrics.TestLoss),
            ["train_perplexity"] = Finite(metrics.TrainPerplexity), ["val_perplexity"] = Finite(metrics.ValidationPerplexity), ["test_perplexity"] = Finite(metrics.TestPerplexity),
            ["clipped_fraction"] = Finite(metrics.ClippedFraction), ["train_seconds"] = Finite(metrics.TrainSeconds), ["epoch_seconds"] = Finite(metrics.EpochSeconds),
            ["best"] = best,
        });
    }

    /// <inheritdoc/>
    public void Message(string text) => _lines.Message(text);

    /// <summary>The value, or null for NaN and infinities (which JSON cannot hold).</summary>
    internal static JsonNode? Finite(double? value) => value is double v && double.IsFinite(v) ? v : null;

    private void Write(JsonObject line) => output.WriteLine(line.ToJsonString());
}
