using Lowbit.Inference.Runtime;
using Lowbit.Inference.Runtime.Steps;
using Lowbit.Kernels.Bits;

namespace Lowbit.Inference.Format;

/// <summary>
/// Kind 11, a real-valued first convolution: the pixels through the per-channel tables, the convolution (float32 or ±1
/// weights, bias), an optional batch norm and an activation, all with the training model's own operations
/// (<c>Tensor.Pad2d</c>, <c>Tensor.Conv2d</c>, <c>Tensor.BatchNorm</c>, <c>Tensor.Relu</c>/<c>HardTanh</c>), so its
/// float32 output map is the model's bit for bit. It starts the real-valued stream of networks with real shortcuts.
/// </summary>
/// <remarks>Layout: <see cref="ConvHeader"/> (flag bit 0 = bias, bit 1 = batch norm), weights as kind 8,
/// <c>f32 bias[O]</c> if bit 0, <see cref="BatchNormParams"/> if bit 1, <c>u32</c> activation (<see cref="RealActivation"/>).</remarks>
public sealed class ByteRealConvLayer : PackedLayer
{
    internal const byte KindCode = 11;
    internal const byte FlagBatchNorm = 2;

    /// <summary>Creates and validates the layer.</summary>
    /// <exception cref="ArgumentException">A size disagrees or a value is not finite.</exception>
    public ByteRealConvLayer(ConvGeometry geometry, float[] weights, float[]? bias, BatchNormParams? batchNorm, RealActivation activation)
    {
        ArgumentNullException.ThrowIfNull(geometry);
        ArgumentNullException.ThrowIfNull(weights);
        geometry.Validate();
        if (weights.Length != (long)geometry.OutChannels * geometry.PatchSize)
            throw new ArgumentException($"A {geometry} convolution needs {(long)geometry.OutChannels * geometry.PatchSize} weights but {weights.Length} were given.", nameof(weights));
        for (int i = 0; i < weights.Length; i++)
            if (!float.IsFinite(weights[i])) throw new ArgumentException($"weights[{i}] is {weights[i]}; it must be finite.", nameof(weights));
        LogitsHead.Check(bias, null, null, geometry.OutChannels);
        if (batchNorm is not null && batchNorm.Channels != geometry.OutChannels)
            throw new ArgumentException($"The batch norm has {batchNorm.Channels} channels; the convolution produces {geometry.OutChannels}.", nameof(batchNorm));
        if (!Enum.IsDefined(activation)) throw new ArgumentException($"Activation {activation} is not defined.", nameof(activation));
        Geometry = geometry;
        Weights = weights;
        Bias = bias;
        BatchNorm = batchNorm;
        Activation = activation;
    }

    /// <summary>Shapes, kernel, stride and padding.</summary>
    public ConvGeometry Geometry { get; }

    /// <summary>The float32 weights <c>[O, C, k, k]</c>.</summary>
    public float[] Weights { get; }

    /// <summary>Bias per output channel, or null.</summary>
    public float[]? Bias { get; }

    /// <summary>The batch norm after the convolution, or null.</summary>
    public BatchNormParams? BatchNorm { get; }

    /// <summary>The activation last.</summary>
    public RealActivation Activation { get; }

    private bool SignWeights => Weights.All(w => w is 1f or -1f);

    /// <inheritdoc/>
    public override byte Kind => KindCode;

    /// <inheritdoc/>
    public override ActivationSpec Input => ActivationSpec.Pixels(Geometry.InChannels, Geometry.InHeight, Geometry.InWidth);

    /// <inheritdoc/>
    public override ActivationSpec Output => ActivationSpec.Reals(Geometry.OutChannels, Geometry.OutHeight, Geometry.OutWidth);

    /// <inheritdoc/>
    public override long ByteSize => Size(Geometry, SignWeights, Bias is not null, BatchNorm?.Gamma is not null, BatchNorm is not null);

    /// <summary>Bytes of a kind-11 layer.</summary>
    internal static long Size(ConvGeometry g, bool signWeights, bool hasBias, bool affine, bool hasBatchNorm) =>
        ConvHeader.Size + ConvHeader.WeightBytes(g, signWeights ? ConvHeader.SignWeights : ConvHeader.FloatWeights) + (hasBias ? 4L * g.OutChannels : 0)
        + (hasBatchNorm ? BatchNormParams.Size(g.OutChannels, affine) : 0) + 4;

    internal override void Write(ref PackedWriter writer)
    {
        bool signs = SignWeights;
        byte flags = (byte)((Bias is null ? 0 : ConvHeader.FlagBias) | (BatchNorm is null ? 0 : FlagBatchNorm));
        new ConvHeader(KindCode, flags, signs ? ConvHeader.SignWeights : ConvHeader.FloatWeights, Geometry).Write(ref writer);
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
        BatchNorm?.Write(ref writer);
        writer.U32((uint)Activation);
    }

    internal static PackedLayer Read(ref PackedModelReader reader, in LayerReadContext context)
    {
        var header = ConvHeader.Read(ref reader, context, ConvHeader.FlagBias | FlagBatchNorm);
        var g = header.Geometry;
        int index = context.Index;
        var weights = ConvWeights.Read(ref reader, header, index);
        var bias = (header.Flags & ConvHeader.FlagBias) != 0 ? reader.ReadFloats(g.OutChannels, $"layer {index} bias", false) : null;
        var batchNorm = (header.Flags & FlagBatchNorm) != 0 ? BatchNormParams.Read(ref reader, g.OutChannels, index) : null;
        return new ByteRealConvLayer(g, weights, bias, batchNorm, RealActivations.Read(ref reader, index));
    }

    internal override LayerStep CreateStep(StepContext context) => new ByteRealConvStep(this, context);
}
