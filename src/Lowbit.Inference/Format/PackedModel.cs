namespace Lowbit.Inference.Format;

/// <summary>
/// A packed network on 8-bit input images, one of three chains: binary (a <see cref="ByteSignDenseLayer"/>, any number
/// of <see cref="BinarySignDenseLayer"/>s and a <see cref="BinaryOutputDenseLayer"/>), k-bit codes (any number of
/// <see cref="PlaneThresholdDenseLayer"/>s, the first on the 8-bit pixels, and a <see cref="PlaneOutputDenseLayer"/>) or
/// residual/HBB planes (any number of <see cref="ResidualThresholdDenseLayer"/>s, the first on the 8-bit pixels, and a
/// <see cref="ResidualOutputDenseLayer"/>).
/// Stored by <see cref="PackedModelFile"/>.
/// </summary>
public sealed class PackedModel
{
    /// <summary>Number of entries in <see cref="PixelTable"/>: one per byte value.</summary>
    public const int PixelTableSize = 256;

    /// <summary>Creates and validates the model.</summary>
    /// <param name="inputShape">Per-example input shape [channels, height, width] of the 8-bit images.</param>
    /// <param name="pixelTable">The float32 value the model sees for each byte value (its input normalisation, shared by all channels).</param>
    /// <param name="metadata">Free-form UTF-8 JSON describing the source (name, dataset); may be empty.</param>
    /// <param name="layers">The layers in order.</param>
    /// <exception cref="ArgumentException">The layers do not form a supported chain or the table is invalid.</exception>
    public PackedModel(int[] inputShape, float[] pixelTable, string metadata, IReadOnlyList<PackedDenseLayer> layers)
    {
        ArgumentNullException.ThrowIfNull(inputShape);
        ArgumentNullException.ThrowIfNull(pixelTable);
        ArgumentNullException.ThrowIfNull(metadata);
        ArgumentNullException.ThrowIfNull(layers);
        if (inputShape.Length != 3 || inputShape.Any(d => d < 1))
            throw new ArgumentException($"Input shape must be [channels, height, width] with positive sizes, got [{string.Join(", ", inputShape)}].", nameof(inputShape));
        if (pixelTable.Length != PixelTableSize)
            throw new ArgumentException($"The pixel table needs {PixelTableSize} entries but has {pixelTable.Length}.", nameof(pixelTable));
        for (int p = 0; p < pixelTable.Length; p++)
            if (!float.IsFinite(pixelTable[p])) throw new ArgumentException($"Pixel table entry {p} is {pixelTable[p]}; it must be finite.", nameof(pixelTable));
        ValidateChain(inputShape, pixelTable, layers);
        InputShape = (int[])inputShape.Clone();
        PixelTable = pixelTable;
        Metadata = metadata;
        Layers = layers.ToArray();
    }

    /// <summary>Per-example input shape [channels, height, width].</summary>
    public int[] InputShape { get; }

    /// <summary>Bytes per input image: channels·height·width.</summary>
    public int InputSize => InputShape[0] * InputShape[1] * InputShape[2];

    /// <summary>The float32 input value for each byte value.</summary>
    public float[] PixelTable { get; }

    /// <summary>Free-form JSON metadata (e.g. {"name": ..., "dataset": ...}).</summary>
    public string Metadata { get; }

    /// <summary>The layers in order.</summary>
    public IReadOnlyList<PackedDenseLayer> Layers { get; }

    /// <summary>Whether this is a k-bit code network (<see cref="PlaneDenseLayer"/>s) rather than a binary one.</summary>
    public bool IsPlaneModel => Layers[0] is PlaneDenseLayer;

    /// <summary>Whether this is a residual (HBB) network (<see cref="ResidualDenseLayer"/>s).</summary>
    public bool IsResidualModel => Layers[0] is ResidualDenseLayer;

    /// <summary>Number of classes (outputs of the last layer).</summary>
    public int Classes => Layers[^1].OutFeatures;

    private static void ValidateChain(int[] inputShape, float[] pixelTable, IReadOnlyList<PackedDenseLayer> layers)
    {
        if (layers.Count < 2)
            throw new ArgumentException($"A packed model needs a first (byte-input) layer and an output layer; got {layers.Count} layer(s).", nameof(layers));
        long inputSize = (long)inputShape[0] * inputShape[1] * inputShape[2];
        bool planes = layers[0] is PlaneDenseLayer, residual = layers[0] is ResidualDenseLayer;
        for (int i = 0; i < layers.Count; i++)
        {
            var layer = layers[i] ?? throw new ArgumentException($"Layer {i} is null.", nameof(layers));
            bool last = i == layers.Count - 1;
            string expected = planes
                ? (last ? nameof(PlaneOutputDenseLayer) : nameof(PlaneThresholdDenseLayer))
                : residual
                    ? (last ? nameof(ResidualOutputDenseLayer) : nameof(ResidualThresholdDenseLayer))
                    : (i == 0 ? nameof(ByteSignDenseLayer) : last ? nameof(BinaryOutputDenseLayer) : nameof(BinarySignDenseLayer));
            if (layer.GetType().Name != expected)
                throw new ArgumentException($"Layer {i} is a {layer.GetType().Name}; expected {expected} there.", nameof(layers));
            long expectedIn = i == 0 ? inputSize : layers[i - 1].OutFeatures;
            if (layer.InFeatures != expectedIn)
                throw new ArgumentException($"Layer {i} has {layer.InFeatures} inputs but receives {expectedIn}.", nameof(layers));
            if (layer is PlaneDenseLayer plane) ValidatePlaneInput(i, plane, i == 0 ? null : (PlaneThresholdDenseLayer)layers[i - 1], pixelTable);
            if (layer is ResidualDenseLayer r)
            {
                int expectedPlanes = i == 0 ? 0 : ((ResidualThresholdDenseLayer)layers[i - 1]).OutputPlanes;
                if (r.InputPlanes != expectedPlanes)
                    throw new ArgumentException(i == 0
                        ? $"Layer 0 must take the 8-bit pixels (input planes 0) but has {r.InputPlanes} input planes."
                        : $"Layer {i} takes {r.InputPlanes} input planes but layer {i - 1} produces {expectedPlanes}.", nameof(layers));
            }
        }
    }

    private static void ValidatePlaneInput(int index, PlaneDenseLayer layer, PlaneThresholdDenseLayer? previous, float[] pixelTable)
    {
        if (previous is null)
        {
            if (layer.InputBits != 8 || !layer.InputLevels.AsSpan().SequenceEqual(pixelTable))
                throw new ArgumentException($"Layer 0 must take the 8-bit pixels: input bits 8 (has {layer.InputBits}) and input levels equal to the pixel table.", "layers");
        }
        else if (layer.InputBits != previous.OutputBits)
        {
            throw new ArgumentException($"Layer {index} takes {layer.InputBits}-bit input codes but layer {index - 1} produces {previous.OutputBits}-bit codes.", "layers");
        }
    }
}
