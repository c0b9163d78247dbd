using Lowbit.Kernels.Arithmetic;

namespace Lowbit.Quantization.Arithmetic;

/// <summary>
/// A binary floating-point format with <see cref="ExponentBits"/> exponent and <see cref="MantissaBits"/> stored
/// mantissa bits, IEEE 754 style: round to nearest with ties to even, gradual underflow through subnormals, overflow
/// to ±∞, NaN kept (<see cref="FloatRounding"/> gives the exact rules).
/// </summary>
public sealed class FloatFormat : NumberFormat
{
    /// <summary>Creates the format.</summary>
    /// <param name="exponentBits">Exponent bits in [2, 8].</param>
    /// <param name="mantissaBits">Stored mantissa bits in [1, 23].</param>
    /// <exception cref="ArgumentOutOfRangeException">Widths outside those ranges (float32 cannot simulate wider).</exception>
    public FloatFormat(int exponentBits, int mantissaBits)
    {
        FloatRounding.Validate(exponentBits, mantissaBits);
        ExponentBits = exponentBits;
        MantissaBits = mantissaBits;
    }

    /// <summary>IEEE binary32 (rounding is the identity).</summary>
    public static FloatFormat Float32 { get; } = new(8, 23);

    /// <summary>IEEE binary16: 5 exponent bits, 10 mantissa bits (agrees bit for bit with <see cref="Half"/> conversions).</summary>
    public static FloatFormat Float16 { get; } = new(5, 10);

    /// <summary>bfloat16: float32's 8 exponent bits with 7 mantissa bits.</summary>
    public static FloatFormat BFloat16 { get; } = new(8, 7);

    /// <summary>Exponent field width.</summary>
    public int ExponentBits { get; }

    /// <summary>Stored mantissa width (the leading 1 of normal numbers is implicit).</summary>
    public int MantissaBits { get; }

    /// <inheritdoc/>
    public override int Bits => 1 + ExponentBits + MantissaBits;

    /// <inheritdoc/>
    public override bool IsIdentity => ExponentBits == FloatRounding.MaxExponentBits && MantissaBits == FloatRounding.MaxMantissaBits;

    /// <inheritdoc/>
    public override string Name => (ExponentBits, MantissaBits) switch
    {
        (8, 23) => "float32",
        (5, 10) => "float16",
        (8, 7) => "bfloat16",
        _ => $"float(e{ExponentBits}, m{MantissaBits})",
    };

    /// <inheritdoc/>
    public override OverflowCounts Round(ReadOnlySpan<float> source, Span<float> destination, int integerBits, uint? stochasticSeed, int firstIndex)
    {
        FloatRounding.Round(source, destination, ExponentBits, MantissaBits);
        return default;
    }
}
