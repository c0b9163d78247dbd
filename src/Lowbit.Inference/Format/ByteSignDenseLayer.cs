using Lowbit.Inference.Runtime;
using Lowbit.Inference.Runtime.Steps;

namespace Lowbit.Inference.Format;

/// <summary>
/// Kind 1, first layer on 8-bit pixels: real inputs x = table[p] (the model's own normalisation), ±1 weights, and the
/// batch norm + sign of the next layer's input quantizer folded into one float threshold per unit.
/// </summary>
/// <remarks>
/// Unit j outputs +1 iff <c>y_j ≥ Thresholds[j]</c>, where <c>y_j = Σ_t w'_{j,t}·x_t</c> is the float32 dot product
/// the training-time model computes (same kernel, same rounding) with the stored weights w'. Rows whose batch-norm
/// scale is negative are stored negated (w' = −w), which turns "y ≤ τ" into "−y ≥ −τ"; a constant unit has
/// threshold −∞ (always +1) or +∞ (always −1). Layout: header, packed ±1 weights, <c>f32 thresholds[M]</c>.
/// See docs/FORMAT.md and <c>ThresholdFolding</c>.
/// </remarks>
public sealed class ByteSignDenseLayer : PackedDenseLayer
{
    internal const byte KindCode = 1;

    /// <summary>Creates the layer.</summary>
    /// <exception cref="ArgumentException">Sizes disagree or a threshold is NaN.</exception>
    public ByteSignDenseLayer(int inFeatures, int outFeatures, ulong[] weights, float[] thresholds)
        : base(inFeatures, outFeatures, weights)
    {
        ArgumentNullException.ThrowIfNull(thresholds);
        if (thresholds.Length != outFeatures)
            throw new ArgumentException($"Expected {outFeatures} thresholds but got {thresholds.Length}.", nameof(thresholds));
        for (int j = 0; j < thresholds.Length; j++)
            if (float.IsNaN(thresholds[j])) throw new ArgumentException($"Threshold of unit {j} is NaN.", nameof(thresholds));
        Thresholds = thresholds;
    }

    /// <summary>Float thresholds τ'_j on the (possibly negated) float dot product.</summary>
    public float[] Thresholds { get; }

    /// <inheritdoc/>
    public override byte Kind => KindCode;

    /// <inheritdoc/>
    public override ActivationSpec Input => ActivationSpec.Pixels(InFeatures);

    /// <inheritdoc/>
    public override ActivationSpec Output => ActivationSpec.Signs(OutFeatures);

    /// <inheritdoc/>
    public override long ByteSize => Size(InFeatures, OutFeatures);

    /// <summary>Bytes of a kind-1 layer.</summary>
    internal static long Size(int inFeatures, int outFeatures) => DenseHeader.Size + WeightBytes(inFeatures, outFeatures, 1) + 4L * outFeatures;

    internal override void Write(ref PackedWriter writer)
    {
        DenseHeader.Write(ref writer, KindCode, 0, 0, 0, InFeatures, OutFeatures);
        writer.U64(Weights);
        writer.F32(Thresholds);
    }

    internal static PackedLayer Read(ref PackedModelReader reader, in LayerReadContext context)
    {
        DenseHeader.ReadHead(ref reader, context, 0).CheckReserved(ref reader, context);
        var (n, m) = DenseHeader.ReadFeatures(ref reader, context);
        var weights = reader.ReadWeights(context.Index, n, m, 1);
        return new ByteSignDenseLayer(n, m, weights, reader.ReadFloats(m, $"layer {context.Index} thresholds", allowInfinity: true));
    }

    /// <summary>
    /// The pixels must share one table that increases with the byte value: the runtime's integer path bounds the float
    /// dot product through one affine fit x ≈ a·p + b with a &gt; 0.
    /// </summary>
    internal override string? CheckInput(ActivationSpec arriving, float[] pixelTables)
    {
        if (arriving.Encoding != ActivationEncoding.Pixels) return base.CheckInput(arriving, pixelTables);
        if (!PackedModel.IsUniform(pixelTables)) return "takes the pixels through one pixel table, but the model's channels have different tables";
        if (!(Export.FirstLayerBound.Compute(pixelTables.AsSpan(0, PackedModel.PixelTableSize), InFeatures).A > 0))
            return "needs a pixel table that increases with the byte value (x ≈ a·p + b with a > 0)";
        return base.CheckInput(arriving, pixelTables);
    }

    internal override LayerStep CreateStep(StepContext context) => new ByteSignDenseStep(this, context);
}
