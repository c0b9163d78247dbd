using Lowbit.Inference.Runtime;
using Lowbit.Inference.Runtime.Steps;

namespace Lowbit.Inference.Format;

/// <summary>
/// Kind 5, last layer of a k-bit code network: the float32 dot product y as the training model computes it (see
/// <see cref="PlaneDenseLayer"/>), then the model's float32 bias and batch norm (<see cref="LogitsHead"/>), then the
/// first arg-max. The integer outputs are the unsigned code products P_j = Σ_t c_{j,t}·a_t.
/// </summary>
public sealed class PlaneOutputDenseLayer : PlaneDenseLayer
{
    internal const byte KindCode = 5;

    /// <summary>Creates the layer.</summary>
    /// <exception cref="ArgumentException">Sizes disagree, only one of scale/shift is given, or a value is not finite.</exception>
    public PlaneOutputDenseLayer(int inFeatures, int outFeatures, int weightBits, int inputBits, float[] weightLevels, float[] inputLevels,
        ulong[] weightPlanes, float[]? bias, float[]? scale, float[]? shift)
        : base(inFeatures, outFeatures, weightBits, inputBits, weightLevels, inputLevels, weightPlanes)
    {
        LogitsHead.Check(bias, scale, shift, outFeatures);
        Bias = bias;
        Scale = scale;
        Shift = shift;
    }

    /// <summary>Float bias added to the dot product, or null.</summary>
    public float[]? Bias { get; }

    /// <summary>Batch-norm scale per unit, or null without batch norm.</summary>
    public float[]? Scale { get; }

    /// <summary>Batch-norm shift per unit, or null without batch norm.</summary>
    public float[]? Shift { get; }

    /// <inheritdoc/>
    public override byte Kind => KindCode;

    /// <inheritdoc/>
    public override ActivationSpec Output => ActivationSpec.Logits(OutFeatures);

    /// <inheritdoc/>
    public override long ByteSize => Size(InFeatures, OutFeatures, WeightBits, InputBits, Bias is not null, Scale is not null);

    /// <summary>Bytes of a kind-5 layer.</summary>
    internal static long Size(int inFeatures, int outFeatures, int weightBits, int inputBits, bool hasBias, bool hasBatchNorm) =>
        BodySize(inFeatures, outFeatures, weightBits, inputBits) + LogitsHead.Size(outFeatures, hasBias, hasBatchNorm);

    internal override void Write(ref PackedWriter writer)
    {
        WriteBody(ref writer, LogitsHead.Flags(Bias is not null, Scale is not null));
        LogitsHead.Write(ref writer, Bias, Scale, Shift);
    }

    internal static PackedLayer Read(ref PackedModelReader reader, in LayerReadContext context)
    {
        var body = ReadBody(ref reader, context, DenseHeader.FlagBias | DenseHeader.FlagBatchNorm);
        var (bias, scale, shift) = LogitsHead.Read(ref reader, body.Header.Flags, body.Out, context.Index);
        return new PlaneOutputDenseLayer(body.In, body.Out, body.Header.WeightBits, body.Header.InputBits, body.WeightLevels, body.InputLevels,
            body.Planes, bias, scale, shift);
    }

    internal override LayerStep CreateStep(StepContext context) => new PlaneOutputDenseStep(this, context);
}
