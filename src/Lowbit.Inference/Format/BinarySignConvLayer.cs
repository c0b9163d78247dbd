using Lowbit.Inference.Runtime;
using Lowbit.Inference.Runtime.Steps;
using Lowbit.Kernels.Bits;

namespace Lowbit.Inference.Format;

/// <summary>
/// Kind 9, a binary convolution: ±1 feature map in, ±1 weights, the ±1 border (padding value +1 or −1), batch norm
/// and the next layer's sign folded into an integer threshold per output channel; ±1 feature map out.
/// </summary>
/// <remarks>
/// With the patch of an output position packed in <see cref="BitIm2Col"/> order (ky, kx, c) and d_o =
/// popcount(patch XOR w'_o) mismatching signs among the K = C·k·k inputs (x·w' = K − 2d), output channel o is +1 iff
/// <c>d_o ≤ MaxMismatches[o]</c> (−1 = never, K = always). Rows whose batch-norm scale is negative are stored negated,
/// as kind 2. Layout: <see cref="ConvHeader"/> (weight code 1, padding value ±1), ±1 rows <c>u64[O, ceil(K/64)]</c>,
/// <c>i32 MaxMismatches[O]</c>.
/// </remarks>
public sealed class BinarySignConvLayer : PackedLayer
{
    internal const byte KindCode = 9;

    /// <summary>Creates and validates the layer.</summary>
    /// <param name="geometry">Shapes, kernel, stride and padding (value +1 or −1).</param>
    /// <param name="weights">Packed ±1 rows <c>[O, WordsPerRow(C·k·k)]</c> in (ky, kx, c) order.</param>
    /// <param name="maxMismatches">Per output channel, in [−1, C·k·k].</param>
    /// <exception cref="ArgumentException">A size disagrees, padding bits are set, or a value is out of range.</exception>
    public BinarySignConvLayer(ConvGeometry geometry, ulong[] weights, int[] maxMismatches)
    {
        ArgumentNullException.ThrowIfNull(geometry);
        ArgumentNullException.ThrowIfNull(weights);
        ArgumentNullException.ThrowIfNull(maxMismatches);
        geometry.Validate();
        if (geometry.PadValue is not (1f or -1f))
            throw new ArgumentException($"A binary convolution pads its ±1 input with +1 or −1, not {geometry.PadValue}.", nameof(geometry));
        int k = geometry.PatchSize, words = BitLayout.WordsPerRow(k);
        if (weights.Length != (long)geometry.OutChannels * words)
            throw new ArgumentException($"Packed weights of a {geometry} convolution need {(long)geometry.OutChannels * words} words but {weights.Length} were given.", nameof(weights));
        for (int o = 0; o < geometry.OutChannels; o++)
            if ((weights[(o + 1) * words - 1] & ~BitLayout.LastWordMask(k)) != 0)
                throw new ArgumentException($"Packed weight row {o} has non-zero padding bits past {k} inputs.", nameof(weights));
        if (maxMismatches.Length != geometry.OutChannels)
            throw new ArgumentException($"Expected {geometry.OutChannels} thresholds but got {maxMismatches.Length}.", nameof(maxMismatches));
        for (int o = 0; o < maxMismatches.Length; o++)
            if (maxMismatches[o] < -1 || maxMismatches[o] > k)
                throw new ArgumentException($"Threshold of channel {o} is {maxMismatches[o]}; allowed is [-1, {k}].", nameof(maxMismatches));
        Geometry = geometry;
        Weights = weights;
        MaxMismatches = maxMismatches;
    }

    /// <summary>Shapes, kernel, stride and padding.</summary>
    public ConvGeometry Geometry { get; }

    /// <summary>Packed ±1 rows <c>[O, WordsPerRow(C·k·k)]</c>, (ky, kx, c) order, bit 1 = +1.</summary>
    public ulong[] Weights { get; }

    /// <summary>Largest number of mismatching signs for which an output is +1, per output channel.</summary>
    public int[] MaxMismatches { get; }

    /// <inheritdoc/>
    public override byte Kind => KindCode;

    /// <inheritdoc/>
    public override ActivationSpec Input => ActivationSpec.Signs(Geometry.InChannels, Geometry.InHeight, Geometry.InWidth);

    /// <inheritdoc/>
    public override ActivationSpec Output => ActivationSpec.Signs(Geometry.OutChannels, Geometry.OutHeight, Geometry.OutWidth);

    /// <inheritdoc/>
    public override long ByteSize => Size(Geometry);

    /// <summary>Bytes of a kind-9 layer.</summary>
    internal static long Size(ConvGeometry geometry) =>
        ConvHeader.Size + ConvHeader.WeightBytes(geometry, ConvHeader.SignWeights) + 4L * geometry.OutChannels;

    internal override void Write(ref PackedWriter writer)
    {
        new ConvHeader(KindCode, 0, ConvHeader.SignWeights, Geometry).Write(ref writer);
        writer.U64(Weights);
        foreach (int t in MaxMismatches) writer.U32((uint)t);
    }

    internal static PackedLayer Read(ref PackedModelReader reader, in LayerReadContext context)
    {
        int start = reader.Offset;
        var header = ConvHeader.Read(ref reader, context, 0);
        var g = header.Geometry;
        if (header.WeightCode != ConvHeader.SignWeights) throw reader.Error(start + 2, $"layer {context.Index} weight code {header.WeightCode}; kind 9 has ±1 weights (1).");
        var weights = reader.ReadWeights(context.Index, g.PatchSize, g.OutChannels, 1);
        return new BinarySignConvLayer(g, weights, reader.ReadInts(g.OutChannels, $"layer {context.Index} thresholds", -1, g.PatchSize));
    }

    internal override LayerStep CreateStep(StepContext context) => new BinarySignConvStep(this, context);
}
