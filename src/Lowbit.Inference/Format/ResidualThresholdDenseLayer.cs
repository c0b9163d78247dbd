using Lowbit.Inference.Runtime;
using Lowbit.Inference.Runtime.Steps;

namespace Lowbit.Inference.Format;

/// <summary>
/// Kind 6, a residual (HBB) layer whose batch norm and the next layer's residual activation quantizer (frozen means)
/// are folded into <c>2^OutputPlanes − 1</c> float thresholds per unit (<see cref="LevelThresholds"/>): the unit's
/// output code is the number of thresholds its (direction-adjusted) float32 dot product reaches, and the code's bits
/// are the next layer's ±1 input planes.
/// </summary>
/// <remarks>As <see cref="PlaneThresholdDenseLayer"/>: z_j = Negated[j] ? −y_j : y_j, code = #{l : z_j ≥ τ_{j,l}}, thresholds non-decreasing, ±∞ allowed, never NaN.</remarks>
public sealed class ResidualThresholdDenseLayer : ResidualDenseLayer
{
    internal const byte KindCode = 6;

    /// <summary>Creates the layer.</summary>
    /// <exception cref="ArgumentException">Sizes disagree, or a threshold is NaN or out of order.</exception>
    public ResidualThresholdDenseLayer(int inFeatures, int outFeatures, int weightPlanes, int inputPlanes, float[] weightScales, float[] weightLevels,
        float[] inputScales, float[] inputLevels, ulong[] weights, int outputPlanes, bool[] negated, float[] thresholds)
        : base(inFeatures, outFeatures, weightPlanes, inputPlanes, weightScales, weightLevels, inputScales, inputLevels, weights)
    {
        if (outputPlanes < 1 || outputPlanes > MaxPlanes) throw new ArgumentOutOfRangeException(nameof(outputPlanes), outputPlanes, $"Output planes must be in [1, {MaxPlanes}].");
        LevelThresholds.Validate(outFeatures, (1 << outputPlanes) - 1, negated, thresholds);
        OutputPlanes = outputPlanes;
        Negated = negated;
        Thresholds = thresholds;
    }

    /// <summary>Planes of the output code (the next layer's <see cref="ResidualDenseLayer.InputPlanes"/>).</summary>
    public int OutputPlanes { get; }

    /// <summary>Thresholds per unit: 2^OutputPlanes − 1.</summary>
    public int ThresholdsPerUnit => (1 << OutputPlanes) - 1;

    /// <summary>Per unit: compare −y instead of y (batch-norm scale negative).</summary>
    public bool[] Negated { get; }

    /// <summary>Thresholds <c>[OutFeatures, ThresholdsPerUnit]</c>, non-decreasing per unit.</summary>
    public float[] Thresholds { get; }

    /// <inheritdoc/>
    public override byte Kind => KindCode;

    /// <inheritdoc/>
    public override ActivationSpec Output => ActivationSpec.ResidualCodes(OutFeatures, OutputPlanes);

    /// <inheritdoc/>
    public override long ByteSize => Size(InFeatures, OutFeatures, WeightPlanes, InputPlanes, OutputPlanes);

    /// <summary>Bytes of a kind-6 layer.</summary>
    internal static long Size(int inFeatures, int outFeatures, int weightPlanes, int inputPlanes, int outputPlanes) =>
        BodySize(inFeatures, outFeatures, weightPlanes, inputPlanes) + LevelThresholds.Size(outFeatures, outputPlanes);

    internal override void Write(ref PackedWriter writer)
    {
        WriteBody(ref writer, 0);
        LevelThresholds.Write(ref writer, OutputPlanes, Negated, Thresholds);
    }

    internal static PackedLayer Read(ref PackedModelReader reader, in LayerReadContext context)
    {
        var b = ReadBody(ref reader, context, 0);
        var (outputPlanes, negated, thresholds) = LevelThresholds.Read(ref reader, b.Out, context.Index, "output planes", MaxPlanes);
        return new ResidualThresholdDenseLayer(b.In, b.Out, b.Header.WeightBits, b.Header.InputBits, b.WeightScales, b.WeightLevels, b.InputScales, b.InputLevels,
            b.Weights, outputPlanes, negated, thresholds);
    }

    internal override LayerStep CreateStep(StepContext context) => new ResidualThresholdDenseStep(this, context);
}
