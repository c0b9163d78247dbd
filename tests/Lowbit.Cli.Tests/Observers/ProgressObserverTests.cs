using Lowbit.Cli.Observers;
using Lowbit.Training;
using Spectre.Console.Testing;

namespace Lowbit.Cli.Tests.Observers;

/// <summary>
/// Training progress drawn on an 80-column interactive console: every finished epoch's line stays whole on its own
/// line (the live bar used to overwrite it with a truncated description), nothing is wider than the terminal, and the
/// run's time left comes from the steps done.
/// </summary>
public sealed class ProgressObserverTests
{
    private static EpochMetrics Epoch(int epoch) => new(epoch, 0.001 / epoch, 1.0 / epoch, 0.5 + 0.1 * epoch, 1.1 / epoch, 0.45 + 0.1 * epoch, 0.4 + 0.1 * epoch, 2.0, 2.5);

    [Theory]
    [InlineData(80)]
    [InlineData(120)]
    public void FinishedEpochs_StayWholeLines_WithinTheWidth(int width)
    {
        var console = new TestConsole().Width(width).Interactive();
        console.Profile.Capabilities.Ansi = false;
        var rows = new List<string>();
        int result = ProgressObserver.Run(console, observer =>
        {
            observer.Message("resuming from x: epoch 1, batch 0");
            for (int e = 0; e < 3; e++)
            {
                observer.EpochStarted(e, 3, 50, 0, 0.001);
                for (int b = 0; b < 50; b++) observer.BatchFinished(e, b, 1.0 / (b + 1));
                observer.EpochFinished(Epoch(e + 1), best: e == 1);
                rows.Add(EpochTable.Row(Epoch(e + 1), 3, e == 1));
            }

            return 42;
        });
        Assert.Equal(42, result);
        var lines = console.Output.Split('\n').Select(l => l.TrimEnd('\r')).ToList();
        Assert.Single(lines, l => l == EpochTable.Header);
        foreach (string row in rows) Assert.Single(lines, l => l == row);
        Assert.Contains("resuming from x: epoch 1, batch 0", lines);
        Assert.True(lines.IndexOf(rows[0]) < lines.IndexOf(rows[1]) && lines.IndexOf(rows[1]) < lines.IndexOf(rows[2]), console.Output);
        foreach (string line in lines) Assert.True(line.Length <= width, $"{line.Length} columns at width {width}: '{line}'");
    }

    [Fact]
    public void RunClock_ExtrapolatesFromStepsDone_AndRestartsForANewPhase()
    {
        double now = 100;
        var clock = new RunClock(() => now);
        clock.EpochStarted(0, 2, 10, 0);
        Assert.Null(clock.Remaining);
        for (int b = 0; b < 5; b++) clock.BatchFinished(0, b);
        now = 105; // 5 steps in 5 s, 15 left
        Assert.Equal(15, clock.Remaining!.Value.TotalSeconds, 6);
        for (int b = 5; b < 10; b++) clock.BatchFinished(0, b);
        now = 112; // the evaluation after epoch 1 took 2 s more: 12 s for 10 steps, 10 left
        clock.EpochStarted(1, 2, 10, 0);
        clock.BatchFinished(1, 0);
        Assert.Equal(12.0 / 11 * 9, clock.Remaining!.Value.TotalSeconds, 6);

        // Resumed at epoch 3 (of 4), batch 6 (of 8): only this process's steps count.
        var resumed = new RunClock(() => now);
        now = 0;
        resumed.EpochStarted(2, 4, 8, 6);
        resumed.BatchFinished(2, 6);
        now = 3; // 1 step in 3 s; 32 - 23 = 9 left
        Assert.Equal(27, resumed.Remaining!.Value.TotalSeconds, 6);

        // A phase of another length (range initialisation, then training) starts the clock again.
        resumed.EpochStarted(0, 10, 8, 0);
        Assert.Null(resumed.Remaining);
    }

    [Fact]
    public void LineObserver_HeaderOnce_ThenOneLinePerEpoch()
    {
        var output = new StringWriter();
        var observer = new LineObserver(output);
        observer.EpochStarted(0, 2, 5, 0, 0.001);
        observer.EpochFinished(Epoch(1), true);
        observer.Message("note");
        observer.EpochStarted(1, 2, 5, 0, 0.001);
        observer.EpochFinished(Epoch(2), false);
        Assert.Equal([EpochTable.Header, EpochTable.Row(Epoch(1), 2, true), "note", EpochTable.Row(Epoch(2), 2, false), ""], output.ToString().Split(Environment.NewLine));
    }
}
