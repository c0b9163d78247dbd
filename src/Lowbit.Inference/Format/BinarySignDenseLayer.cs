using Lowbit.Inference.Runtime;
using Lowbit.Inference.Runtime.Steps;

namespace Lowbit.Inference.Format;

/// <summary>
/// Kind 2, hidden binary layer: ±1 inputs, ±1 weights, batch norm + sign folded into an integer threshold per unit.
/// </summary>
/// <remarks>
/// With <c>d_j = popcount(x XOR w'_j)</c> (mismatching signs; x·w' = N − 2·d), unit j outputs +1 iff
/// <c>d_j ≤ MaxMismatches[j]</c>. Rows whose batch-norm scale is negative are stored negated (w' = −w).
/// MaxMismatches[j] = −1 means always −1, = N means always +1 (folding in <c>ThresholdFolding</c>).
/// Layout: header, packed ±1 weights, <c>i32 MaxMismatches[M]</c>.
/// </remarks>
public sealed class BinarySignDenseLayer : PackedDenseLayer
{
    internal const byte KindCode = 2;

    /// <summary>Creates the layer.</summary>
    /// <exception cref="ArgumentException">Sizes disagree or a threshold lies outside [−1, InFeatures].</exception>
    public BinarySignDenseLayer(int inFeatures, int outFeatures, ulong[] weights, int[] maxMismatches)
        : base(inFeatures, outFeatures, weights)
    {
        ArgumentNullException.ThrowIfNull(maxMismatches);
        if (maxMismatches.Length != outFeatures)
            throw new ArgumentException($"Expected {outFeatures} thresholds but got {maxMismatches.Length}.", nameof(maxMismatches));
        for (int j = 0; j < maxMismatches.Length; j++)
            if (maxMismatches[j] < -1 || maxMismatches[j] > inFeatures)
                throw new ArgumentException($"Threshold of unit {j} is {maxMismatches[j]}; allowed is [-1, {inFeatures}].", nameof(maxMismatches));
        MaxMismatches = maxMismatches;
    }

    /// <summary>Largest number of mismatching signs for which a unit outputs +1.</summary>
    public int[] MaxMismatches { get; }

    /// <inheritdoc/>
    public override byte Kind => KindCode;

    /// <inheritdoc/>
    public override ActivationSpec Input => ActivationSpec.Signs(InFeatures);

    /// <inheritdoc/>
    public override ActivationSpec Output => ActivationSpec.Signs(OutFeatures);

    /// <inheritdoc/>
    public override long ByteSize => Size(InFeatures, OutFeatures);

    /// <summary>Bytes of a kind-2 layer.</summary>
    internal static long Size(int inFeatures, int outFeatures) => DenseHeader.Size + WeightBytes(inFeatures, outFeatures, 1) + 4L * outFeatures;

    internal override void Write(ref PackedWriter writer)
    {
        DenseHeader.Write(ref writer, KindCode, 0, 0, 0, InFeatures, OutFeatures);
        writer.U64(Weights);
        foreach (int t in MaxMismatches) writer.U32((uint)t);
    }

    internal static PackedLayer Read(ref PackedModelReader reader, in LayerReadContext context)
    {
        DenseHeader.ReadHead(ref reader, context, 0).CheckReserved(ref reader, context);
        var (n, m) = DenseHeader.ReadFeatures(ref reader, context);
        var weights = reader.ReadWeights(context.Index, n, m, 1);
        return new BinarySignDenseLayer(n, m, weights, reader.ReadInts(m, $"layer {context.Index} thresholds", -1, n));
    }

    internal override LayerStep CreateStep(StepContext context) => new BinarySignDenseStep(this, context);
}
