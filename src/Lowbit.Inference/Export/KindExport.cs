using Lowbit.Inference.Format;
using Lowbit.Nn.Layers;

namespace Lowbit.Inference.Export;

/// <summary>A dense layer of the model and the batch norm that follows it; <paramref name="Index"/> is the dense layer's position in the model.</summary>
internal sealed record DenseBlock(Linear Linear, BatchNorm? BatchNorm, int Index);

/// <summary>
/// Everything the exporter of one kind sees: the block, the next block (whose input quantizer is this layer's head),
/// what arrives (the pixels or the previous layer's output, with the float value of every code and the plane scales),
/// and the families of the weights and of the head.
/// </summary>
internal sealed record ExportSite(DenseBlock Block, DenseBlock? Next, ActivationSpec Input, float[] InputLevels, float[] InputScales,
    float[] PixelTable, QuantizerCode Weights, QuantizerCode Head)
{
    /// <summary>The dense layer.</summary>
    public Linear Linear => Block.Linear;

    /// <summary>"Layer i (Linear(...))" for messages.</summary>
    public string Name => $"Layer {Block.Index} ({Block.Linear.Describe()})";

    /// <summary>"Layer j (Linear(...))" of the next dense layer, for messages about the head.</summary>
    public string NextName => Next is null ? Name : $"Layer {Next.Index} ({Next.Linear.Describe()})";
}

/// <summary>What a layer will be, known from the architecture alone: what it hands on and its bytes in the file.</summary>
internal readonly record struct LayerPlan(ActivationSpec Output, long Bytes);

/// <summary>An exported layer and what the next layer receives: the float value of each output code and the plane scales (empty for signs).</summary>
internal sealed record ExportedLayer(PackedLayer Layer, float[] NextLevels, float[] NextScales);

/// <summary>
/// How a model's dense block becomes one packed kind. A kind is picked by the encoding arriving at the block
/// (<see cref="PackedLayerKind.Inputs"/>), the family of its weights (<see cref="Weights"/>) and the family of its head
/// (<see cref="Head"/>: the next layer's input quantizer, or the logits for the last layer).
/// </summary>
internal abstract class KindExport(CodeFamily weights, CodeFamily head)
{
    /// <summary>Weight family the kind packs.</summary>
    public CodeFamily Weights { get; } = weights;

    /// <summary>Head family the kind packs.</summary>
    public CodeFamily Head { get; } = head;

    /// <summary>
    /// Checks the quantizers' details (bit ranges, frozen means) and returns what the layer hands on and its size,
    /// without folding (for <see cref="PackedSizePredictor"/>; <see cref="Export"/> calls it first).
    /// </summary>
    /// <exception cref="NotSupportedException">The quantizers are of the kind's families but outside what it packs.</exception>
    public abstract LayerPlan Plan(ExportSite site);

    /// <summary>Packs the block: folds batch norm and the head, packs the weights.</summary>
    public abstract ExportedLayer Export(ExportSite site);
}
