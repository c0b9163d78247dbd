using System.Globalization;
using Lowbit.Training;
using Lowbit.Training.Language;
using Spectre.Console;

namespace Lowbit.Cli;

/// <summary>Plain progress: one line per epoch (for logs, CI and --quiet).</summary>
internal sealed class LineObserver(TextWriter output) : ITrainingObserver
{
    public void EpochStarted(int epoch, int epochs, int batches, int firstBatch, double learningRate)
    {
    }

    public void BatchFinished(int epoch, int batch, double loss)
    {
    }

    public void EpochFinished(EpochMetrics m, bool best) => output.WriteLine(EpochLine(m, best));

    public void Message(string text) => output.WriteLine(text);

    public void LanguageModelEpochFinished(LanguageModelEpochMetrics m, bool best) => output.WriteLine(LanguageModelTrainer.EpochLine(m, best));

    public static string EpochLine(EpochMetrics m, bool best) => string.Create(CultureInfo.InvariantCulture,
        $"epoch {m.Epoch,3}  lr {m.LearningRate:G3}  train loss {m.TrainLoss:F4} acc {100 * m.TrainAccuracy:F2}%  val acc {(m.ValidationAccuracy is double v ? (100 * v).ToString("F2", CultureInfo.InvariantCulture) + "%" : "-")}  test acc {100 * m.TestAccuracy:F2}%  {m.TrainSeconds:F1}s{(best ? "  *best" : "")}");
}

/// <summary>Spectre.Console progress bar per epoch for interactive terminals.</summary>
internal sealed class ProgressObserver(ProgressContext context) : ITrainingObserver
{
    private ProgressTask? _task;
    private double _loss = double.NaN;

    public static TrainingOutcome RunWithProgress(Func<ITrainingObserver, TrainingOutcome> run)
    {
        TrainingOutcome? outcome = null;
        AnsiConsole.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .Start(ctx => outcome = run(new ProgressObserver(ctx)));
        return outcome!;
    }

    public void EpochStarted(int epoch, int epochs, int batches, int firstBatch, double learningRate)
    {
        _task = context.AddTask($"epoch {epoch + 1}/{epochs}", maxValue: batches);
        _task.Value = firstBatch;
    }

    public void BatchFinished(int epoch, int batch, double loss)
    {
        if (_task is null) return;
        _loss = double.IsNaN(_loss) ? loss : 0.95 * _loss + 0.05 * loss;
        _task.Value = batch + 1;
        _task.Description = string.Create(CultureInfo.InvariantCulture, $"epoch {epoch + 1} loss {_loss:F4}");
    }

    public void EpochFinished(EpochMetrics m, bool best)
    {
        if (_task is not null) _task.Description = Markup.Escape(LineObserver.EpochLine(m, best));
        _task?.StopTask();
    }

    public void Message(string text) => AnsiConsole.MarkupLine(Markup.Escape(text));

    public void LanguageModelEpochFinished(LanguageModelEpochMetrics m, bool best)
    {
        if (_task is not null) _task.Description = Markup.Escape(LanguageModelTrainer.EpochLine(m, best));
        _task?.StopTask();
    }
}
