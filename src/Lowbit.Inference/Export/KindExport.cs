using Lowbit.Inference.Format;
using Lowbit.Nn.Layers;

namespace Lowbit.Inference.Export;

/// <summary>What a packed kind computes: a dense layer, a convolution, or a pooling step.</summary>
internal enum KindOperation
{
    /// <summary>Fully connected.</summary>
    Dense,

    /// <summary>2-D convolution.</summary>
    Conv,

    /// <summary>Pooling (emitted by the convolution exporters, never picked on its own).</summary>
    Pool,

    /// <summary>A residual block on the real-valued stream.</summary>
    Residual,

    /// <summary>A residual block on the real-valued stream whose convolution is a shift layer (shifts + 1×1).</summary>
    ShiftResidual,
}

/// <summary>
/// A dense or convolution layer of the model with what follows it up to the next such layer: a max-pool before and
/// one after its batch norm (convolutions), and the batch norm. <paramref name="Index"/> is the layer's position in the model.
/// </summary>
internal sealed record ExportBlock(QuantizedLayer Layer, BatchNorm? BatchNorm, int Index, MaxPool2d? PoolBeforeNorm = null, MaxPool2d? PoolAfterNorm = null)
{
    /// <summary>The operation: dense, convolution, or a residual block (whose body starts with <see cref="Layer"/>).</summary>
    public KindOperation Operation => ResidualModule is not null ? (Layer is ShiftLayerBase ? KindOperation.ShiftResidual : KindOperation.Residual)
        : Layer is Conv2d ? KindOperation.Conv : KindOperation.Dense;

    /// <summary>The residual module of a residual block, or null.</summary>
    public Residual? ResidualModule { get; init; }

    /// <summary>A residual body's second convolution (conv, batch norm, activation, conv, batch norm), or null.</summary>
    public Conv2d? SecondConv { get; init; }

    /// <summary>The batch norm after <see cref="SecondConv"/>, or null.</summary>
    public BatchNorm? SecondNorm { get; init; }

    /// <summary>The activation between the two convolutions of a residual body, or none.</summary>
    public Format.RealActivation InnerActivation { get; init; }

    /// <summary>The activation after the block (relu or hard tanh), or none.</summary>
    public Format.RealActivation Activation { get; init; }

    /// <summary>Dense head: global average pooling before the dense layer.</summary>
    public bool GlobalPool { get; init; }

    /// <summary>Dense head: a batch norm between the pooling and the dense layer, or null.</summary>
    public BatchNorm? NormBefore { get; init; }

    /// <summary>Whether the block takes the real-valued stream itself (its own layers quantize it): residual blocks.</summary>
    public bool TakesReals => ResidualModule is not null;

    /// <summary>The dense layer.</summary>
    public Linear Linear => Layer as Linear ?? throw new InvalidOperationException($"Layer {Index} is not a dense layer.");

    /// <summary>The convolution.</summary>
    public Conv2d Conv => Layer as Conv2d ?? throw new InvalidOperationException($"Layer {Index} is not a convolution.");

    /// <summary>The shift layer (shift conv or Shift Attention Layer).</summary>
    public ShiftLayerBase Shift => Layer as ShiftLayerBase ?? throw new InvalidOperationException($"Layer {Index} is not a shift layer.");

    /// <summary>Dense blocks: (layer, batch norm, index).</summary>
    public void Deconstruct(out Linear linear, out BatchNorm? batchNorm, out int index)
    {
        linear = Linear;
        batchNorm = BatchNorm;
        index = Index;
    }
}

/// <summary>
/// Everything the exporter of one kind sees: the block, the next block (whose input quantizer is this layer's head),
/// what arrives (the pixels or the previous layer's output, with the float value of every code and the plane scales),
/// and the families of the weights and of the head.
/// </summary>
internal sealed record ExportSite(ExportBlock Block, ExportBlock? Next, ActivationSpec Input, float[] InputLevels, float[] InputScales,
    float[] PixelTable, QuantizerCode Weights, QuantizerCode Head)
{
    /// <summary>The dense layer.</summary>
    public Linear Linear => Block.Linear;

    /// <summary>"Layer i (Linear(...))" for messages.</summary>
    public string Name => $"Layer {Block.Index} ({Block.Layer.Describe()})";

    /// <summary>"Layer j (Linear(...))" of the next dense or convolution layer, for messages about the head.</summary>
    public string NextName => Next is null ? Name : $"Layer {Next.Index} ({Next.Layer.Describe()})";

    /// <summary>
    /// <paramref name="geometry"/> when the packed format can hold it; otherwise a <see cref="NotSupportedException"/> naming
    /// this layer (e.g. padding ≥ kernel, which training accepts but the packed convolutions do not), so that
    /// <c>lowbit summary</c> says "not packable" and <c>lowbit export</c> refuses with the reason instead of failing.
    /// </summary>
    public ConvGeometry Packable(ConvGeometry geometry)
    {
        try
        {
            geometry.Validate();
        }
        catch (ArgumentException e)
        {
            throw new NotSupportedException($"{Name}: the packed format cannot hold this convolution: {e.Message}", e);
        }
        return geometry;
    }
}

/// <summary>What a layer will be, known from the architecture alone: what it hands on and its bytes in the file.</summary>
internal readonly record struct LayerPlan(ActivationSpec Output, long Bytes);

/// <summary>The packed layers of a block (one, or a convolution and its pooling) and what the next layer receives: the float value of each output code and the plane scales (empty for signs).</summary>
internal sealed record ExportedLayer(IReadOnlyList<PackedLayer> Layers, float[] NextLevels, float[] NextScales)
{
    /// <summary>One packed layer.</summary>
    public ExportedLayer(PackedLayer layer, float[] nextLevels, float[] nextScales)
        : this([layer], nextLevels, nextScales)
    {
    }

    /// <summary>The last packed layer (its output is what the next block receives).</summary>
    public PackedLayer Last => Layers[^1];
}

/// <summary>
/// How a model's dense block becomes one packed kind. A kind is picked by the encoding arriving at the block
/// (<see cref="PackedLayerKind.Inputs"/>), the family of its weights (<see cref="Weights"/>) and the family of its head
/// (<see cref="Head"/>: the next layer's input quantizer, or the logits for the last layer).
/// </summary>
internal abstract class KindExport(CodeFamily weights, CodeFamily head, KindOperation operation = KindOperation.Dense, CodeFamily? alsoWeights = null)
{
    /// <summary>The operation the kind packs.</summary>
    public KindOperation Operation { get; } = operation;

    /// <summary>Weight family the kind packs.</summary>
    public CodeFamily Weights { get; } = weights;

    /// <summary>Whether the kind packs weights of <paramref name="family"/>.</summary>
    public bool PacksWeights(CodeFamily family) => family == Weights || family == alsoWeights;

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
