using System.Globalization;
using Lowbit.Nn.Layers;
using Lowbit.Nn;
using Lowbit.Quantization;
using Lowbit.Training.Config;

namespace Lowbit.Training;

/// <summary>
/// BitPruning's last phase (Nikolić et al., arXiv 2002.03090): after train.epochs with the bit regulariser, round every learned
/// bitlength (up by default), freeze it, and fine-tune for the config's "bitpruning.finetune_epochs" without the
/// regulariser.
/// </summary>
/// <remarks>
/// The trainer calls <see cref="FreezeOnce"/> at the start of every fine-tuning epoch; only the first call (per run,
/// also across a resume, because the frozen bits are checkpointed state) freezes. Freezing restarts the
/// best-validation selection, so result.json's test error is that of the best fine-tuned (integer-bit) epoch and
/// never of a fractional-bit one. The learning-rate schedule spans train.epochs + finetune_epochs.
/// </remarks>
public static class BitPruningFinetune
{
    /// <summary>Freezes every BitPruning layer that is not frozen yet; returns the bits it froze (empty when none).</summary>
    /// <param name="model">The model.</param>
    /// <param name="config">The "bitpruning" settings.</param>
    /// <param name="state">Trainer state whose best-epoch selection restarts when something is frozen.</param>
    /// <param name="observer">Receives one line with the frozen bits.</param>
    public static IReadOnlyList<int[]> FreezeOnce(Sequential model, BitPruningFinetuneConfig config, TrainerState state, ITrainingObserver observer)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(observer);
        var frozen = new List<int[]>();
        var learned = new List<double>();
        foreach (var module in model.NamedModules().Select(m => m.Module).OfType<QuantizerModule>())
        {
            if (module.Quantizer is not ILearnedBitLength { IsFrozen: false } bitLength) continue;
            learned.Add(module.Quantizer.BitWidth);
            frozen.Add(bitLength.Freeze(config.Round == "up"));
        }
        if (frozen.Count == 0) return frozen;
        state.BestValidationAccuracy = -1;
        state.BestEpoch = 0;
        state.TestAccuracyAtBest = 0;
        var inv = CultureInfo.InvariantCulture;
        observer.Message($"bitpruning: learned bits [{string.Join(", ", learned.Select(b => b.ToString("F3", inv)))}] rounded {config.Round} to " +
            $"[{string.Join(", ", frozen.Select(b => b.Length == 1 ? b[0].ToString(inv) : b.Average().ToString("F3", inv)))}] and frozen; fine-tuning {config.FinetuneEpochs} epoch(s)");
        return frozen;
    }

    /// <summary>Weight bits of each dense/conv2d layer in order: the quantizer's bit width, or 32 when unquantized.</summary>
    public static double[] LayerWeightBits(Sequential model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return model.NamedModules().Select(m => m.Module).OfType<QuantizedLayer>().Select(l => l.WeightQuantizer?.Quantizer.BitWidth ?? 32).ToArray();
    }
}
