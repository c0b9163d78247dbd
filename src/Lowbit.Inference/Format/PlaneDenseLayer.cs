namespace Lowbit.Inference.Format;

/// <summary>
/// A fully connected layer on k-bit codes (kinds 4 and 5): unsigned weight codes c ∈ [0, 2^m) stored as m bit planes,
/// unsigned input codes a ∈ [0, 2^k) arriving as one byte each, and the float32 value of every code.
/// </summary>
/// <remarks>
/// The training-time model computes the float32 dot product <c>y_j = Σ_t WeightLevels[c_{j,t}]·InputLevels[a_t]</c>
/// (its SGEMM); the packed runtime computes the exact integer <c>P_j = Σ_t c_{j,t}·a_t</c> with AND-popcounts,
/// reconstructs y from P with a rigorous error bound and recomputes y in float32 only where the bound cannot decide
/// (docs/FORMAT.md, "Exactness"). Weights: plane q of unit j holds bit q of every code, <c>[OutFeatures, WeightBits,
/// WordsPerRow]</c>. On the 8-bit pixels (first layer) the input codes are the pixel bytes (InputBits = 8) and
/// InputLevels is the model's pixel table. Layout: header (bytes 2, 3 = m, k), <c>f32 weightLevels[2^m]</c>,
/// <c>f32 inputLevels[2^k]</c>, the planes, then the kind's head.
/// </remarks>
public abstract class PlaneDenseLayer : PackedDenseLayer
{
    /// <summary>Largest supported bits per weight or input code.</summary>
    public const int MaxBits = 8;

    /// <summary>Validates and stores the shared fields.</summary>
    /// <exception cref="ArgumentException">A level table has the wrong length or a non-finite value, or the planes do not fit.</exception>
    protected PlaneDenseLayer(int inFeatures, int outFeatures, int weightBits, int inputBits, float[] weightLevels, float[] inputLevels, ulong[] weightPlanes)
        : base(inFeatures, outFeatures, weightPlanes, CheckBits(weightBits, nameof(weightBits)))
    {
        CheckBits(inputBits, nameof(inputBits));
        CheckLevels(weightLevels, weightBits, nameof(weightLevels));
        CheckLevels(inputLevels, inputBits, nameof(inputLevels));
        long maxProduct = ((1L << weightBits) - 1) * ((1L << inputBits) - 1) * inFeatures;
        if (maxProduct > int.MaxValue)
            throw new ArgumentException($"A {inFeatures}-input layer with {weightBits}-bit weights and {inputBits}-bit inputs can reach code products of {maxProduct}, beyond the 32-bit integer outputs; use fewer inputs or bits.", nameof(inFeatures));
        WeightBits = weightBits;
        InputBits = inputBits;
        WeightLevels = weightLevels;
        InputLevels = inputLevels;
    }

    /// <summary>Bits per weight code m (= <see cref="PackedDenseLayer.Planes"/>).</summary>
    public int WeightBits { get; }

    /// <summary>Bits per input code k.</summary>
    public int InputBits { get; }

    /// <summary>The float32 weight for each code, 2^WeightBits entries.</summary>
    public float[] WeightLevels { get; }

    /// <summary>The float32 input value for each input code, 2^InputBits entries.</summary>
    public float[] InputLevels { get; }

    /// <inheritdoc/>
    public override ActivationSpec Input => ActivationSpec.LevelCodes(InFeatures, InputBits);

    /// <summary>Pixels are 8-bit codes whose levels must be the pixel table; later inputs must have <see cref="InputBits"/> bits.</summary>
    internal override string? CheckInput(ActivationSpec arriving, float[] pixelTables)
    {
        if (arriving.Encoding == ActivationEncoding.Pixels && arriving.Count == InFeatures)
            return InputBits == 8 && PackedModel.IsUniform(pixelTables) && InputLevels.AsSpan().SequenceEqual(pixelTables.AsSpan(0, PackedModel.PixelTableSize))
                ? null
                : $"takes the 8-bit pixels, so it needs input bits 8 (has {InputBits}) and input levels equal to the pixel table of every channel";
        return base.CheckInput(arriving, pixelTables);
    }

    /// <summary>Bytes of the fields before the head: header, level tables, planes.</summary>
    internal static long BodySize(int inFeatures, int outFeatures, int weightBits, int inputBits) =>
        DenseHeader.Size + 4L * (1 << weightBits) + 4L * (1 << inputBits) + WeightBytes(inFeatures, outFeatures, weightBits);

    /// <summary>Writes header, level tables and planes.</summary>
    private protected void WriteBody(ref PackedWriter writer, byte flags)
    {
        DenseHeader.Write(ref writer, Kind, flags, WeightBits, InputBits, InFeatures, OutFeatures);
        writer.F32(WeightLevels);
        writer.F32(InputLevels);
        writer.U64(Weights);
    }

    /// <summary>Reads and checks header, level tables and planes (the head follows).</summary>
    private protected static PlaneBody ReadBody(ref PackedModelReader r, in LayerReadContext context, byte allowedFlags)
    {
        var header = DenseHeader.ReadHead(ref r, context, allowedFlags);
        int index = context.Index, weightBits = header.WeightBits, inputBits = header.InputBits;
        if (weightBits < 1 || weightBits > MaxBits) throw r.Error(header.Start + 2, $"layer {index} weight bits {weightBits}; allowed is [1, {MaxBits}].");
        if (inputBits != context.Arriving.Bits)
            throw r.Error(header.Start + 3, $"layer {index} input bits {inputBits}; this layer receives {context.Arriving.Bits}-bit codes.");
        var (n, m) = DenseHeader.ReadFeatures(ref r, context);
        var weightLevels = r.ReadFloats(1 << weightBits, $"layer {index} weight levels", false);
        int levelsOffset = r.Offset;
        var inputLevels = r.ReadFloats(1 << inputBits, $"layer {index} input levels", false);
        if (context.Arriving.Encoding == ActivationEncoding.Pixels && !inputLevels.AsSpan().SequenceEqual(context.PixelTables.AsSpan(0, PackedModel.PixelTableSize)))
            throw r.Error(levelsOffset, $"layer {index} input levels differ from the pixel table.");
        var planes = r.ReadWeights(index, n, m, weightBits);
        return new PlaneBody(header, n, m, weightLevels, inputLevels, planes);
    }

    private protected readonly record struct PlaneBody(DenseHeader Header, int In, int Out, float[] WeightLevels, float[] InputLevels, ulong[] Planes);

    private static int CheckBits(int bits, string name)
    {
        if (bits < 1 || bits > MaxBits) throw new ArgumentOutOfRangeException(name, bits, $"Code bits must be in [1, {MaxBits}].");
        return bits;
    }

    private static void CheckLevels(float[] levels, int bits, string name)
    {
        ArgumentNullException.ThrowIfNull(levels, name);
        if (levels.Length != 1 << bits)
            throw new ArgumentException($"{name} needs 2^{bits} = {1 << bits} entries but has {levels.Length}.", name);
        for (int c = 0; c < levels.Length; c++)
            if (!float.IsFinite(levels[c])) throw new ArgumentException($"{name}[{c}] is {levels[c]}; it must be finite.", name);
    }
}
