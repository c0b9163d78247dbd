namespace Lowbit.Nn;

/// <summary>
/// Where training is: optimizer steps completed out of the run's total. The trainer hands it to the model
/// (<see cref="Module.SetProgress"/>) before every step and before every evaluation, so that a module can follow a
/// schedule over the whole run (an annealed temperature, a ramp) without knowing epochs or batch counts, and so
/// that a resumed run sees exactly the values an uninterrupted one saw.
/// </summary>
public readonly record struct TrainingProgress
{
    /// <summary>Creates the progress value.</summary>
    /// <param name="step">Steps completed (0 ≤ step ≤ totalSteps).</param>
    /// <param name="totalSteps">Steps the run makes in all (≥ 1).</param>
    /// <exception cref="ArgumentOutOfRangeException">A count is out of range.</exception>
    public TrainingProgress(long step, long totalSteps)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(totalSteps, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(step);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(step, totalSteps);
        Step = step;
        TotalSteps = totalSteps;
    }

    /// <summary>Steps completed.</summary>
    public long Step { get; }

    /// <summary>Steps of the whole run.</summary>
    public long TotalSteps { get; }

    /// <summary>Step / TotalSteps, in [0, 1]: 0 before the first step, 1 once training is done.</summary>
    public double Fraction => (double)Step / TotalSteps;
}
