using Lowbit.Inference.Runtime;
using Lowbit.Inference.Runtime.Steps;
using Lowbit.Kernels.Bits;

namespace Lowbit.Inference.Format;

/// <summary>
/// Kind 12, a binary convolution with a real-valued shortcut (Bi-Real Net's block, Liu et al. 2018): the real input
/// map's signs (x ≥ 0 → +1), a binary convolution (±1 weights, ±1 padding) computed exactly by XNOR-popcount, then the
/// model's float32 batch norm, plus the shortcut of the real input, then an activation — the float steps with the
/// model's own operations, so the output map is the model's bit for bit.
/// </summary>
/// <remarks>Layout: <see cref="ConvHeader"/> (weight code 1, padding value ±1, flag bit 1 = batch norm), ±1 rows
/// <c>u64[O, ceil(C·k·k/64)]</c> in (ky, kx, c) order, <see cref="BatchNormParams"/> if bit 1, <see cref="ResidualShortcut"/>,
/// <c>u32</c> activation (<see cref="RealActivation"/>).</remarks>
public sealed class BinaryResidualConvLayer : PackedLayer
{
    internal const byte KindCode = 12;
    internal const byte FlagBatchNorm = 2;

    /// <summary>Creates and validates the layer.</summary>
    /// <exception cref="ArgumentException">A size disagrees, padding bits are set, or the shortcut does not fit.</exception>
    public BinaryResidualConvLayer(ConvGeometry geometry, ulong[] weights, BatchNormParams? batchNorm, ResidualShortcut shortcut, RealActivation activation)
    {
        ArgumentNullException.ThrowIfNull(geometry);
        ArgumentNullException.ThrowIfNull(weights);
        ArgumentNullException.ThrowIfNull(shortcut);
        geometry.Validate();
        if (geometry.PadValue is not (1f or -1f))
            throw new ArgumentException($"A binary convolution pads its ±1 input with +1 or −1, not {geometry.PadValue}.", nameof(geometry));
        int k = geometry.PatchSize, words = BitLayout.WordsPerRow(k);
        if (weights.Length != (long)geometry.OutChannels * words)
            throw new ArgumentException($"Packed weights of a {geometry} convolution need {(long)geometry.OutChannels * words} words but {weights.Length} were given.", nameof(weights));
        for (int o = 0; o < geometry.OutChannels; o++)
            if ((weights[(o + 1) * words - 1] & ~BitLayout.LastWordMask(k)) != 0)
                throw new ArgumentException($"Packed weight row {o} has non-zero padding bits past {k} inputs.", nameof(weights));
        if (batchNorm is not null && batchNorm.Channels != geometry.OutChannels)
            throw new ArgumentException($"The batch norm has {batchNorm.Channels} channels; the convolution produces {geometry.OutChannels}.", nameof(batchNorm));
        shortcut.Validate(geometry.InChannels, geometry.InHeight, geometry.InWidth, geometry.OutChannels, geometry.OutHeight, geometry.OutWidth);
        if (!Enum.IsDefined(activation)) throw new ArgumentException($"Activation {activation} is not defined.", nameof(activation));
        Geometry = geometry;
        Weights = weights;
        BatchNorm = batchNorm;
        Shortcut = shortcut;
        Activation = activation;
    }

    /// <summary>Shapes, kernel, stride and padding.</summary>
    public ConvGeometry Geometry { get; }

    /// <summary>Packed ±1 rows <c>[O, WordsPerRow(C·k·k)]</c>, (ky, kx, c) order.</summary>
    public ulong[] Weights { get; }

    /// <summary>The batch norm after the convolution, or null.</summary>
    public BatchNormParams? BatchNorm { get; }

    /// <summary>The shortcut added to the branch.</summary>
    public ResidualShortcut Shortcut { get; }

    /// <summary>The activation after the sum.</summary>
    public RealActivation Activation { get; }

    /// <inheritdoc/>
    public override byte Kind => KindCode;

    /// <inheritdoc/>
    public override ActivationSpec Input => ActivationSpec.Reals(Geometry.InChannels, Geometry.InHeight, Geometry.InWidth);

    /// <inheritdoc/>
    public override ActivationSpec Output => ActivationSpec.Reals(Geometry.OutChannels, Geometry.OutHeight, Geometry.OutWidth);

    /// <inheritdoc/>
    public override long ByteSize => Size(Geometry, BatchNorm?.Gamma is not null, BatchNorm is not null);

    /// <summary>Bytes of a kind-12 layer.</summary>
    internal static long Size(ConvGeometry g, bool affine, bool hasBatchNorm) =>
        ConvHeader.Size + ConvHeader.WeightBytes(g, ConvHeader.SignWeights) + (hasBatchNorm ? BatchNormParams.Size(g.OutChannels, affine) : 0) + ResidualShortcut.Size + 4;

    internal override void Write(ref PackedWriter writer)
    {
        new ConvHeader(KindCode, BatchNorm is null ? (byte)0 : FlagBatchNorm, ConvHeader.SignWeights, Geometry).Write(ref writer);
        writer.U64(Weights);
        BatchNorm?.Write(ref writer);
        Shortcut.Write(ref writer);
        writer.U32((uint)Activation);
    }

    internal static PackedLayer Read(ref PackedModelReader reader, in LayerReadContext context)
    {
        int start = reader.Offset, index = context.Index;
        var header = ConvHeader.Read(ref reader, context, FlagBatchNorm);
        var g = header.Geometry;
        if (header.WeightCode != ConvHeader.SignWeights) throw reader.Error(start + 2, $"layer {index} weight code {header.WeightCode}; kind 12 has ±1 weights (1).");
        var weights = reader.ReadWeights(index, g.PatchSize, g.OutChannels, 1);
        var batchNorm = (header.Flags & FlagBatchNorm) != 0 ? BatchNormParams.Read(ref reader, g.OutChannels, index) : null;
        var shortcut = ResidualShortcut.Read(ref reader, index);
        return new BinaryResidualConvLayer(g, weights, batchNorm, shortcut, RealActivations.Read(ref reader, index));
    }

    internal override LayerStep CreateStep(StepContext context) => new BinaryResidualConvStep(this, context);
}
