using Lowbit.Inference.Runtime;
using Lowbit.Inference.Runtime.Steps;

namespace Lowbit.Inference.Format;

/// <summary>
/// Kind 4, a k-bit code layer whose batch norm and the next layer's activation quantizer are folded into
/// <c>2^OutputBits − 1</c> float thresholds per unit (<see cref="LevelThresholds"/>): the unit's output code is the
/// number of thresholds its (direction-adjusted) float32 dot product reaches.
/// </summary>
/// <remarks>
/// With y_j the float32 dot product the training model computes (<see cref="PlaneDenseLayer"/>) and
/// z_j = Negated[j] ? −y_j : y_j, the output code is <c>#{l : z_j ≥ Thresholds[j·L + l]}</c>, L = 2^OutputBits − 1;
/// thresholds are non-decreasing per unit and may be ±∞ (never NaN). Folding: <c>ThresholdFolding.FoldLevels</c>.
/// </remarks>
public sealed class PlaneThresholdDenseLayer : PlaneDenseLayer
{
    internal const byte KindCode = 4;

    /// <summary>Creates the layer.</summary>
    /// <exception cref="ArgumentException">Sizes disagree, or a threshold is NaN or out of order.</exception>
    public PlaneThresholdDenseLayer(int inFeatures, int outFeatures, int weightBits, int inputBits, float[] weightLevels, float[] inputLevels,
        ulong[] weightPlanes, int outputBits, bool[] negated, float[] thresholds)
        : base(inFeatures, outFeatures, weightBits, inputBits, weightLevels, inputLevels, weightPlanes)
    {
        if (outputBits < 1 || outputBits > MaxBits) throw new ArgumentOutOfRangeException(nameof(outputBits), outputBits, $"Output code bits must be in [1, {MaxBits}].");
        LevelThresholds.Validate(outFeatures, (1 << outputBits) - 1, negated, thresholds);
        OutputBits = outputBits;
        Negated = negated;
        Thresholds = thresholds;
    }

    /// <summary>Bits of the output code (the next layer's <see cref="PlaneDenseLayer.InputBits"/>).</summary>
    public int OutputBits { get; }

    /// <summary>Thresholds per unit: 2^OutputBits − 1.</summary>
    public int ThresholdsPerUnit => (1 << OutputBits) - 1;

    /// <summary>Per unit: compare −y instead of y (batch-norm scale negative).</summary>
    public bool[] Negated { get; }

    /// <summary>Thresholds <c>[OutFeatures, ThresholdsPerUnit]</c>, non-decreasing per unit.</summary>
    public float[] Thresholds { get; }

    /// <inheritdoc/>
    public override byte Kind => KindCode;

    /// <inheritdoc/>
    public override ActivationSpec Output => ActivationSpec.LevelCodes(OutFeatures, OutputBits);

    /// <inheritdoc/>
    public override long ByteSize => Size(InFeatures, OutFeatures, WeightBits, InputBits, OutputBits);

    /// <summary>Bytes of a kind-4 layer.</summary>
    internal static long Size(int inFeatures, int outFeatures, int weightBits, int inputBits, int outputBits) =>
        BodySize(inFeatures, outFeatures, weightBits, inputBits) + LevelThresholds.Size(outFeatures, outputBits);

    internal override void Write(ref PackedWriter writer)
    {
        WriteBody(ref writer, 0);
        LevelThresholds.Write(ref writer, OutputBits, Negated, Thresholds);
    }

    internal static PackedLayer Read(ref PackedModelReader reader, in LayerReadContext context)
    {
        var body = ReadBody(ref reader, context, 0);
        var (outputBits, negated, thresholds) = LevelThresholds.Read(ref reader, body.Out, context.Index, "output bits", MaxBits);
        return new PlaneThresholdDenseLayer(body.In, body.Out, body.Header.WeightBits, body.Header.InputBits, body.WeightLevels, body.InputLevels,
            body.Planes, outputBits, negated, thresholds);
    }

    internal override LayerStep CreateStep(StepContext context) => new PlaneThresholdDenseStep(this, context);
}
