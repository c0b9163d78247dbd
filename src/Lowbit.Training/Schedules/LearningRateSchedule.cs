namespace Lowbit.Training.Schedules;

/// <summary>Learning rate as a function of the epoch (0-based), evaluated at the start of each epoch.</summary>
public abstract class LearningRateSchedule
{
    /// <summary>The learning rate for <paramref name="epoch"/>.</summary>
    public abstract double At(int epoch);
}

/// <summary>Constant learning rate.</summary>
public sealed class ConstantSchedule(double learningRate) : LearningRateSchedule
{
    /// <inheritdoc/>
    public override double At(int epoch) => learningRate;
}

/// <summary>
/// Exponential decay per epoch from <c>start</c> to <c>end</c> over <c>epochs</c> epochs:
/// lr(e) = start·(end/start)^(e/(epochs−1)) (BinaryConnect/BinaryNet scripts: LR_start → LR_fin).
/// </summary>
public sealed class ExponentialSchedule : LearningRateSchedule
{
    /// <summary>Creates the schedule.</summary>
    public ExponentialSchedule(double start, double end, int epochs)
    {
        if (!(start > 0) || !(end > 0)) throw new ArgumentOutOfRangeException(nameof(start), "Exponential schedule needs positive start and end learning rates.");
        ArgumentOutOfRangeException.ThrowIfLessThan(epochs, 1);
        Start = start;
        End = end;
        Epochs = epochs;
    }

    /// <summary>First-epoch rate.</summary>
    public double Start { get; }

    /// <summary>Last-epoch rate.</summary>
    public double End { get; }

    /// <summary>Epochs over which to decay.</summary>
    public int Epochs { get; }

    /// <summary>Per-epoch factor (end/start)^(1/(epochs−1)).</summary>
    public double Gamma => Epochs == 1 ? 1.0 : Math.Pow(End / Start, 1.0 / (Epochs - 1));

    /// <inheritdoc/>
    public override double At(int epoch) => Start * Math.Pow(Gamma, Math.Min(epoch, Epochs - 1));
}

/// <summary>Step decay: lr(e) = start·factor^⌊e/every⌋.</summary>
public sealed class StepSchedule : LearningRateSchedule
{
    /// <summary>Creates the schedule.</summary>
    public StepSchedule(double start, double factor, int every)
    {
        if (!(start > 0)) throw new ArgumentOutOfRangeException(nameof(start), start, "Learning rate must be positive.");
        if (!(factor > 0 && factor <= 1)) throw new ArgumentOutOfRangeException(nameof(factor), factor, "Step factor must be in (0, 1].");
        ArgumentOutOfRangeException.ThrowIfLessThan(every, 1);
        Start = start;
        Factor = factor;
        Every = every;
    }

    /// <summary>Initial rate.</summary>
    public double Start { get; }

    /// <summary>Multiplier applied every <see cref="Every"/> epochs.</summary>
    public double Factor { get; }

    /// <summary>Epochs between decays.</summary>
    public int Every { get; }

    /// <inheritdoc/>
    public override double At(int epoch) => Start * Math.Pow(Factor, epoch / Every);
}

/// <summary>Cosine annealing: lr(e) = end + (start − end)·(1 + cos(π·e/epochs))/2.</summary>
public sealed class CosineSchedule : LearningRateSchedule
{
    /// <summary>Creates the schedule.</summary>
    public CosineSchedule(double start, double end, int epochs)
    {
        if (!(start > 0) || !(end > 0) || end > start) throw new ArgumentOutOfRangeException(nameof(start), "Cosine schedule needs 0 < end ≤ start.");
        ArgumentOutOfRangeException.ThrowIfLessThan(epochs, 1);
        Start = start;
        End = end;
        Epochs = epochs;
    }

    /// <summary>Initial rate.</summary>
    public double Start { get; }

    /// <summary>Final floor.</summary>
    public double End { get; }

    /// <summary>Annealing length.</summary>
    public int Epochs { get; }

    /// <inheritdoc/>
    public override double At(int epoch) => End + (Start - End) * (1 + Math.Cos(Math.PI * Math.Min(epoch, Epochs) / Epochs)) / 2;
}
