using Lowbit.Inference.Runtime;
using Lowbit.Inference.Runtime.Steps;

namespace Lowbit.Inference.Format;

/// <summary>
/// Kind 3, last layer: ±1 inputs and weights give an exact integer dot product y; the float part of the model (bias,
/// batch norm) is then applied in float32 exactly as the training-time model does (<see cref="LogitsHead"/>), and the
/// class is the first arg-max.
/// </summary>
/// <remarks>
/// Scale and Shift are the float32 values the training code derives in double from γ, β, μ, σ², ε:
/// scale = γ/sqrt(σ²+ε), shift = β − μ·scale. Layout: header (flags: bias, batch norm), packed ±1 weights, head.
/// </remarks>
public sealed class BinaryOutputDenseLayer : PackedDenseLayer
{
    internal const byte KindCode = 3;

    /// <summary>Creates the layer.</summary>
    /// <exception cref="ArgumentException">Sizes disagree, only one of scale/shift is given, or a value is not finite.</exception>
    public BinaryOutputDenseLayer(int inFeatures, int outFeatures, ulong[] weights, float[]? bias, float[]? scale, float[]? shift)
        : base(inFeatures, outFeatures, weights)
    {
        LogitsHead.Check(bias, scale, shift, outFeatures);
        Bias = bias;
        Scale = scale;
        Shift = shift;
    }

    /// <summary>Float bias added to the integer dot product, or null.</summary>
    public float[]? Bias { get; }

    /// <summary>Batch-norm scale per unit, or null without batch norm.</summary>
    public float[]? Scale { get; }

    /// <summary>Batch-norm shift per unit, or null without batch norm.</summary>
    public float[]? Shift { get; }

    /// <inheritdoc/>
    public override byte Kind => KindCode;

    /// <inheritdoc/>
    public override ActivationSpec Input => ActivationSpec.Signs(InFeatures);

    /// <inheritdoc/>
    public override ActivationSpec Output => ActivationSpec.Logits(OutFeatures);

    /// <inheritdoc/>
    public override long ByteSize => Size(InFeatures, OutFeatures, Bias is not null, Scale is not null);

    /// <summary>Bytes of a kind-3 layer.</summary>
    internal static long Size(int inFeatures, int outFeatures, bool hasBias, bool hasBatchNorm) =>
        DenseHeader.Size + WeightBytes(inFeatures, outFeatures, 1) + LogitsHead.Size(outFeatures, hasBias, hasBatchNorm);

    internal override void Write(ref PackedWriter writer)
    {
        DenseHeader.Write(ref writer, KindCode, LogitsHead.Flags(Bias is not null, Scale is not null), 0, 0, InFeatures, OutFeatures);
        writer.U64(Weights);
        LogitsHead.Write(ref writer, Bias, Scale, Shift);
    }

    internal static PackedLayer Read(ref PackedModelReader reader, in LayerReadContext context)
    {
        var header = DenseHeader.ReadHead(ref reader, context, DenseHeader.FlagBias | DenseHeader.FlagBatchNorm);
        header.CheckReserved(ref reader, context);
        var (n, m) = DenseHeader.ReadFeatures(ref reader, context);
        var weights = reader.ReadWeights(context.Index, n, m, 1);
        var (bias, scale, shift) = LogitsHead.Read(ref reader, header.Flags, m, context.Index);
        return new BinaryOutputDenseLayer(n, m, weights, bias, scale, shift);
    }

    internal override LayerStep CreateStep(StepContext context) => new BinaryOutputDenseStep(this, context);
}
