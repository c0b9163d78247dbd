using System.Globalization;
using Lowbit.Training;
using Lowbit.Training.Language;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Lowbit.Cli.Observers;

/// <summary>
/// Progress on an interactive terminal (Spectre.Console): a live bar for the current epoch with its smoothed loss, the
/// epoch's and the run's time left; each finished epoch is written above it as an ordinary <see cref="EpochTable"/>
/// line, so it stays on screen whole after the bar moves on (at 80 columns too). The bar is cleared at the end.
/// </summary>
internal sealed class ProgressObserver : ITrainingObserver
{
    /// <summary>Columns the bar never exceeds; it shrinks on narrow terminals.</summary>
    private const int MaxBarWidth = 40;

    private readonly IAnsiConsole _console;
    private readonly ProgressContext _context;
    private readonly RunClock _clock;
    private ProgressTask? _task;
    private int _epochs;
    private double _loss = double.NaN;
    private bool _headerWritten;

    private ProgressObserver(IAnsiConsole console, ProgressContext context, RunClock clock) => (_console, _context, _clock) = (console, context, clock);

    /// <summary>Runs <paramref name="run"/> with a progress observer drawing on <paramref name="console"/>.</summary>
    public static T Run<T>(IAnsiConsole console, Func<ITrainingObserver, T> run, RunClock? clock = null)
    {
        ArgumentNullException.ThrowIfNull(console);
        ArgumentNullException.ThrowIfNull(run);
        clock ??= new RunClock();
        // Description (~24) + percentage, epoch time left, run time left and gaps (~33) leave the rest to the bar.
        int bar = Math.Clamp(console.Profile.Width - 58, 8, MaxBarWidth);
        return console.Progress()
            .AutoClear(true)
            .HideCompleted(true)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn { Width = bar }, new PercentageColumn(),
                new RemainingTimeColumn(), new RunRemainingColumn(clock))
            .Start(context => run(new ProgressObserver(console, context, clock)));
    }

    /// <inheritdoc/>
    public void EpochStarted(int epoch, int epochs, int batches, int firstBatch, double learningRate)
    {
        _task?.StopTask();
        _epochs = epochs;
        _clock.EpochStarted(epoch, epochs, batches, firstBatch);
        _task = _context.AddTask(Label(epoch), maxValue: Math.Max(1, batches));
        _task.Value = firstBatch;
        _loss = double.NaN;
    }

    /// <inheritdoc/>
    public void BatchFinished(int epoch, int batch, double loss)
    {
        _clock.BatchFinished(epoch, batch);
        if (_task is null) return;
        _loss = double.IsNaN(_loss) ? loss : 0.95 * _loss + 0.05 * loss;
        _task.Value = batch + 1;
        _task.Description = string.Create(CultureInfo.InvariantCulture, $"{Label(epoch)} loss {_loss:F4}");
    }

    /// <inheritdoc/>
    public void EpochFinished(EpochMetrics metrics, bool best) => Finish(EpochTable.Header, EpochTable.Row(metrics, _epochs, best));

    /// <inheritdoc/>
    public void LanguageModelEpochFinished(LanguageModelEpochMetrics metrics, bool best) =>
        Finish(EpochTable.LanguageModelHeader, EpochTable.Row(metrics, _epochs, best));

    /// <inheritdoc/>
    public void Message(string text) => _console.WriteLine(text);

    private void Finish(string header, string row)
    {
        if (!_headerWritten) _console.WriteLine(header);
        _headerWritten = true;
        _console.WriteLine(row);
        _task?.StopTask();
        _task = null;
    }

    private string Label(int epoch) => string.Create(CultureInfo.InvariantCulture, $"epoch {epoch + 1}/{_epochs}");

    /// <summary>The whole run's time left ("run 3m10s left"), from a <see cref="RunClock"/>.</summary>
    private sealed class RunRemainingColumn(RunClock clock) : ProgressColumn
    {
        protected override bool NoWrap => true;

        public override IRenderable Render(RenderOptions options, ProgressTask task, TimeSpan deltaTime) =>
            new Text(clock.Remaining is TimeSpan left ? $"run {EpochTable.Seconds(left.TotalSeconds)} left" : "run -", new Style(Color.Blue));
    }
}
