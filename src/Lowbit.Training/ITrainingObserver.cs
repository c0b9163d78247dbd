namespace Lowbit.Training;

/// <summary>Receives progress events from the <see cref="Trainer"/> (the CLI draws progress bars from them).</summary>
public interface ITrainingObserver
{
    /// <summary>An epoch starts (or resumes at <paramref name="firstBatch"/>).</summary>
    void EpochStarted(int epoch, int epochs, int batches, int firstBatch, double learningRate);

    /// <summary>A training batch finished.</summary>
    void BatchFinished(int epoch, int batch, double loss);

    /// <summary>Validation and test evaluation of an epoch finished.</summary>
    void EpochFinished(EpochMetrics metrics, bool best);

    /// <summary>A notice for the user (resume, warnings).</summary>
    void Message(string text);

    /// <summary>Validation and test evaluation of a language-model epoch finished (default: one line through <see cref="Message"/>).</summary>
    void LanguageModelEpochFinished(Language.LanguageModelEpochMetrics metrics, bool best) => Message(Language.LanguageModelTrainer.EpochLine(metrics, best));
}

/// <summary>An observer that ignores everything.</summary>
public sealed class NullTrainingObserver : ITrainingObserver
{
    /// <summary>Shared instance.</summary>
    public static NullTrainingObserver Instance { get; } = new();

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
    }

    /// <inheritdoc/>
    public void Message(string text)
    {
    }
}

/// <summary>Training stopped because the loss became NaN or infinite.</summary>
public sealed class TrainingDivergedException(string message) : Exception(message);
