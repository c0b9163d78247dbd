namespace Lowbit.Inference.Format;

/// <summary>
/// The head of the code kinds (4, 6): batch norm and the next layer's activation quantizer folded into
/// <c>L = 2^o − 1</c> float thresholds per unit. With z_j = y_j or −y_j by the unit's direction, the output code is
/// the number of thresholds z_j reaches. Stored as <c>u32 o</c>, <c>u8 direction[M]</c> (0 = +y, 1 = −y),
/// <c>f32 thresholds[M, L]</c> (non-decreasing per unit, ±∞ allowed, never NaN).
/// </summary>
internal static class LevelThresholds
{
    /// <summary>
    /// Throws unless there is one direction flag per unit and <paramref name="levels"/> thresholds per unit, none NaN,
    /// non-decreasing within each unit (±∞ allowed).
    /// </summary>
    /// <exception cref="ArgumentException">A size, a NaN or the order is wrong.</exception>
    public static void Validate(int outFeatures, int levels, bool[] negated, float[] thresholds)
    {
        ArgumentNullException.ThrowIfNull(negated);
        ArgumentNullException.ThrowIfNull(thresholds);
        if (negated.Length != outFeatures) throw new ArgumentException($"Expected {outFeatures} direction flags but got {negated.Length}.", nameof(negated));
        if (thresholds.Length != (long)outFeatures * levels)
            throw new ArgumentException($"Expected {outFeatures}·{levels} thresholds but got {thresholds.Length}.", nameof(thresholds));
        for (int j = 0; j < outFeatures; j++)
            for (int l = 0; l < levels; l++)
            {
                float t = thresholds[j * levels + l];
                if (float.IsNaN(t)) throw new ArgumentException($"Threshold {l} of unit {j} is NaN.", nameof(thresholds));
                if (l > 0 && t < thresholds[j * levels + l - 1])
                    throw new ArgumentException($"Thresholds of unit {j} decrease at level {l} ({thresholds[j * levels + l - 1]} then {t}); they must be non-decreasing.", nameof(thresholds));
            }
    }

    /// <summary>Bytes of the head for <paramref name="outputBits"/>-bit output codes.</summary>
    public static long Size(int outFeatures, int outputBits) => 4 + (long)outFeatures * (1 + 4L * ((1 << outputBits) - 1));

    public static void Write(ref PackedWriter w, int outputBits, bool[] negated, float[] thresholds)
    {
        w.U32((uint)outputBits);
        foreach (bool n in negated) w.U8(n ? (byte)1 : (byte)0);
        w.F32(thresholds);
    }

    /// <summary>Reads the head; <paramref name="what"/> names the code width ("output bits", "output planes").</summary>
    public static (int OutputBits, bool[] Negated, float[] Thresholds) Read(ref PackedModelReader r, int outFeatures, int index, string what, int maxBits)
    {
        int outputBits = r.ReadCount($"layer {index} {what}", 1, maxBits);
        var negated = ReadDirections(ref r, outFeatures, index);
        int levels = (1 << outputBits) - 1, thresholdsOffset = r.Offset;
        var thresholds = r.ReadFloats(checked(outFeatures * levels), $"layer {index} thresholds", allowInfinity: true);
        for (int j = 0; j < outFeatures; j++)
            for (int l = 1; l < levels; l++)
                if (thresholds[j * levels + l] < thresholds[j * levels + l - 1])
                    throw r.Error(thresholdsOffset + 4 * (j * levels + l), $"layer {index} thresholds of unit {j} decrease at level {l}; they must be non-decreasing.");
        return (outputBits, negated, thresholds);
    }

    private static bool[] ReadDirections(ref PackedModelReader r, int count, int index)
    {
        int start = r.Offset;
        var bytes = r.Take(count, $"layer {index} directions");
        var negated = new bool[count];
        for (int j = 0; j < count; j++)
        {
            if (bytes[j] > 1) throw r.Error(start + j, $"layer {index} direction of unit {j} is {bytes[j]}; allowed is 0 (+y) or 1 (−y).");
            negated[j] = bytes[j] == 1;
        }
        return negated;
    }
}
