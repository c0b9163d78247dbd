using Lowbit.Inference.Format;

namespace Lowbit.Inference.Runtime;

/// <summary>
/// The runtime step of one packed layer in one <see cref="Pipeline"/>: constants prepared once from the layer, then
/// <see cref="Run"/> per chunk of images. Steps of a pipeline run one after another on one thread (the kernels they
/// call may use <see cref="InferenceOptions.Threads"/>).
/// </summary>
internal abstract class LayerStep
{
    /// <summary>Computes the layer's outputs for <see cref="StepIO.Images"/> images.</summary>
    public abstract void Run(scoped in StepIO io);
}

/// <summary>What a step gets from its pipeline: the model, the options, the counters and the shared scratch memory.</summary>
/// <param name="Model">The model the layer belongs to.</param>
/// <param name="Options">Session options (threads for the kernels).</param>
/// <param name="Counters">Counters the step adds float replays to.</param>
/// <param name="Scratch">Scratch buffers shared by the pipeline's steps (valid during one Run).</param>
internal sealed record StepContext(PackedModel Model, InferenceOptions Options, RunCounters Counters, ScratchArena Scratch)
{
    /// <summary>Threads the kernels may use.</summary>
    public int Threads => Options.Threads;
}

/// <summary>
/// One step's inputs and outputs for a chunk of images, in the storage of their <see cref="ActivationSpec"/>:
/// bytes for pixels and codes, packed words for signs, floats for logits. Spans hold exactly Images rows.
/// </summary>
internal readonly ref struct StepIO
{
    /// <summary>Images in the chunk.</summary>
    public required int Images { get; init; }

    /// <summary>Input pixels or codes <c>[Images, Count]</c>, or empty.</summary>
    public ReadOnlySpan<byte> InputBytes { get; init; }

    /// <summary>Input signs <c>[Images, WordsPerImage]</c>, or empty.</summary>
    public ReadOnlySpan<ulong> InputWords { get; init; }

    /// <summary>Input reals <c>[Images, Count]</c>, or empty.</summary>
    public ReadOnlySpan<float> InputFloats { get; init; }

    /// <summary>Output codes <c>[Images, Count]</c>, or empty.</summary>
    public Span<byte> OutputBytes { get; init; }

    /// <summary>Output signs <c>[Images, WordsPerRow(Count)]</c>, or empty.</summary>
    public Span<ulong> OutputWords { get; init; }

    /// <summary>Output reals or logits <c>[Images, Count]</c>, or empty.</summary>
    public Span<float> OutputFloats { get; init; }

    /// <summary>Last layer: its integer outputs <c>[Images, Classes]</c> (docs/FORMAT.md per kind); empty otherwise.</summary>
    public Span<int> Integers { get; init; }
}
