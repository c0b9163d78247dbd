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
}
