using Lowbit.Inference.Runtime;
using Lowbit.Inference.Runtime.Steps;

namespace Lowbit.Inference.Format;

/// <summary>
/// Kind 13, the real-valued end of a network: global average pooling (or the flattened map), an optional batch norm and
/// a float32 dense layer, with the model's own operations (<c>GlobalAvgPool2d</c>'s <c>Tensor.AvgPool2d</c>/<c>Mean</c>,
/// <c>Tensor.BatchNorm</c>, <c>Tensor.Linear</c>), so the logits are the model's bit for bit.
/// </summary>
/// <remarks>Layout: kind, flags (bit 0 = global average pool, bit 1 = batch norm, bit 2 = bias), two zero bytes;
/// <c>u32</c> channels, height, width of the input map; <c>u32</c> classes M; <see cref="BatchNormParams"/> if bit 1
/// (over the F pooled or flattened features); <c>f32 weights[M, F]</c>; <c>f32 bias[M]</c> if bit 2.</remarks>
public sealed class RealHeadLayer : PackedLayer
{
    internal const byte KindCode = 13;
    internal const byte FlagPool = 1, FlagBatchNorm = 2, FlagBias = 4;

    /// <summary>Creates and validates the layer.</summary>
    /// <exception cref="ArgumentException">A size disagrees or a value is not finite.</exception>
    public RealHeadLayer(int channels, int height, int width, bool globalAveragePool, BatchNormParams? batchNorm, int classes, float[] weights, float[]? bias)
    {
        ArgumentNullException.ThrowIfNull(weights);
        if (channels < 1 || height < 1 || width < 1 || classes < 1 || (long)channels * height * width > int.MaxValue / 4)
            throw new ArgumentException($"Head input [{channels}, {height}, {width}] with {classes} classes is empty or too large.", nameof(channels));
        int features = globalAveragePool ? channels : channels * height * width;
        if (batchNorm is not null && batchNorm.Channels != features)
            throw new ArgumentException($"The batch norm has {batchNorm.Channels} features; the head has {features}.", nameof(batchNorm));
        if (weights.Length != (long)classes * features)
            throw new ArgumentException($"The dense layer needs {(long)classes * features} weights ({classes}·{features}) but {weights.Length} were given.", nameof(weights));
        for (int i = 0; i < weights.Length; i++)
            if (!float.IsFinite(weights[i])) throw new ArgumentException($"weights[{i}] is {weights[i]}; it must be finite.", nameof(weights));
        LogitsHead.Check(bias, null, null, classes);
        Channels = channels;
        Height = height;
        Width = width;
        GlobalAveragePool = globalAveragePool;
        BatchNorm = batchNorm;
        Classes = classes;
        Weights = weights;
        Bias = bias;
    }

    /// <summary>Input channels.</summary>
    public int Channels { get; }

    /// <summary>Input height.</summary>
    public int Height { get; }

    /// <summary>Input width.</summary>
    public int Width { get; }

    /// <summary>Whether the map is averaged per channel first (else flattened).</summary>
    public bool GlobalAveragePool { get; }

    /// <summary>The batch norm over the features, or null.</summary>
    public BatchNormParams? BatchNorm { get; }

    /// <summary>Outputs.</summary>
    public int Classes { get; }

    /// <summary>Dense weights <c>[Classes, Features]</c>.</summary>
    public float[] Weights { get; }

    /// <summary>Dense bias, or null.</summary>
    public float[]? Bias { get; }

    /// <summary>Features of the dense layer.</summary>
    public int Features => GlobalAveragePool ? Channels : Channels * Height * Width;

    /// <inheritdoc/>
    public override byte Kind => KindCode;

    /// <inheritdoc/>
    public override ActivationSpec Input => ActivationSpec.Reals(Channels, Height, Width);

    /// <inheritdoc/>
    public override ActivationSpec Output => ActivationSpec.Logits(Classes);

    /// <inheritdoc/>
    public override long ByteSize => Size(Features, Classes, BatchNorm?.Gamma is not null, BatchNorm is not null, Bias is not null);

    /// <summary>Bytes of a kind-13 layer.</summary>
    internal static long Size(int features, int classes, bool affine, bool hasBatchNorm, bool hasBias) =>
        20 + (hasBatchNorm ? BatchNormParams.Size(features, affine) : 0) + 4L * classes * features + (hasBias ? 4L * classes : 0);

    internal override void Write(ref PackedWriter writer)
    {
        int flags = (GlobalAveragePool ? FlagPool : 0) | (BatchNorm is null ? 0 : FlagBatchNorm) | (Bias is null ? 0 : FlagBias);
        writer.U32(KindCode | (uint)flags << 8);
        writer.U32((uint)Channels);
        writer.U32((uint)Height);
        writer.U32((uint)Width);
        writer.U32((uint)Classes);
        BatchNorm?.Write(ref writer);
        writer.F32(Weights);
        if (Bias is not null) writer.F32(Bias);
    }

    internal static PackedLayer Read(ref PackedModelReader reader, in LayerReadContext context)
    {
        int start = reader.Offset, index = context.Index;
        var head = reader.Take(4, $"layer {index} header");
        byte flags = head[1];
        if ((flags & ~(FlagPool | FlagBatchNorm | FlagBias)) != 0) throw reader.Error(start + 1, $"layer {index} flags 0x{flags:X2} are not defined for kind {head[0]}.");
        if (head[2] != 0 || head[3] != 0) throw reader.Error(start + 2, $"layer {index} reserved bytes must be 0.");
        var a = context.Arriving;
        int shapeOffset = reader.Offset;
        int c = reader.ReadCount($"layer {index} channels", 1, 1 << 20), h = reader.ReadCount($"layer {index} height", 1, 1 << 20);
        int w = reader.ReadCount($"layer {index} width", 1, 1 << 20);
        if (c != a.Channels || h != a.Height || w != a.Width)
            throw reader.Error(shapeOffset, $"layer {index} takes input [{c}, {h}, {w}] but receives [{a.Channels}, {a.Height}, {a.Width}].");
        int classes = reader.ReadCount($"layer {index} classes", 1, 1 << 20);
        bool pool = (flags & FlagPool) != 0;
        int features = pool ? c : checked(c * h * w);
        var batchNorm = (flags & FlagBatchNorm) != 0 ? BatchNormParams.Read(ref reader, features, index) : null;
        var weights = reader.ReadFloats(checked(classes * features), $"layer {index} weights", false);
        var bias = (flags & FlagBias) != 0 ? reader.ReadFloats(classes, $"layer {index} bias", false) : null;
        return new RealHeadLayer(c, h, w, pool, batchNorm, classes, weights, bias);
    }

    internal override LayerStep CreateStep(StepContext context) => new RealHeadStep(this, context);
}
