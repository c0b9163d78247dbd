using Lowbit.Kernels.Bits;

namespace Lowbit.Inference.Format;

/// <summary>How the values one packed layer hands to the next are encoded (docs/FORMAT.md, "Activations").</summary>
public enum ActivationEncoding
{
    /// <summary>The model input: one byte per value, whose float32 value is the model's pixel table entry.</summary>
    Pixels,

    /// <summary>±1 values packed 64 to a word (<see cref="BitLayout"/>), one packed row per image.</summary>
    Signs,

    /// <summary>Unsigned k-bit codes, one byte per value; the consuming layer stores each code's float32 value.</summary>
    LevelCodes,

    /// <summary>R ±1 residual planes as one code byte per value (plane 1 = most significant bit, bit 1 = +1); the
    /// consuming layer stores the plane scales and each code's float32 value.</summary>
    ResidualCodes,

    /// <summary>The network's float32 outputs (last layer only).</summary>
    Logits,
}

/// <summary>The values per image a layer consumes or produces: their encoding, count and bits per value.</summary>
/// <param name="Encoding">How the values are stored.</param>
/// <param name="Count">Values per image (features).</param>
/// <param name="Bits">Bits per value: 8 for pixels, 1 for signs, k for codes, 32 for logits.</param>
public readonly record struct ActivationSpec(ActivationEncoding Encoding, int Count, int Bits)
{
    /// <summary>8-bit pixels.</summary>
    public static ActivationSpec Pixels(int count) => new(ActivationEncoding.Pixels, count, 8);

    /// <summary>Packed ±1 values.</summary>
    public static ActivationSpec Signs(int count) => new(ActivationEncoding.Signs, count, 1);

    /// <summary>k-bit level codes.</summary>
    public static ActivationSpec LevelCodes(int count, int bits) => new(ActivationEncoding.LevelCodes, count, bits);

    /// <summary>R-plane residual codes.</summary>
    public static ActivationSpec ResidualCodes(int count, int planes) => new(ActivationEncoding.ResidualCodes, count, planes);

    /// <summary>float32 outputs.</summary>
    public static ActivationSpec Logits(int count) => new(ActivationEncoding.Logits, count, 32);

    /// <summary>Bytes per image when the values are stored one byte each (pixels and codes), else 0.</summary>
    internal int BytesPerImage => Encoding is ActivationEncoding.Pixels or ActivationEncoding.LevelCodes or ActivationEncoding.ResidualCodes ? Count : 0;

    /// <summary>Words per image when the values are packed bits (signs), else 0.</summary>
    internal int WordsPerImage => Encoding == ActivationEncoding.Signs ? BitLayout.WordsPerRow(Count) : 0;

    /// <summary>Floats per image when the values are float32 (logits), else 0.</summary>
    internal int FloatsPerImage => Encoding == ActivationEncoding.Logits ? Count : 0;

    /// <inheritdoc/>
    public override string ToString() => Encoding switch
    {
        ActivationEncoding.Pixels => $"{Count} 8-bit pixels",
        ActivationEncoding.Signs => $"{Count} ±1 signs",
        ActivationEncoding.LevelCodes => $"{Count} {Bits}-bit codes",
        ActivationEncoding.ResidualCodes => $"{Count} residual codes of {Bits} planes",
        _ => $"{Count} logits",
    };
}
