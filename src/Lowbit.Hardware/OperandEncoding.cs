namespace Lowbit.Hardware;

/// <summary>
/// Representation of one operand of a layer: a <see cref="QuantizationKind"/> and its bit count
/// (k for <see cref="QuantizationKind.Uniform"/>, B for <see cref="QuantizationKind.Residual"/>,
/// B_max for <see cref="QuantizationKind.Heterogeneous"/>, 32 for <see cref="QuantizationKind.Float32"/>).
/// Create instances through the static factories, which validate the bit count.
/// </summary>
public sealed record OperandEncoding
{
    /// <summary>Largest bit count accepted for quantized kinds.</summary>
    public const int MaxQuantizedBits = 16;

    private OperandEncoding(QuantizationKind kind, int bits)
    {
        Kind = kind;
        Bits = bits;
    }

    /// <summary>The representation family.</summary>
    public QuantizationKind Kind { get; }

    /// <summary>Bits (bit planes) per value: k, B, B_max, or 32 for float.</summary>
    public int Bits { get; }

    /// <summary>True when values are quantized (anything but <see cref="QuantizationKind.Float32"/>).</summary>
    public bool IsQuantized => Kind != QuantizationKind.Float32;

    /// <summary>True when every bit plane is a ±1 plane (1-bit uniform, residual or heterogeneous), so products are XNOR-popcounts.</summary>
    public bool IsSignPlanes => Kind is QuantizationKind.Residual or QuantizationKind.Heterogeneous
        || (Kind == QuantizationKind.Uniform && Bits == 1);

    /// <summary>IEEE float32 values.</summary>
    public static OperandEncoding Float32 { get; } = new(QuantizationKind.Float32, 32);

    /// <summary>±1 values (1-bit uniform), as in BinaryConnect / BNN.</summary>
    public static OperandEncoding Binary { get; } = new(QuantizationKind.Uniform, 1);

    /// <summary>k-bit uniform values.</summary>
    /// <param name="bits">k, between 1 and <see cref="MaxQuantizedBits"/>.</param>
    /// <returns>The encoding.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="bits"/> is outside 1..<see cref="MaxQuantizedBits"/>.</exception>
    public static OperandEncoding Uniform(int bits) => new(QuantizationKind.Uniform, CheckBits(bits));

    /// <summary>Homogeneous residual binarization with <paramref name="planes"/> ±1 planes (docs/MIXED-PRECISION.md).</summary>
    /// <param name="planes">B, between 1 and <see cref="MaxQuantizedBits"/>.</param>
    /// <returns>The encoding.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="planes"/> is outside 1..<see cref="MaxQuantizedBits"/>.</exception>
    public static OperandEncoding Residual(int planes) => new(QuantizationKind.Residual, CheckBits(planes));

    /// <summary>Heterogeneous residual binarization with at most <paramref name="maxPlanes"/> planes per value (HBB).</summary>
    /// <param name="maxPlanes">B_max, between 1 and <see cref="MaxQuantizedBits"/>.</param>
    /// <returns>The encoding.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxPlanes"/> is outside 1..<see cref="MaxQuantizedBits"/>.</exception>
    public static OperandEncoding Heterogeneous(int maxPlanes) => new(QuantizationKind.Heterogeneous, CheckBits(maxPlanes));

    /// <summary>Short label such as "f32", "u1", "u4", "res2", "het3".</summary>
    /// <returns>The label.</returns>
    public override string ToString() => Kind switch
    {
        QuantizationKind.Float32 => "f32",
        QuantizationKind.Uniform => $"u{Bits}",
        QuantizationKind.Residual => $"res{Bits}",
        _ => $"het{Bits}",
    };

    private static int CheckBits(int bits)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(bits);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(bits, MaxQuantizedBits);
        return bits;
    }
}
