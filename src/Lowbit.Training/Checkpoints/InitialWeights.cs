using Lowbit.Nn;
using Lowbit.Tensors;
using Lowbit.Training.Config;

namespace Lowbit.Training.Checkpoints;

/// <summary>
/// <c>train.init_from</c>: a new run's parameters and buffers (batch-norm statistics included) taken from another
/// run's checkpoint by name, as PyTorch's <c>load_state_dict</c> (strict, or non-strict with <c>init_match:
/// "matching"</c>) and Keras' <c>load_weights(by_name=True)</c> do. The checkpoint's optimizer state and progress are
/// not used: the run starts at epoch 1 with fresh moments.
/// </summary>
public static class InitialWeights
{
    /// <summary>Copies the checkpoint's tensors into <paramref name="model"/> as <paramref name="train"/> says; returns the line to report.</summary>
    /// <exception cref="InvalidDataException">The checkpoint is unreadable, lacks a tensor ("all"), or has no tensor to copy ("matching").</exception>
    public static string Apply(Module model, TrainConfig train)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(train);
        string path = train.InitFrom ?? throw new ArgumentException("train.init_from is not set.", nameof(train));
        IReadOnlyDictionary<string, Tensor> stored;
        try
        {
            stored = Checkpoint.Load(path).Model;
        }
        catch (Exception e) when (e is FileNotFoundException or InvalidDataException or IOException or UnauthorizedAccessException)
        {
            throw new InvalidDataException($"train.init_from: {e.Message}", e);
        }
        var own = model.StateDict();
        var merged = new Dictionary<string, Tensor>(own, StringComparer.Ordinal);
        var skipped = new List<string>();
        foreach (var (name, tensor) in own)
        {
            if (stored.TryGetValue(name, out var source) && source.ShapeSpan.SequenceEqual(tensor.ShapeSpan))
            {
                merged[name] = source;
                continue;
            }
            string why = source is null ? "not in the checkpoint" : $"{ShapeUtil.Format(source.ShapeSpan)} in the checkpoint";
            if (train.InitMatch == "all")
            {
                throw new InvalidDataException($"train.init_from {path}: the model's '{name}' ({ShapeUtil.Format(tensor.ShapeSpan)}) is {why}; "
                    + "initialise from a checkpoint of the same network, or set train.init_match to \"matching\" to copy only the tensors whose name and shape agree.");
            }
            skipped.Add($"{name} ({why})");
        }
        int copied = own.Count - skipped.Count;
        if (copied == 0)
            throw new InvalidDataException($"train.init_from {path}: none of the model's {own.Count} tensors is in the checkpoint with its name and shape (first: '{own.Keys.First()}'); it is a checkpoint of another network.");
        try
        {
            model.LoadStateDict(merged);
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"train.init_from {path}: {e.Message}", e);
        }
        int unused = stored.Keys.Count(k => !own.ContainsKey(k));
        return $"initialised {copied} of {own.Count} tensors from {path}"
            + (skipped.Count == 0 ? "" : $"; kept the initial values of {skipped.Count}: {string.Join(", ", skipped.Take(4))}{(skipped.Count > 4 ? ", ..." : "")}")
            + (unused == 0 ? "" : $"; {unused} checkpoint tensors unused");
    }
}
