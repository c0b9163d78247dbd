using Lowbit.Kernels.Arithmetic;

namespace Lowbit.Quantization.Arithmetic;

/// <summary>
/// Signed fixed point with <see cref="Bits"/> bits (sign included) of which <see cref="IntegerBits"/> are integer
/// bits: values k·2^−F with F = Bits − 1 − IntegerBits and |k| ≤ 2^(Bits−1) − 1, saturating at ±<see cref="MaxValue"/>.
/// With <see cref="DynamicRange"/> set it is dynamic fixed point: IntegerBits is only the starting radix point and each
/// group that uses the format moves its own radix point from overflow rates (<see cref="RadixTracker"/>).
/// </summary>
/// <remarks>
/// Courbariaux, Bengio, David (arXiv 1412.7024), section 2 (fixed point with one global radix point) and section 3
/// (dynamic fixed point: one radix point per group of variables, updated during training). Integer bits may be
/// negative (radix point left of the top bit) or exceed the width (LSB above 1).
/// </remarks>
public sealed class FixedPointFormat : NumberFormat
{
    /// <summary>Creates the format.</summary>
    /// <param name="bits">Total bits, sign included, in [2, 25].</param>
    /// <param name="integerBits">Integer bits (initial ones when dynamic), in [−100, 100].</param>
    /// <param name="rounding">Nearest (ties away from zero) or stochastic.</param>
    /// <param name="dynamicRange">Settings of the radix-point updates, or null for a fixed radix point.</param>
    /// <exception cref="ArgumentOutOfRangeException">Bits or integer bits outside the ranges above.</exception>
    public FixedPointFormat(int bits, int integerBits, RoundingMode rounding = RoundingMode.Nearest, DynamicRangeOptions? dynamicRange = null)
    {
        FixedPointRounding.Validate(bits, integerBits);
        Bits = bits;
        IntegerBits = integerBits;
        Rounding = rounding;
        DynamicRange = dynamicRange;
    }

    /// <inheritdoc/>
    public override int Bits { get; }

    /// <summary>Integer bits (the fixed radix point, or the starting one of a dynamic format).</summary>
    public int IntegerBits { get; }

    /// <summary>Rounding rule.</summary>
    public RoundingMode Rounding { get; }

    /// <summary>Radix-point update settings of dynamic fixed point, or null.</summary>
    public DynamicRangeOptions? DynamicRange { get; }

    /// <inheritdoc/>
    public override bool IsDynamic => DynamicRange is not null;

    /// <inheritdoc/>
    public override string Name => (DynamicRange is null ? $"fixed({Bits}, {IntegerBits})" : $"dfxp({Bits})") + (Rounding == RoundingMode.Stochastic ? " stochastic" : "");

    /// <summary>Largest magnitude at <paramref name="integerBits"/>: (2^(Bits−1) − 1)·2^(integerBits − Bits + 1).</summary>
    public double MaxValue(int integerBits) => (Math.ScaleB(1.0, Bits - 1) - 1) * Math.ScaleB(1.0, integerBits - Bits + 1);

    /// <inheritdoc/>
    public override OverflowCounts Round(ReadOnlySpan<float> source, Span<float> destination, int integerBits, uint? stochasticSeed, int firstIndex) =>
        Rounding == RoundingMode.Stochastic && stochasticSeed is uint seed
            ? FixedPointRounding.RoundStochastic(source, destination, Bits, integerBits, seed, firstIndex)
            : FixedPointRounding.RoundNearest(source, destination, Bits, integerBits);
}
