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

    /// <summary>float32 values, [channels, height, width] per image (real-valued activations between layers).</summary>
    Reals,
}

/// <summary>
/// The values per image a layer consumes or produces: their encoding, shape [channels, height, width] (a flat vector
/// of N values is [N, 1, 1]) and bits per value. Storage per image: pixels and codes one byte per value in
/// [channels, height, width] order; ±1 signs as one packed row per pixel, <c>[height, width, WordsPerRow(channels)]</c>
/// (channel-packed, <see cref="BitLayout"/>; a flat vector is one packed row); reals and logits one float32 per value in
/// [channels, height, width] order.
/// </summary>
/// <param name="Encoding">How the values are stored.</param>
/// <param name="Channels">Channels (the value count of a flat vector).</param>
/// <param name="Height">Height (1 for a flat vector).</param>
/// <param name="Width">Width (1 for a flat vector).</param>
/// <param name="Bits">Bits per value: 8 for pixels, 1 for signs, k for codes, 32 for reals and logits.</param>
public readonly record struct ActivationSpec(ActivationEncoding Encoding, int Channels, int Height, int Width, int Bits)
{
    /// <summary>Values per image.</summary>
    public int Count => Channels * Height * Width;

    /// <summary>Whether the values have a spatial shape (height or width above 1).</summary>
    public bool IsSpatial => Height > 1 || Width > 1;

    /// <summary>8-bit pixels, flat.</summary>
    public static ActivationSpec Pixels(int count) => new(ActivationEncoding.Pixels, count, 1, 1, 8);

    /// <summary>8-bit pixels [channels, height, width].</summary>
    public static ActivationSpec Pixels(int channels, int height, int width) => new(ActivationEncoding.Pixels, channels, height, width, 8);

    /// <summary>Packed ±1 values, flat.</summary>
    public static ActivationSpec Signs(int count) => new(ActivationEncoding.Signs, count, 1, 1, 1);

    /// <summary>Packed ±1 values [channels, height, width], channel-packed per pixel.</summary>
    public static ActivationSpec Signs(int channels, int height, int width) => new(ActivationEncoding.Signs, channels, height, width, 1);

    /// <summary>k-bit level codes, flat.</summary>
    public static ActivationSpec LevelCodes(int count, int bits) => new(ActivationEncoding.LevelCodes, count, 1, 1, bits);

    /// <summary>R-plane residual codes, flat.</summary>
    public static ActivationSpec ResidualCodes(int count, int planes) => new(ActivationEncoding.ResidualCodes, count, 1, 1, planes);

    /// <summary>float32 outputs.</summary>
    public static ActivationSpec Logits(int count) => new(ActivationEncoding.Logits, count, 1, 1, 32);

    /// <summary>float32 values [channels, height, width].</summary>
    public static ActivationSpec Reals(int channels, int height, int width) => new(ActivationEncoding.Reals, channels, height, width, 32);

    /// <summary>Bytes per image when the values are stored one byte each (pixels and codes), else 0.</summary>
    internal int BytesPerImage => Encoding is ActivationEncoding.Pixels or ActivationEncoding.LevelCodes or ActivationEncoding.ResidualCodes ? Count : 0;

    /// <summary>Words per image when the values are packed bits (signs), else 0.</summary>
    internal int WordsPerImage => Encoding == ActivationEncoding.Signs ? Height * Width * BitLayout.WordsPerRow(Channels) : 0;

    /// <summary>Floats per image when the values are float32 (reals, logits), else 0.</summary>
    internal int FloatsPerImage => Encoding is ActivationEncoding.Logits or ActivationEncoding.Reals ? Count : 0;

    /// <summary>
    /// Whether values of this spec can be read as <paramref name="consumer"/>'s input: the same spec, or the same
    /// encoding, bits and count read flat (flattening keeps [channels, height, width] order for bytes and floats; for
    /// signs the channel-packed pixels are one flat row only when channels are a multiple of 64).
    /// </summary>
    internal bool CanFeed(ActivationSpec consumer) =>
        this == consumer
        || (Encoding == consumer.Encoding && Bits == consumer.Bits && Count == consumer.Count && !consumer.IsSpatial
            && (Encoding != ActivationEncoding.Signs || Channels % BitLayout.BitsPerWord == 0));

    /// <inheritdoc/>
    public override string ToString()
    {
        string shape = IsSpatial ? $" [{Channels}, {Height}, {Width}]" : "";
        return Encoding switch
        {
            ActivationEncoding.Pixels => $"{Count} 8-bit pixels{shape}",
            ActivationEncoding.Signs => $"{Count} ±1 signs{shape}",
            ActivationEncoding.LevelCodes => $"{Count} {Bits}-bit codes{shape}",
            ActivationEncoding.ResidualCodes => $"{Count} residual codes of {Bits} planes{shape}",
            ActivationEncoding.Reals => $"{Count} float32 values{shape}",
            _ => $"{Count} logits",
        };
    }
}
