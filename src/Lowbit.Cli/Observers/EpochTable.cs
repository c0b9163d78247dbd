using System.Globalization;
using Lowbit.Training;
using Lowbit.Training.Language;

namespace Lowbit.Cli.Observers;

/// <summary>
/// One line per finished epoch under a header, in aligned columns that fit in 80 terminal columns (at most
/// <see cref="MaxWidth"/> for the values training produces: up to 9999 epochs, losses below 10^4, perplexities below
/// 10^7, epochs shorter than a day). The progress bar and the plain log write the same lines.
/// </summary>
internal static class EpochTable
{
    /// <summary>Widest line for values in the documented ranges.</summary>
    public const int MaxWidth = 79;

    /// <summary>The header of image-classification epochs.</summary>
    public static string Header { get; } = Invariant($"{"epoch",9}{"lr",10}{"loss",10}{"train acc",11}{"val acc",10}{"test acc",10}{"time",9}");

    /// <summary>The header of language-model epochs (perplexities per token).</summary>
    public static string LanguageModelHeader { get; } = Invariant($"{"epoch",9}{"lr",10}{"train ppl",12}{"val ppl",12}{"test ppl",12}{"clipped",9}{"time",9}");

    /// <summary>One image-classification epoch.</summary>
    /// <param name="m">The epoch's metrics (accuracies in [0, 1]).</param>
    /// <param name="epochs">Epochs of the run (0 when unknown).</param>
    /// <param name="best">Best validation accuracy so far.</param>
    public static string Row(EpochMetrics m, int epochs, bool best)
    {
        ArgumentNullException.ThrowIfNull(m);
        string validation = m.ValidationAccuracy is double v ? Percent(v) : "-";
        return Invariant($"{Epoch(m.Epoch, epochs),9}{m.LearningRate,10:G3}{m.TrainLoss,10:F4}{Percent(m.TrainAccuracy),11}{validation,10}{Percent(m.TestAccuracy),10}{Seconds(m.EpochSeconds),9}{(best ? "  best" : "")}");
    }

    /// <summary>One language-model epoch.</summary>
    /// <param name="m">The epoch's metrics.</param>
    /// <param name="epochs">Epochs of the run (0 when unknown).</param>
    /// <param name="best">Best validation perplexity so far.</param>
    public static string Row(LanguageModelEpochMetrics m, int epochs, bool best)
    {
        ArgumentNullException.ThrowIfNull(m);
        return Invariant($"{Epoch(m.Epoch, epochs),9}{m.LearningRate,10:G3}{m.TrainPerplexity,12:F2}{m.ValidationPerplexity,12:F2}{m.TestPerplexity,12:F2}{Percent(m.ClippedFraction, 0),9}{Seconds(m.EpochSeconds),9}{(best ? "  best" : "")}");
    }

    /// <summary>"3/20", or "3" when the number of epochs is unknown.</summary>
    private static string Epoch(int epoch, int epochs) => epochs > 0 ? Invariant($"{epoch}/{epochs}") : Invariant($"{epoch}");

    private static string Percent(double fraction, int decimals = 2) => (100 * fraction).ToString("F" + decimals.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture) + "%";

    /// <summary>"12.3s" below a minute, "12m05s" below an hour, "5h07m" above.</summary>
    internal static string Seconds(double seconds) => seconds switch
    {
        < 59.95 => Invariant($"{seconds:F1}s"),
        < 3600 => Invariant($"{(int)(seconds / 60)}m{(int)(seconds % 60):00}s"),
        _ => Invariant($"{(int)(seconds / 3600)}h{(int)(seconds % 3600 / 60):00}m"),
    };

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
