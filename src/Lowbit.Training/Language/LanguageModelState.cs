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

    /// <summary>Why this state cannot come from a run (a damaged or edited checkpoint), or null when it can.</summary>
    public string? FindInconsistency()
    {
        if (Epoch < 0 || Batch < 0 || Step < 0) return $"epoch {Epoch}, window {Batch} and step {Step} must be at least 0";
        if (History is null) return "history is missing";
        if (History.Count != Epoch) return $"epoch is {Epoch} but the history has {History.Count} rows (one per finished epoch)";
        if (EpochTokens < 0 || EpochSteps < 0 || EpochClippedSteps < 0 || EpochClippedSteps > EpochSteps) return $"this epoch's counts ({EpochSteps} steps, {EpochClippedSteps} clipped, {EpochTokens} tokens) are impossible";
        if (!double.IsFinite(EpochLossSum) || EpochLossSum < 0 || !double.IsFinite(EpochTrainSeconds) || EpochTrainSeconds < 0) return "this epoch's loss sum or time is not a finite non-negative number";
        if (BestEpoch < 0 || BestEpoch > Epoch || (BestEpoch == 0) != (Epoch == 0)) return $"best epoch is {BestEpoch}; it must be in [1, {Epoch}] once an epoch has finished";
        if (!double.IsFinite(BestValidationLoss) || BestValidationLoss < 0 || !double.IsFinite(TestLossAtBest) || TestLossAtBest < 0) return "the best validation or test loss is not a finite non-negative number";
        if (double.IsInfinity(LastFiniteLoss)) return "last finite loss is infinite";
        for (int i = 0; i < History.Count; i++)
        {
            var m = History[i];
            if (m is null || m.Epoch != i + 1) return $"history row {i} is not epoch {i + 1}";
            bool finite = double.IsFinite(m.LearningRate) && m.LearningRate > 0 && double.IsFinite(m.TrainSeconds) && double.IsFinite(m.EpochSeconds);
            bool losses = new[] { m.TrainLoss, m.ValidationLoss, m.TestLoss }.All(l => double.IsFinite(l) && l >= 0);
            if (!finite || !losses || m.ClippedFraction is not (>= 0 and <= 1)) return $"history row {i} (epoch {m.Epoch}) holds a value out of range";
        }
        return null;
    }
}
