using System.Globalization;
using Lowbit.Training;

namespace Lowbit.Api;

/// <summary>Writes one line per finished epoch (and the trainer's notices) to a <see cref="TextWriter"/>.</summary>
/// <param name="output">Where to write, e.g. <see cref="Console.Out"/>.</param>
public sealed class EpochLineObserver(TextWriter output) : ITrainingObserver
{
    /// <inheritdoc/>
    public void EpochStarted(int epoch, int epochs, int batches, int firstBatch, double learningRate)
    {
    }

    /// <inheritdoc/>
    public void BatchFinished(int epoch, int batch, double loss)
    {
    }

    /// <inheritdoc/>
    public void EpochFinished(EpochMetrics metrics, bool best)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        string validation = metrics.ValidationAccuracy is double v ? (100 * v).ToString("F2", CultureInfo.InvariantCulture) + " %" : "-";
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"epoch {metrics.Epoch}: loss {metrics.TrainLoss:F4}, train {100 * metrics.TrainAccuracy:F2} %, validation {validation}, test {100 * metrics.TestAccuracy:F2} %, {metrics.TrainSeconds:F1} s{(best ? " (best)" : "")}"));
    }

    /// <inheritdoc/>
    public void Message(string text) => output.WriteLine(text);
}
