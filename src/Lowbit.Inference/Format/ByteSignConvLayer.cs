using Lowbit.Inference.Runtime;
using Lowbit.Inference.Runtime.Steps;
using Lowbit.Kernels.Bits;

namespace Lowbit.Inference.Format;

/// <summary>
/// Kind 8, a convolution on the 8-bit pixels whose batch norm and the next layer's sign are folded into one float
/// threshold per output channel; its output is the ±1 feature map, channel-packed per pixel.
/// </summary>
/// <remarks>
/// The input values are the model's per-channel pixel tables; y[o, oy, ox] is the float32 convolution the training
/// model computes (the same Lowbit kernels: its padding value, then <c>Tensor.Conv2d</c> with the bias), and the output
/// is +1 iff z ≥ τ_o with z = y or −y by the channel's direction (−y where batch norm's scale is negative); τ may be
/// ±∞. Layout: <see cref="ConvHeader"/> (weight code 1 when every weight is ±1, stored as packed rows of C·k·k bits in
/// [C, k, k] order; else float32 [O, C, k, k]), <c>f32 bias[O]</c> if flag bit 0, <c>u8 direction[O]</c>,
/// <c>f32 thresholds[O]</c>.
/// </remarks>
public sealed class ByteSignConvLayer : PackedLayer
{
    internal const byte KindCode = 8;

    /// <summary>Creates and validates the layer.</summary>
    /// <param name="geometry">Shapes, kernel, stride and padding.</param>
    /// <param name="weights">The effective float32 weights <c>[O, C, k, k]</c>.</param>
    /// <param name="bias">Bias per output channel, or null.</param>
    /// <param name="negated">Per output channel: compare −y.</param>
    /// <param name="thresholds">Per output channel: τ (±∞ allowed, never NaN).</param>
    /// <exception cref="ArgumentException">A size disagrees or a value is not finite.</exception>
    public ByteSignConvLayer(ConvGeometry geometry, float[] weights, float[]? bias, bool[] negated, float[] thresholds)
    {
        ArgumentNullException.ThrowIfNull(geometry);
        ArgumentNullException.ThrowIfNull(weights);
        geometry.Validate();
        if (weights.Length != (long)geometry.OutChannels * geometry.PatchSize)
            throw new ArgumentException($"A {geometry} convolution needs {(long)geometry.OutChannels * geometry.PatchSize} weights but {weights.Length} were given.", nameof(weights));
        for (int i = 0; i < weights.Length; i++)
            if (!float.IsFinite(weights[i])) throw new ArgumentException($"weights[{i}] is {weights[i]}; it must be finite.", nameof(weights));
        LogitsHead.Check(bias, null, null, geometry.OutChannels);
        LevelThresholds.Validate(geometry.OutChannels, 1, negated, thresholds);
        Geometry = geometry;
        Weights = weights;
        Bias = bias;
        Negated = negated;
        Thresholds = thresholds;
    }

    /// <summary>Shapes, kernel, stride and padding.</summary>
    public ConvGeometry Geometry { get; }

    /// <summary>The float32 weights <c>[O, C, k, k]</c>.</summary>
    public float[] Weights { get; }

    /// <summary>Bias per output channel, or null.</summary>
    public float[]? Bias { get; }

    /// <summary>Per output channel: compare −y (batch-norm scale negative).</summary>
    public bool[] Negated { get; }

    /// <summary>Per output channel: the threshold τ.</summary>
    public float[] Thresholds { get; }

    /// <summary>Whether every weight is ±1 (stored packed).</summary>
    public bool HasSignWeights => Weights.All(w => w is 1f or -1f);

    /// <inheritdoc/>
    public override byte Kind => KindCode;

    /// <inheritdoc/>
    public override ActivationSpec Input => ActivationSpec.Pixels(Geometry.InChannels, Geometry.InHeight, Geometry.InWidth);

    /// <inheritdoc/>
    public override ActivationSpec Output => ActivationSpec.Signs(Geometry.OutChannels, Geometry.OutHeight, Geometry.OutWidth);

    /// <inheritdoc/>
    public override long ByteSize => Size(Geometry, HasSignWeights, Bias is not null);

    /// <summary>Bytes of a kind-8 layer.</summary>
    internal static long Size(ConvGeometry geometry, bool signWeights, bool hasBias) =>
        ConvHeader.Size + ConvHeader.WeightBytes(geometry, signWeights ? ConvHeader.SignWeights : ConvHeader.FloatWeights)
        + (hasBias ? 4L : 0) * geometry.OutChannels + 5L * geometry.OutChannels;

    internal override void Write(ref PackedWriter writer)
    {
        bool signs = HasSignWeights;
        new ConvHeader(KindCode, Bias is null ? (byte)0 : ConvHeader.FlagBias, signs ? ConvHeader.SignWeights : ConvHeader.FloatWeights, Geometry).Write(ref writer);
        if (signs)
        {
            var packed = new ulong[Geometry.OutChannels * BitLayout.WordsPerRow(Geometry.PatchSize)];
            BitPacking.PackSigns(Weights, Geometry.OutChannels, Geometry.PatchSize, packed);
            writer.U64(packed);
        }
        else
        {
            writer.F32(Weights);
        }
        if (Bias is not null) writer.F32(Bias);
        foreach (bool n in Negated) writer.U8(n ? (byte)1 : (byte)0);
        writer.F32(Thresholds);
    }

    internal static PackedLayer Read(ref PackedModelReader reader, in LayerReadContext context)
    {
        var header = ConvHeader.Read(ref reader, context, ConvHeader.FlagBias);
        var g = header.Geometry;
        int index = context.Index;
        float[] weights = ConvWeights.Read(ref reader, header, index);
        var bias = (header.Flags & ConvHeader.FlagBias) != 0 ? reader.ReadFloats(g.OutChannels, $"layer {index} bias", false) : null;
        var negated = ConvWeights.ReadDirections(ref reader, g.OutChannels, index);
        var thresholds = reader.ReadFloats(g.OutChannels, $"layer {index} thresholds", allowInfinity: true);
        return new ByteSignConvLayer(g, weights, bias, negated, thresholds);
    }

    internal override LayerStep CreateStep(StepContext context) => new ByteSignConvStep(this, context);
}
