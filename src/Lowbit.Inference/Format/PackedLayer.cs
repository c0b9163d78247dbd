using Lowbit.Inference.Runtime;

namespace Lowbit.Inference.Format;

/// <summary>
/// One layer of a <see cref="PackedModel"/>, an instance of one kind (docs/FORMAT.md, "Kinds"). The kind's class owns
/// everything about it: its kind byte, its validation (the constructor), its bytes in the file (<see cref="Write"/>,
/// <see cref="ByteSize"/> and the reader registered in <see cref="PackedLayerKinds"/>) and its runtime step.
/// </summary>
public abstract class PackedLayer
{
    /// <summary>The kind byte stored in the file.</summary>
    public abstract byte Kind { get; }

    /// <summary>The kind's name (docs/FORMAT.md).</summary>
    public string KindName => PackedLayerKinds.Get(Kind).Name;

    /// <summary>What the layer consumes per image.</summary>
    public abstract ActivationSpec Input { get; }

    /// <summary>What the layer produces per image (<see cref="ActivationEncoding.Logits"/> for the last layer).</summary>
    public abstract ActivationSpec Output { get; }

    /// <summary>Bytes the layer takes in the file.</summary>
    public abstract long ByteSize { get; }

    /// <summary>Writes the layer's bytes (kind byte first).</summary>
    internal abstract void Write(ref PackedWriter writer);

    /// <summary>Creates the layer's runtime step for one pipeline.</summary>
    internal abstract LayerStep CreateStep(StepContext context);

    /// <summary>
    /// Whether the layer can take <paramref name="arriving"/> (the previous layer's output, or the model's pixels):
    /// null if it can, else what is wrong. By default the arriving values must be readable as <see cref="Input"/>
    /// (<see cref="ActivationSpec.CanFeed"/>). <paramref name="pixelTables"/> are the model's tables <c>[channels, 256]</c>.
    /// </summary>
    internal virtual string? CheckInput(ActivationSpec arriving, float[] pixelTables) =>
        arriving.CanFeed(Input) ? null : $"takes {Input} but receives {arriving}";
}
