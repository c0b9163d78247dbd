using System.Diagnostics;

namespace Lowbit.Cli.Observers;

/// <summary>
/// Time left in a run of <c>epochs × batches</c> steps, extrapolated from the steps done since this process started
/// the phase: remaining = elapsed / done × left. The elapsed time includes the evaluations after finished epochs, so
/// their cost is spread over the steps. A new phase (a different epoch or batch count, such as range initialisation
/// before training) starts the clock again.
/// </summary>
/// <param name="now">Seconds on a monotonic clock (injected for tests).</param>
internal sealed class RunClock(Func<double> now)
{
    private int _epochs = -1, _batches = -1;
    private long _startPosition, _position;
    private double _startSeconds;

    /// <summary>A clock on <see cref="Stopwatch"/>.</summary>
    public RunClock()
        : this(() => Stopwatch.GetTimestamp() / (double)Stopwatch.Frequency)
    {
    }

    /// <summary>An epoch starts at batch <paramref name="firstBatch"/> (non-zero when resumed).</summary>
    public void EpochStarted(int epoch, int epochs, int batches, int firstBatch)
    {
        if (epochs != _epochs || batches != _batches)
        {
            (_epochs, _batches) = (epochs, batches);
            _startPosition = (long)epoch * batches + firstBatch;
            _startSeconds = now();
        }

        _position = (long)epoch * batches + firstBatch;
    }

    /// <summary>Batch <paramref name="batch"/> (0-based) of <paramref name="epoch"/> finished.</summary>
    public void BatchFinished(int epoch, int batch) => _position = (long)epoch * Math.Max(_batches, 0) + batch + 1;

    /// <summary>Estimated time to the end of the phase; null before the first step.</summary>
    public TimeSpan? Remaining
    {
        get
        {
            long done = _position - _startPosition;
            if (done <= 0 || _epochs < 0) return null;
            long left = Math.Max(0, (long)_epochs * _batches - _position);
            return TimeSpan.FromSeconds((now() - _startSeconds) / done * left);
        }
    }
}
