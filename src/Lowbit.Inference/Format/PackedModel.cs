namespace Lowbit.Inference.Format;

/// <summary>
/// A packed network on 8-bit input images: a chain of <see cref="PackedLayer"/>s, each consuming what the previous
/// one produces (the first one the pixels) and the last one producing the logits. Which kinds may follow which is
/// declared by the kinds themselves (<see cref="PackedLayer.Input"/>, <see cref="PackedLayer.Output"/>; docs/FORMAT.md).
/// Stored by <see cref="PackedModelFile"/>.
/// </summary>
public sealed class PackedModel
{
    /// <summary>Number of entries in <see cref="PixelTable"/>: one per byte value.</summary>
    public const int PixelTableSize = 256;

    /// <summary>Creates and validates the model.</summary>
    /// <param name="inputShape">Per-example input shape [channels, height, width] of the 8-bit images.</param>
    /// <param name="pixelTable">The float32 value the model sees for each byte value (its input normalisation): 256
    /// entries shared by all channels, or channels·256, channel c's table at c·256.</param>
    /// <param name="metadata">Free-form UTF-8 JSON describing the source (name, dataset); may be empty.</param>
    /// <param name="layers">The layers in order.</param>
    /// <exception cref="ArgumentException">The layers do not form a supported chain or the table is invalid.</exception>
    public PackedModel(int[] inputShape, float[] pixelTable, string metadata, IReadOnlyList<PackedLayer> layers)
    {
        ArgumentNullException.ThrowIfNull(inputShape);
        ArgumentNullException.ThrowIfNull(pixelTable);
        ArgumentNullException.ThrowIfNull(metadata);
        ArgumentNullException.ThrowIfNull(layers);
        if (inputShape.Length != 3 || inputShape.Any(d => d < 1))
            throw new ArgumentException($"Input shape must be [channels, height, width] with positive sizes, got [{string.Join(", ", inputShape)}].", nameof(inputShape));
        if (pixelTable.Length != PixelTableSize && pixelTable.Length != (long)PixelTableSize * inputShape[0])
            throw new ArgumentException($"The pixel table needs {PixelTableSize} entries (shared) or {PixelTableSize}·{inputShape[0]} (one per channel) but has {pixelTable.Length}.", nameof(pixelTable));
        for (int p = 0; p < pixelTable.Length; p++)
            if (!float.IsFinite(pixelTable[p])) throw new ArgumentException($"Pixel table entry {p} is {pixelTable[p]}; it must be finite.", nameof(pixelTable));
        var tables = pixelTable.Length == PixelTableSize && inputShape[0] > 1
            ? Enumerable.Repeat(pixelTable, inputShape[0]).SelectMany(t => t).ToArray()
            : pixelTable;
        ValidateChain(inputShape, tables, layers);
        InputShape = (int[])inputShape.Clone();
        PixelTables = tables;
        PixelTable = tables.AsSpan(0, PixelTableSize).ToArray();
        Metadata = metadata;
        Layers = layers.ToArray();
    }

    /// <summary>Per-example input shape [channels, height, width].</summary>
    public int[] InputShape { get; }

    /// <summary>Bytes per input image: channels·height·width.</summary>
    public int InputSize => InputShape[0] * InputShape[1] * InputShape[2];

    /// <summary>The float32 input value for each byte value of channel 0 (of every channel when <see cref="HasUniformPixelTable"/>).</summary>
    public float[] PixelTable { get; }

    /// <summary>The float32 input value for each byte value per channel, <c>[channels, 256]</c>.</summary>
    public float[] PixelTables { get; }

    /// <summary>Whether every channel has the same pixel table.</summary>
    public bool HasUniformPixelTable => IsUniform(PixelTables);

    /// <summary>Whether the per-channel tables <c>[channels, 256]</c> are all equal.</summary>
    internal static bool IsUniform(ReadOnlySpan<float> tables)
    {
        for (int c = PixelTableSize; c < tables.Length; c += PixelTableSize)
            if (!tables.Slice(c, PixelTableSize).SequenceEqual(tables[..PixelTableSize])) return false;
        return true;
    }

    /// <summary>Free-form JSON metadata (e.g. {"name": ..., "dataset": ...}).</summary>
    public string Metadata { get; }

    /// <summary>The layers in order.</summary>
    public IReadOnlyList<PackedLayer> Layers { get; }

    /// <summary>Whether this is a k-bit code network (<see cref="PlaneDenseLayer"/>s) rather than a binary one.</summary>
    public bool IsPlaneModel => Layers[0] is PlaneDenseLayer;

    /// <summary>Whether this is a residual (HBB) network (<see cref="ResidualDenseLayer"/>s).</summary>
    public bool IsResidualModel => Layers[0] is ResidualDenseLayer;

    /// <summary>Whether the last layer defines integer outputs (binary and k-bit output kinds: the dot products before bias and batch norm).</summary>
    public bool HasIntegerOutputs => Layers[^1] is BinaryOutputDenseLayer or PlaneOutputDenseLayer;

    /// <summary>Number of classes (outputs of the last layer).</summary>
    public int Classes => Layers[^1].Output.Count;

    private static void ValidateChain(int[] inputShape, float[] pixelTables, IReadOnlyList<PackedLayer> layers)
    {
        if (layers.Count < 2)
            throw new ArgumentException($"A packed model needs a first (byte-input) layer and an output layer; got {layers.Count} layer(s).", nameof(layers));
        var arriving = ActivationSpec.Pixels(inputShape[0], inputShape[1], inputShape[2]);
        for (int i = 0; i < layers.Count; i++)
        {
            var layer = layers[i] ?? throw new ArgumentException($"Layer {i} is null.", nameof(layers));
            var kind = PackedLayerKinds.Get(layer.Kind);
            bool last = i == layers.Count - 1;
            if (kind.IsOutput != last)
                throw new ArgumentException(last
                    ? $"Layer {i} (kind {kind.Code}, {kind.Name}) is last but does not produce the logits; the last layer must be an output kind."
                    : $"Layer {i} (kind {kind.Code}, {kind.Name}) produces the logits but is not last.", nameof(layers));
            if (layer.CheckInput(arriving, pixelTables) is string problem)
                throw new ArgumentException($"Layer {i} (kind {kind.Code}, {kind.Name}) {problem}{(i == 0 ? " (the model's pixels)" : $" from layer {i - 1}")}.", nameof(layers));
            arriving = layer.Output;
        }
    }
}
