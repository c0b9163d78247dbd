using Lowbit.Inference.Runtime;
using Lowbit.Inference.Runtime.Steps;

namespace Lowbit.Inference.Format;

/// <summary>
/// Kind 7, last layer of a residual (HBB) network: the float32 dot product y as the training model computes it (see
/// <see cref="ResidualDenseLayer"/>), then the model's float32 bias and batch norm (<see cref="LogitsHead"/>), then the
/// first arg-max.
/// </summary>
/// <remarks>The layer defines no integer outputs (its output is a sum over plane pairs weighted by float scales); the
/// runtime reports 0 for them and its logits are the model's float32 logits bit for bit.</remarks>
public sealed class ResidualOutputDenseLayer : ResidualDenseLayer
{
    internal const byte KindCode = 7;

    /// <summary>Creates the layer.</summary>
    /// <exception cref="ArgumentException">Sizes disagree, only one of scale/shift is given, or a value is not finite.</exception>
    public ResidualOutputDenseLayer(int inFeatures, int outFeatures, int weightPlanes, int inputPlanes, float[] weightScales, float[] weightLevels,
        float[] inputScales, float[] inputLevels, ulong[] weights, float[]? bias, float[]? scale, float[]? shift)
        : base(inFeatures, outFeatures, weightPlanes, inputPlanes, weightScales, weightLevels, inputScales, inputLevels, weights)
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
    public override long ByteSize => Size(InFeatures, OutFeatures, WeightPlanes, InputPlanes, Bias is not null, Scale is not null);

    /// <summary>Bytes of a kind-7 layer.</summary>
    internal static long Size(int inFeatures, int outFeatures, int weightPlanes, int inputPlanes, bool hasBias, bool hasBatchNorm) =>
        BodySize(inFeatures, outFeatures, weightPlanes, inputPlanes) + LogitsHead.Size(outFeatures, hasBias, hasBatchNorm);

    internal override void Write(ref PackedWriter writer)
    {
        WriteBody(ref writer, LogitsHead.Flags(Bias is not null, Scale is not null));
        LogitsHead.Write(ref writer, Bias, Scale, Shift);
    }

    internal static PackedLayer Read(ref PackedModelReader reader, in LayerReadContext context)
    {
        var b = ReadBody(ref reader, context, DenseHeader.FlagBias | DenseHeader.FlagBatchNorm);
        var (bias, scale, shift) = LogitsHead.Read(ref reader, b.Header.Flags, b.Out, context.Index);
        return new ResidualOutputDenseLayer(b.In, b.Out, b.Header.WeightBits, b.Header.InputBits, b.WeightScales, b.WeightLevels, b.InputScales, b.InputLevels,
            b.Weights, bias, scale, shift);
    }

    internal override LayerStep CreateStep(StepContext context) => new ResidualOutputDenseStep(this, context);
}
