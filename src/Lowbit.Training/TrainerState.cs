namespace Lowbit.Training;

/// <summary>Metrics of one finished epoch (a row of metrics.csv).</summary>
public sealed record EpochMetrics(
    int Epoch, double LearningRate, double TrainLoss, double TrainAccuracy, double? ValidationLoss, double? ValidationAccuracy,
    double TestAccuracy, double TrainSeconds, double EpochSeconds);

/// <summary>Trainer progress saved in checkpoints (enough to resume exactly).</summary>
public sealed class TrainerState
{
    /// <summary>Epoch to run next (0-based).</summary>
    public int Epoch { get; set; }

    /// <summary>Next batch within <see cref="Epoch"/> (non-zero after an interrupted epoch).</summary>
    public int Batch { get; set; }

    /// <summary>Global optimizer steps taken.</summary>
    public long Step { get; set; }

    /// <summary>Sum of batch losses × batch sizes in the current epoch.</summary>
    public double EpochLossSum { get; set; }

    /// <summary>Correct training predictions in the current epoch.</summary>
    public long EpochCorrect { get; set; }

    /// <summary>Training examples seen in the current epoch.</summary>
    public long EpochSeen { get; set; }

    /// <summary>Training seconds spent in the current epoch so far.</summary>
    public double EpochTrainSeconds { get; set; }

    /// <summary>Seconds spent preparing training batches (conversion, augmentation), on any thread, over the whole run.</summary>
    public double DataFillSeconds { get; set; }

    /// <summary>Seconds the training loop waited for batches over the whole run (with prefetching, the fill time not hidden behind steps).</summary>
    public double DataWaitSeconds { get; set; }

    /// <summary>Best validation accuracy (or test accuracy when there is no validation set).</summary>
    public double BestValidationAccuracy { get; set; } = -1;

    /// <summary>Epoch (1-based) of the best validation accuracy.</summary>
    public int BestEpoch { get; set; }

    /// <summary>Test accuracy measured at the best-validation epoch.</summary>
    public double TestAccuracyAtBest { get; set; }

    /// <summary>Last finite training loss (reported when a loss becomes NaN/∞).</summary>
    public double LastFiniteLoss { get; set; } = double.NaN;

    /// <summary>Finished epochs.</summary>
    public List<EpochMetrics> History { get; set; } = [];

    /// <summary>
    /// The first invariant a state read from a file breaks (field and value), or null when it is consistent: counts are
    /// non-negative, one history row per finished epoch numbered 1..Epoch, accuracies in [0, 1], losses and times finite.
    /// </summary>
    public string? FindInconsistency()
    {
        if (Epoch < 0) return $"epoch is {Epoch}; it must be at least 0";
        if (Batch < 0) return $"batch is {Batch}; it must be at least 0";
        if (Step < 0) return $"step is {Step}; it must be at least 0";
        if (History is null) return "history is missing";
        if (History.Count != Epoch) return $"epoch is {Epoch} but the history has {History.Count} rows (one per finished epoch)";
        if (EpochSeen < 0 || EpochCorrect < 0 || EpochCorrect > EpochSeen) return $"this epoch's counts ({EpochCorrect} correct of {EpochSeen} seen) are impossible";
        if (!double.IsFinite(EpochLossSum) || !double.IsFinite(EpochTrainSeconds) || EpochTrainSeconds < 0) return "this epoch's loss sum or time is not a finite number";
        if (!(BestValidationAccuracy == -1 || BestValidationAccuracy is >= 0 and <= 1)) return $"best validation accuracy is {BestValidationAccuracy}; it must be in [0, 1]";
        if (BestEpoch < 0 || BestEpoch > Epoch) return $"best epoch is {BestEpoch}; it must be in [0, {Epoch}]";
        if (TestAccuracyAtBest is not (>= 0 and <= 1)) return $"test accuracy at best is {TestAccuracyAtBest}; it must be in [0, 1]";
        if (double.IsInfinity(LastFiniteLoss)) return "last finite loss is infinite";
        for (int i = 0; i < History.Count; i++)
        {
            var m = History[i];
            if (m is null || m.Epoch != i + 1) return $"history row {i} is not epoch {i + 1}";
            bool finite = double.IsFinite(m.LearningRate) && m.LearningRate > 0 && double.IsFinite(m.TrainLoss) && double.IsFinite(m.TrainSeconds) && double.IsFinite(m.EpochSeconds);
            bool accuracies = m.TrainAccuracy is >= 0 and <= 1 && m.TestAccuracy is >= 0 and <= 1 && m.ValidationAccuracy is null or (>= 0 and <= 1);
            if (!finite || !accuracies || (m.ValidationLoss is double vl && !double.IsFinite(vl))) return $"history row {i} (epoch {m.Epoch}) holds a value out of range";
        }
        return null;
    }
}
