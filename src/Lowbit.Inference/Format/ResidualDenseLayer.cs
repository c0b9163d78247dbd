using Lowbit.Kernels.Bits;

namespace Lowbit.Inference.Format;

/// <summary>
/// A fully connected layer of a residual-binarized (HBB) network (kinds 6 and 7; Fromm et al. 2018, Li et al. 2017): weights as B sign planes plus
/// nested masks with one scale per plane for the whole tensor, inputs either the 8-bit pixels (layer 0) or R planes of
/// ±1 residual activations with one scale per plane.
/// </summary>
/// <remarks>
/// <para>Weight of unit j, input t: it has M_jt ∈ [1, B] levels (level q active iff mask bit q is set; level 1 always,
/// masks nested: m_{q+1} ⊆ m_q), signs b_{q,jt} ∈ {±1} on its active levels. Its float32 value is
/// <c>WeightLevels[LevelIndex(M, s)]</c> with s = Σ_{q&lt;M} 2^q·[b_{q+1} = +1], the value the training model's quantizer
/// produced (float32 of Σ_q μ_q·b_q); <see cref="WeightScales"/> α_q ≈ μ_q are the per-plane scales the runtime's integer
/// path uses (its error bound covers any difference, so the levels alone define the layer's values).</para>
/// <para>Input code a ∈ [0, 2^R) of a residual activation: plane i (1-based) is bit R − i of a (plane 1 most
/// significant; bit 1 = +1), so the code order is the order of the activation's value function; its float32 value
/// is <c>InputLevels[a]</c>, its scales ν_i are <see cref="InputScales"/>. Layer 0 has R = 0 and takes the model's pixel table.</para>
/// <para>Stored rows per unit j: the B sign planes (levels 1..B), then the B − 1 masks of levels 2..B:
/// <c>[OutFeatures, 2B − 1, WordsPerRow]</c>; sign bits outside their level's mask are 0, padding bits are 0.</para>
/// <para>Layout (kinds 6 and 7): header (bytes 2, 3 = B, R), <c>f32 weightScales[B]</c>, <c>f32 weightLevels[2^(B+1) − 2]</c>,
/// <c>f32 inputScales[R]</c>, <c>f32 inputLevels[2^R]</c> (none for R = 0), the rows, then the kind's head.</para>
/// </remarks>
public abstract class ResidualDenseLayer : PackedDenseLayer
{
    /// <summary>Largest supported weight or activation plane count.</summary>
    public const int MaxPlanes = 8;

    /// <summary>Validates and stores the shared fields.</summary>
    /// <exception cref="ArgumentException">A table has the wrong length or a non-finite value, or masks and signs are inconsistent.</exception>
    protected ResidualDenseLayer(int inFeatures, int outFeatures, int weightPlanes, int inputPlanes, float[] weightScales, float[] weightLevels,
        float[] inputScales, float[] inputLevels, ulong[] weights)
        : base(inFeatures, outFeatures, weights, 2 * CheckPlanes(weightPlanes, 1, nameof(weightPlanes)) - 1)
    {
        CheckPlanes(inputPlanes, 0, nameof(inputPlanes));
        CheckFinite(weightScales, weightPlanes, nameof(weightScales));
        CheckFinite(weightLevels, WeightLevelCount(weightPlanes), nameof(weightLevels));
        CheckFinite(inputScales, inputPlanes, nameof(inputScales));
        CheckFinite(inputLevels, inputPlanes == 0 ? 0 : 1 << inputPlanes, nameof(inputLevels));
        WeightPlanes = weightPlanes;
        InputPlanes = inputPlanes;
        WeightScales = weightScales;
        WeightLevels = weightLevels;
        InputScales = inputScales;
        InputLevels = inputLevels;
        CheckMasks();
    }

    /// <summary>Weight planes B (levels per weight at most).</summary>
    public int WeightPlanes { get; }

    /// <summary>Input activation planes R, or 0 for the 8-bit pixels of layer 0.</summary>
    public int InputPlanes { get; }

    /// <summary>Per-plane weight scales α_1..α_B.</summary>
    public float[] WeightScales { get; }

    /// <summary>The float32 weight of each (level count M, sign code s), at <see cref="LevelIndex"/>(M, s); 2^(B+1) − 2 entries.</summary>
    public float[] WeightLevels { get; }

    /// <summary>Per-plane input scales ν_1..ν_R (empty for layer 0).</summary>
    public float[] InputScales { get; }

    /// <summary>The float32 input value of each input code, 2^R entries (empty for layer 0).</summary>
    public float[] InputLevels { get; }

    /// <inheritdoc/>
    public override ActivationSpec Input => InputPlanes == 0 ? ActivationSpec.Pixels(InFeatures) : ActivationSpec.ResidualCodes(InFeatures, InputPlanes);

    /// <summary>The pixels must share one table (the runtime's integer path uses one affine fit).</summary>
    internal override string? CheckInput(ActivationSpec arriving, float[] pixelTables) =>
        arriving.Encoding == ActivationEncoding.Pixels && !PackedModel.IsUniform(pixelTables)
            ? "takes the pixels through one pixel table, but the model's channels have different tables"
            : base.CheckInput(arriving, pixelTables);

    /// <summary>Bytes of the fields before the head: header, scale and level tables, rows.</summary>
    internal static long BodySize(int inFeatures, int outFeatures, int weightPlanes, int inputPlanes) =>
        DenseHeader.Size + 4L * weightPlanes + 4L * WeightLevelCount(weightPlanes)
        + (inputPlanes == 0 ? 0 : 4L * inputPlanes + 4L * (1 << inputPlanes)) + WeightBytes(inFeatures, outFeatures, 2 * weightPlanes - 1);

    /// <summary>Writes header, tables and rows.</summary>
    private protected void WriteBody(ref PackedWriter writer, byte flags)
    {
        DenseHeader.Write(ref writer, Kind, flags, WeightPlanes, InputPlanes, InFeatures, OutFeatures);
        writer.F32(WeightScales);
        writer.F32(WeightLevels);
        writer.F32(InputScales);
        writer.F32(InputLevels);
        writer.U64(Weights);
    }

    /// <summary>Reads and checks header, tables and rows (the head follows).</summary>
    private protected static ResidualBody ReadBody(ref PackedModelReader r, in LayerReadContext context, byte allowedFlags)
    {
        var header = DenseHeader.ReadHead(ref r, context, allowedFlags);
        int index = context.Index, weightPlanes = header.WeightBits, inputPlanes = header.InputBits;
        int expectedPlanes = context.Arriving.Encoding == ActivationEncoding.Pixels ? 0 : context.Arriving.Bits;
        if (weightPlanes < 1 || weightPlanes > MaxPlanes) throw r.Error(header.Start + 2, $"layer {index} weight planes {weightPlanes}; allowed is [1, {MaxPlanes}].");
        if (inputPlanes != expectedPlanes)
            throw r.Error(header.Start + 3, $"layer {index} input planes {inputPlanes}; this layer receives {(expectedPlanes == 0 ? "the 8-bit pixels (0)" : $"{expectedPlanes} planes")}.");
        var (n, m) = DenseHeader.ReadFeatures(ref r, context);
        var weightScales = r.ReadFloats(weightPlanes, $"layer {index} weight scales", false);
        var weightLevels = r.ReadFloats(WeightLevelCount(weightPlanes), $"layer {index} weight levels", false);
        var inputScales = r.ReadFloats(inputPlanes, $"layer {index} input scales", false);
        var inputLevels = r.ReadFloats(inputPlanes == 0 ? 0 : 1 << inputPlanes, $"layer {index} input levels", false);
        var weights = r.ReadWeights(index, n, m, 2 * weightPlanes - 1);
        return new ResidualBody(header, n, m, weightScales, weightLevels, inputScales, inputLevels, weights);
    }

    private protected readonly record struct ResidualBody(DenseHeader Header, int In, int Out, float[] WeightScales, float[] WeightLevels,
        float[] InputScales, float[] InputLevels, ulong[] Weights);

    /// <summary>Entries of the weight level table for B planes: Σ_{M=1..B} 2^M = 2^(B+1) − 2.</summary>
    public static int WeightLevelCount(int weightPlanes) => (1 << (weightPlanes + 1)) - 2;

    /// <summary>Index of the weight level with <paramref name="bits"/> active levels and sign code <paramref name="signCode"/> ∈ [0, 2^bits).</summary>
    public static int LevelIndex(int bits, int signCode) => (1 << bits) - 2 + signCode;

    /// <summary>Packed row of sign plane <paramref name="level"/> (1-based) of unit <paramref name="unit"/>.</summary>
    public ReadOnlySpan<ulong> SignPlane(int unit, int level) => Weights.AsSpan(((unit * Planes) + level - 1) * WordsPerRow, WordsPerRow);

    /// <summary>Packed mask of <paramref name="level"/> ≥ 2 of unit <paramref name="unit"/>.</summary>
    public ReadOnlySpan<ulong> Mask(int unit, int level) => Weights.AsSpan(((unit * Planes) + WeightPlanes + level - 2) * WordsPerRow, WordsPerRow);

    private static int CheckPlanes(int planes, int min, string name)
    {
        if (planes < min || planes > MaxPlanes) throw new ArgumentOutOfRangeException(name, planes, $"Plane counts must be in [{min}, {MaxPlanes}].");
        return planes;
    }

    private static void CheckFinite(float[] values, int count, string name)
    {
        ArgumentNullException.ThrowIfNull(values, name);
        if (values.Length != count) throw new ArgumentException($"{name} needs {count} entries but has {values.Length}.", name);
        for (int i = 0; i < values.Length; i++)
            if (!float.IsFinite(values[i])) throw new ArgumentException($"{name}[{i}] is {values[i]}; it must be finite.", name);
    }

    private void CheckMasks()
    {
        int words = WordsPerRow;
        for (int j = 0; j < OutFeatures; j++)
            for (int level = 2; level <= WeightPlanes; level++)
            {
                var mask = Mask(j, level);
                var signs = SignPlane(j, level);
                var outer = level == 2 ? default : Mask(j, level - 1);
                for (int w = 0; w < words; w++)
                {
                    if ((signs[w] & ~mask[w]) != 0)
                        throw new ArgumentException($"Unit {j}: sign plane {level} has bits outside its mask (word {w}); they must be 0.", "weights");
                    if (level > 2 && (mask[w] & ~outer[w]) != 0)
                        throw new ArgumentException($"Unit {j}: mask of level {level} is not inside the mask of level {level - 1} (word {w}); masks must be nested.", "weights");
                }
            }
    }
}
