using Lowbit.Inference.Runtime;
using Lowbit.Inference.Runtime.Steps;

namespace Lowbit.Inference.Format;

/// <summary>
/// Kind 14, a residual block of two k-bit convolutions on the real-valued stream (DoReFa-Net's ResNet block, Zhou et al.
/// 2016): the real input quantized to k₁-bit codes, convolution 1 on the codes (m₁-bit weight codes) with its batch norm
/// and the next activation quantizer folded into 2^k₂ − 1 thresholds per output channel, convolution 2 on those codes
/// (m₂-bit weights), its batch norm, the shortcut of the real input, the sum and an activation.
/// </summary>
/// <remarks>
/// <para>Input codes: a = #{l : x ≥ τ_l} with the non-decreasing input thresholds τ (the activation quantizer folded on
/// x), whose float32 value is X₁[a]. Convolution 1 is decided from exact integer code products (bit-serial
/// AND-popcount over code im2col rows) with the rigorous bound of <see cref="CodeProductBound"/>; where a threshold is
/// within the bound the image's convolution is recomputed with the model's own operations. Convolution 2, batch norm,
/// shortcut, sum and activation run with the model's own tensor operations on the levels, so the output map is the
/// model's bit for bit. Both convolutions pad with 0, which must be the level of code 0.</para>
/// <para>Layout: <see cref="ConvHeader"/> of convolution 1 (weight code 2, flag bit 1 = batch norm 2); <c>u8</c> k₁, m₁,
/// k₂, m₂; <c>f32</c> input thresholds[2^k₁ − 1], <c>f32</c> X₁[2^k₁]; <c>f32</c> W₁[2^m₁], planes <c>u64[O₁, m₁,
/// ceil(K₁/64)]</c> ([C, k, k] order); <c>u8</c> direction[O₁], <c>f32</c> thresholds[O₁, 2^k₂ − 1]; <c>f32</c> X₂[2^k₂];
/// convolution 2: <c>u32</c> O₂, kernel, stride, padding as bytes and 0, <c>f32</c> padding value; <c>f32</c> W₂[2^m₂],
/// planes <c>u64[O₂, m₂, ceil(K₂/64)]</c>; batch norm 2 if bit 1; <see cref="ResidualShortcut"/>; <c>u32</c> activation.</para>
/// </remarks>
public sealed class KBitResidualBlockLayer : PackedLayer
{
    internal const byte KindCode = 14;
    internal const byte FlagBatchNorm = 2;

    /// <summary>Creates and validates the block.</summary>
    /// <exception cref="ArgumentException">A size, table, threshold order, geometry or shortcut is inconsistent.</exception>
    public KBitResidualBlockLayer(ConvGeometry conv1, KBitConv weights1, float[] inputThresholds, float[] inputLevels, bool[] negated1, float[] thresholds1,
        float[] inputLevels2, ConvGeometry conv2, KBitConv weights2, BatchNormParams? batchNorm2, ResidualShortcut shortcut, RealActivation activation)
    {
        ArgumentNullException.ThrowIfNull(conv1);
        ArgumentNullException.ThrowIfNull(weights1);
        ArgumentNullException.ThrowIfNull(inputThresholds);
        ArgumentNullException.ThrowIfNull(inputLevels);
        ArgumentNullException.ThrowIfNull(inputLevels2);
        ArgumentNullException.ThrowIfNull(conv2);
        ArgumentNullException.ThrowIfNull(weights2);
        ArgumentNullException.ThrowIfNull(shortcut);
        conv1.Validate();
        conv2.Validate();
        int k1 = Bits(inputLevels, nameof(inputLevels)), k2 = Bits(inputLevels2, nameof(inputLevels2));
        LevelThresholds.Validate(1, (1 << k1) - 1, [false], inputThresholds);
        if (conv2.InChannels != conv1.OutChannels || conv2.InHeight != conv1.OutHeight || conv2.InWidth != conv1.OutWidth)
            throw new ArgumentException($"Convolution 2 takes [{conv2.InChannels}, {conv2.InHeight}, {conv2.InWidth}] but convolution 1 gives [{conv1.OutChannels}, {conv1.OutHeight}, {conv1.OutWidth}].", nameof(conv2));
        if (conv1.PadValue != 0 || conv2.PadValue != 0 || (conv1.Padding > 0 && inputLevels[0] != 0) || (conv2.Padding > 0 && inputLevels2[0] != 0))
            throw new ArgumentException("k-bit convolutions pad with 0, which must be the level of code 0.", nameof(conv1));
        weights1.Validate(conv1, k1, nameof(weights1));
        weights2.Validate(conv2, k2, nameof(weights2));
        LevelThresholds.Validate(conv1.OutChannels, (1 << k2) - 1, negated1, thresholds1);
        if (batchNorm2 is not null && batchNorm2.Channels != conv2.OutChannels)
            throw new ArgumentException($"Batch norm 2 has {batchNorm2.Channels} channels; convolution 2 produces {conv2.OutChannels}.", nameof(batchNorm2));
        shortcut.Validate(conv1.InChannels, conv1.InHeight, conv1.InWidth, conv2.OutChannels, conv2.OutHeight, conv2.OutWidth);
        if (!Enum.IsDefined(activation)) throw new ArgumentException($"Activation {activation} is not defined.", nameof(activation));
        (Conv1, Weights1, InputThresholds, InputLevels, Negated1, Thresholds1) = (conv1, weights1, inputThresholds, inputLevels, negated1, thresholds1);
        (InputLevels2, Conv2, Weights2, BatchNorm2, Shortcut, Activation) = (inputLevels2, conv2, weights2, batchNorm2, shortcut, activation);
    }

    /// <summary>Convolution 1's geometry (input: the block's real map).</summary>
    public ConvGeometry Conv1 { get; }

    /// <summary>Convolution 1's weight codes and levels.</summary>
    public KBitConv Weights1 { get; }

    /// <summary>Thresholds on the real input: code = #{l : x ≥ τ_l}.</summary>
    public float[] InputThresholds { get; }

    /// <summary>X₁: the float32 value of each input code.</summary>
    public float[] InputLevels { get; }

    /// <summary>Convolution 1: per output channel, compare −y.</summary>
    public bool[] Negated1 { get; }

    /// <summary>Convolution 1: thresholds <c>[O₁, 2^k₂ − 1]</c> (batch norm 1 and convolution 2's input quantizer folded).</summary>
    public float[] Thresholds1 { get; }

    /// <summary>X₂: the float32 value of each code convolution 2 takes.</summary>
    public float[] InputLevels2 { get; }

    /// <summary>Convolution 2's geometry.</summary>
    public ConvGeometry Conv2 { get; }

    /// <summary>Convolution 2's weight codes and levels.</summary>
    public KBitConv Weights2 { get; }

    /// <summary>Batch norm after convolution 2, or null.</summary>
    public BatchNormParams? BatchNorm2 { get; }

    /// <summary>The shortcut of the real input.</summary>
    public ResidualShortcut Shortcut { get; }

    /// <summary>The activation after the sum.</summary>
    public RealActivation Activation { get; }

    /// <summary>Bits of the input codes (k₁).</summary>
    public int InputBits => BitsOf(InputLevels.Length);

    /// <summary>Bits of convolution 2's input codes (k₂).</summary>
    public int MiddleBits => BitsOf(InputLevels2.Length);

    /// <inheritdoc/>
    public override byte Kind => KindCode;

    /// <inheritdoc/>
    public override ActivationSpec Input => ActivationSpec.Reals(Conv1.InChannels, Conv1.InHeight, Conv1.InWidth);

    /// <inheritdoc/>
    public override ActivationSpec Output => ActivationSpec.Reals(Conv2.OutChannels, Conv2.OutHeight, Conv2.OutWidth);

    /// <inheritdoc/>
    public override long ByteSize => Size(Conv1, Conv2, InputBits, Weights1.Bits, MiddleBits, Weights2.Bits, BatchNorm2?.Gamma is not null, BatchNorm2 is not null);

    /// <summary>Bytes of a kind-14 layer.</summary>
    internal static long Size(ConvGeometry conv1, ConvGeometry conv2, int k1, int m1, int k2, int m2, bool affine, bool hasBatchNorm) =>
        ConvHeader.Size + 4 + 4L * ((1 << k1) - 1) + 4L * (1 << k1) + KBitConv.Size(conv1, m1)
        + conv1.OutChannels + 4L * conv1.OutChannels * ((1 << k2) - 1) + 4L * (1 << k2)
        + 12 + KBitConv.Size(conv2, m2) + (hasBatchNorm ? BatchNormParams.Size(conv2.OutChannels, affine) : 0) + ResidualShortcut.Size + 4;

    internal override void Write(ref PackedWriter writer)
    {
        new ConvHeader(KindCode, BatchNorm2 is null ? (byte)0 : FlagBatchNorm, ConvHeader.CodeWeights, Conv1).Write(ref writer);
        writer.U32((uint)InputBits | (uint)Weights1.Bits << 8 | (uint)MiddleBits << 16 | (uint)Weights2.Bits << 24);
        writer.F32(InputThresholds);
        writer.F32(InputLevels);
        Weights1.Write(ref writer);
        foreach (bool n in Negated1) writer.U8(n ? (byte)1 : (byte)0);
        writer.F32(Thresholds1);
        writer.F32(InputLevels2);
        writer.U32((uint)Conv2.OutChannels);
        writer.U32((uint)Conv2.Kernel | (uint)Conv2.Stride << 8 | (uint)Conv2.Padding << 16);
        writer.F32(Conv2.PadValue);
        Weights2.Write(ref writer);
        BatchNorm2?.Write(ref writer);
        Shortcut.Write(ref writer);
        writer.U32((uint)Activation);
    }

    internal static PackedLayer Read(ref PackedModelReader reader, in LayerReadContext context)
    {
        int index = context.Index;
        var header = ConvHeader.Read(ref reader, context, FlagBatchNorm, ConvHeader.CodeWeights, ConvHeader.CodeWeights);
        var g1 = header.Geometry;
        int bitsAt = reader.Offset;
        var bits = reader.Take(4, $"layer {index} code bits").ToArray();
        for (int i = 0; i < 4; i++)
            if (bits[i] is < 1 or > PlaneDenseLayer.MaxBits) throw reader.Error(bitsAt + i, $"layer {index} code bits {bits[i]}; allowed is [1, {PlaneDenseLayer.MaxBits}].");
        var inputThresholds = reader.ReadFloats((1 << bits[0]) - 1, $"layer {index} input thresholds", allowInfinity: true);
        var inputLevels = reader.ReadFloats(1 << bits[0], $"layer {index} input levels", false);
        var weights1 = KBitConv.Read(ref reader, g1, bits[1], index);
        var negated1 = ConvWeights.ReadDirections(ref reader, g1.OutChannels, index);
        var thresholds1 = reader.ReadFloats(checked(g1.OutChannels * ((1 << bits[2]) - 1)), $"layer {index} thresholds", allowInfinity: true);
        var inputLevels2 = reader.ReadFloats(1 << bits[2], $"layer {index} input levels 2", false);
        int o2 = reader.ReadCount($"layer {index} output channels 2", 1, 1 << 20);
        int geometryAt = reader.Offset;
        var k = reader.Take(4, $"layer {index} kernel, stride, padding 2");
        if (k[3] != 0) throw reader.Error(geometryAt + 3, $"layer {index} reserved byte must be 0.");
        float pad2 = reader.ReadFloats(1, $"layer {index} padding value 2", false)[0];
        var g2 = new ConvGeometry(g1.OutChannels, g1.OutHeight, g1.OutWidth, o2, k[0], k[1], k[2], pad2);
        try
        {
            g2.Validate();
        }
        catch (ArgumentException e)
        {
            throw reader.Error(geometryAt, $"layer {index} convolution 2: {e.Message}");
        }
        var weights2 = KBitConv.Read(ref reader, g2, bits[3], index);
        var batchNorm2 = (header.Flags & FlagBatchNorm) != 0 ? BatchNormParams.Read(ref reader, o2, index) : null;
        var shortcut = ResidualShortcut.Read(ref reader, index);
        return new KBitResidualBlockLayer(g1, weights1, inputThresholds, inputLevels, negated1, thresholds1, inputLevels2, g2, weights2, batchNorm2,
            shortcut, RealActivations.Read(ref reader, index));
    }

    internal override LayerStep CreateStep(StepContext context) => new KBitResidualBlockStep(this, context);

    private static int Bits(float[] levels, string name)
    {
        int bits = BitsOf(levels.Length);
        if (bits is < 1 or > PlaneDenseLayer.MaxBits || levels.Length != 1 << bits)
            throw new ArgumentException($"{name} needs 2^k entries, 1 ≤ k ≤ {PlaneDenseLayer.MaxBits}; got {levels.Length}.", name);
        for (int i = 0; i < levels.Length; i++)
            if (!float.IsFinite(levels[i])) throw new ArgumentException($"{name}[{i}] is {levels[i]}; it must be finite.", name);
        return bits;
    }

    private static int BitsOf(int count) => System.Numerics.BitOperations.Log2((uint)Math.Max(count, 1));
}
