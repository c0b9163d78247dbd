using Lowbit.Training;
using Lowbit.Training.Language;

namespace Lowbit.Cli.Observers;

/// <summary>
/// Plain progress for logs, pipes, CI and --quiet: the trainer's notices as they come, and one <see cref="EpochTable"/>
/// line per finished epoch under a header printed before the first one.
/// </summary>
internal sealed class LineObserver(TextWriter output) : ITrainingObserver
{
    private int _epochs;
    private bool _headerWritten;

    /// <inheritdoc/>
    public void EpochStarted(int epoch, int epochs, int batches, int firstBatch, double learningRate) => _epochs = epochs;

    /// <inheritdoc/>
    public void BatchFinished(int epoch, int batch, double loss)
    {
    }

    /// <inheritdoc/>
    public void EpochFinished(EpochMetrics metrics, bool best) => WriteRow(EpochTable.Header, EpochTable.Row(metrics, _epochs, best));

    /// <inheritdoc/>
    public void LanguageModelEpochFinished(LanguageModelEpochMetrics metrics, bool best) =>
        WriteRow(EpochTable.LanguageModelHeader, EpochTable.Row(metrics, _epochs, best));

    /// <inheritdoc/>
    public void Message(string text) => output.WriteLine(text);

    private void WriteRow(string header, string row)
    {
        if (!_headerWritten) output.WriteLine(header);
        _headerWritten = true;
        output.WriteLine(row);
    }
}
