namespace Lowbit.Training.Language;

/// <summary>Metrics of one finished language-model epoch (a row of metrics.csv); losses are mean nats per token.</summary>
/// <param name="Epoch">1-based epoch.</param>
/// <param name="LearningRate">Learning rate of the epoch.</param>
/// <param name="TrainLoss">Mean training cross-entropy (with dropout, as trained).</param>
/// <param name="ValidationLoss">Mean validation cross-entropy (evaluation mode).</param>
/// <param name="TestLoss">Mean test cross-entropy (evaluation mode).</param>
/// <param name="TrainSeconds">Seconds spent in training steps.</param>
/// <param name="EpochSeconds">Training plus evaluation seconds.</param>
/// <param name="ClippedFraction">Share of the epoch's steps whose gradient norm exceeded optimizer.clip_norm.</param>
public sealed record LanguageModelEpochMetrics(
    int Epoch, double LearningRate, double TrainLoss, double ValidationLoss, double TestLoss, double TrainSeconds, double EpochSeconds, double ClippedFraction)
{
    /// <summary>exp(train loss).</summary>
    public double TrainPerplexity => Math.Exp(TrainLoss);

    /// <summary>exp(validation loss).</summary>
    public double ValidationPerplexity => Math.Exp(ValidationLoss);

    /// <summary>exp(test loss).</summary>
    public double TestPerplexity => Math.Exp(TestLoss);
}

/// <summary>Language-model trainer progress saved in checkpoints (enough to resume exactly).</summary>
public sealed class LanguageModelTrainerState
{
    /// <summary>Epoch to run next (0-based).</summary>
    public int Epoch { get; set; }

    /// <summary>Next window within <see cref="Epoch"/> (non-zero after an interrupted epoch).</summary>
    public int Batch { get; set; }

    /// <summary>Optimizer steps taken.</summary>
    public long Step { get; set; }

    /// <summary>Summed training cross-entropy (nats) of the current epoch.</summary>
    public double EpochLossSum { get; set; }

    /// <summary>Training tokens predicted in the current epoch.</summary>
    public long EpochTokens { get; set; }

    /// <summary>Steps of the current epoch whose gradient norm was clipped.</summary>
    public long EpochClippedSteps { get; set; }

    /// <summary>Steps taken in the current epoch.</summary>
    public long EpochSteps { get; set; }

    /// <summary>Training seconds of the current epoch so far.</summary>
    public double EpochTrainSeconds { get; set; }

    /// <summary>Lowest validation loss so far (meaningful once <see cref="BestEpoch"/> &gt; 0).</summary>
    public double BestValidationLoss { get; set; }

    /// <summary>Epoch (1-based) of the lowest validation loss; 0 before the first epoch ends.</summary>
    public int BestEpoch { get; set; }

    /// <summary>Test loss at <see cref="BestEpoch"/>.</summary>
    public double TestLossAtBest { get; set; }

    /// <summary>Last finite training loss (reported when a loss becomes NaN/∞); NaN before the first step.</summary>
    public double LastFiniteLoss { get; set; } = double.NaN;

    /// <summary>Finished epochs.</summary>
    public List<LanguageModelEpochMetrics> History { get; set; } = [];
}
