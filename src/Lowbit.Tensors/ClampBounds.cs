namespace Lowbit.Tensors;

/// <summary>
/// A clamping activation y = min(max(x, Min), Max) and where its gradient passes: Min &lt; x ≤ Max, or Min ≤ x ≤ Max when
/// <paramref name="MinInclusive"/>. <see cref="Relu"/> is <see cref="Tensor.Relu"/>, <see cref="HardTanh"/> is
/// <see cref="Tensor.HardTanh"/> (values and gradients, bit for bit).
/// </summary>
/// <param name="Min">Lower bound.</param>
/// <param name="Max">Upper bound (≥ Min; +∞ for none).</param>
/// <param name="MinInclusive">Whether the gradient passes at x = Min.</param>
public sealed record ClampBounds(double Min, double Max, bool MinInclusive)
{
    /// <summary>max(x, 0); gradient where x &gt; 0.</summary>
    public static ClampBounds Relu { get; } = new(0, double.PositiveInfinity, false);

    /// <summary>clip(x, −1, 1); gradient where −1 ≤ x ≤ 1.</summary>
    public static ClampBounds HardTanh { get; } = new(-1, 1, true);

    /// <summary>Applies the activation as its own op (<see cref="Tensor.Relu"/> or <see cref="Tensor.Clamp"/>).</summary>
    public Tensor Apply(Tensor x) => MinInclusive ? Tensor.Clamp(x, Min, Max) : Max == double.PositiveInfinity && Min == 0 ? Tensor.Relu(x) : throw Unsupported();

    private InvalidOperationException Unsupported() =>
        new($"ClampBounds ({Min}, {Max}, exclusive minimum) has no op of its own; only ReLU (0, +∞) has an exclusive minimum.");
}
