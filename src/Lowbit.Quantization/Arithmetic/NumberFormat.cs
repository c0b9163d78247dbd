using Lowbit.Kernels.Arithmetic;

namespace Lowbit.Quantization.Arithmetic;

/// <summary>How a fixed-point format picks between the two neighbours of a value.</summary>
public enum RoundingMode
{
    /// <summary>The nearest neighbour; a value exactly halfway goes away from zero (0.5 LSB → 1 LSB).</summary>
    Nearest,

    /// <summary>The upper neighbour with probability equal to the distance from the lower one, in LSBs (unbiased).</summary>
    Stochastic,
}

/// <summary>
/// A number format in which training arithmetic is simulated: values are kept in float32 tensors but rounded onto the
/// format's value set (its precision and range) wherever an <c>ArithmeticPolicy</c> applies it. Formats are
/// immutable descriptions; the per-tensor state of a dynamic format (its current radix point and overflow counters)
/// lives with the group that uses it.
/// </summary>
/// <remarks>
/// After Courbariaux, Bengio and David, "Training deep neural networks with low precision multiplications"
/// (arXiv 1412.7024), which compares float32, float16, fixed point and dynamic fixed point for every quantity of
/// training. Rounding is one vectorised pass per tensor (<see cref="FloatRounding"/>, <see cref="FixedPointRounding"/>):
/// one virtual call per tensor, none per element.
/// </remarks>
public abstract class NumberFormat
{
    /// <summary>Short name for logs and results, e.g. <c>float16</c>, <c>fixed(20, 5)</c>, <c>dfxp(10)</c>.</summary>
    public abstract string Name { get; }

    /// <summary>Bits per value, sign included.</summary>
    public abstract int Bits { get; }

    /// <summary>True when rounding never changes a float32 value (the float32 format).</summary>
    public virtual bool IsIdentity => false;

    /// <summary>True for fixed-point formats whose radix point is updated from overflow rates during training.</summary>
    public virtual bool IsDynamic => false;

    /// <summary>Rounds <paramref name="source"/> into <paramref name="destination"/> (which may be the same memory).</summary>
    /// <param name="source">Values to round.</param>
    /// <param name="destination">Receives the rounded values; at least as long as the source.</param>
    /// <param name="integerBits">Radix point for fixed-point formats (a dynamic format's current one); floats ignore it.</param>
    /// <param name="stochasticSeed">Seed of the draws of a stochastic format; null rounds to nearest instead (evaluation).</param>
    /// <param name="firstIndex">Index of source[0] in the whole tensor (stochastic draws depend on seed and index only).</param>
    /// <returns>Overflow counts (fixed point) or zero (floats).</returns>
    public abstract OverflowCounts Round(ReadOnlySpan<float> source, Span<float> destination, int integerBits, uint? stochasticSeed, int firstIndex);

    /// <summary>The preset of a name: <c>float32</c>, <c>float16</c> (IEEE binary16) or <c>bfloat16</c>.</summary>
    /// <exception cref="ArgumentException">Not a preset name.</exception>
    public static NumberFormat Preset(string name) => name switch
    {
        "float32" => FloatFormat.Float32,
        "float16" => FloatFormat.Float16,
        "bfloat16" => FloatFormat.BFloat16,
        _ => throw new ArgumentException($"unknown number format '{name}'; presets are float32, float16, bfloat16 (others are objects with a \"type\" of float, fixed_point or dynamic_fixed_point).", nameof(name)),
    };

    /// <inheritdoc/>
    public override string ToString() => Name;
}
