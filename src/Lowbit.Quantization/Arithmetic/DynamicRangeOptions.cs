namespace Lowbit.Quantization.Arithmetic;

/// <summary>How dynamic fixed point moves a group's radix point.</summary>
/// <remarks>
/// Over a window of <see cref="Window"/> training steps each group averages its per-step overflow rate at the current
/// integer bits and at one integer bit fewer; at the end of the window <see cref="DynamicRangeRule.Next"/> moves the
/// radix point by at most one bit, and the new one is used from the next step on. Defaults follow the released code of
/// Courbariaux, Bengio, David (arXiv 1412.7024): a window of 100 batches and a maximum overflow rate of 0.01 %.
/// </remarks>
public sealed record DynamicRangeOptions
{
    /// <summary>Creates the settings.</summary>
    /// <param name="maxOverflowRate">Tolerated fraction of saturated values, in [0, 1).</param>
    /// <param name="window">Steps between radix-point updates (≥ 1).</param>
    /// <exception cref="ArgumentOutOfRangeException">Values outside the ranges above.</exception>
    public DynamicRangeOptions(double maxOverflowRate = 1e-4, int window = 100)
    {
        if (!(maxOverflowRate >= 0 && maxOverflowRate < 1))
            throw new ArgumentOutOfRangeException(nameof(maxOverflowRate), maxOverflowRate, "the maximum overflow rate must be in [0, 1).");
        ArgumentOutOfRangeException.ThrowIfLessThan(window, 1);
        MaxOverflowRate = maxOverflowRate;
        Window = window;
    }

    /// <summary>Tolerated overflow rate (a rate above it widens the range).</summary>
    public double MaxOverflowRate { get; }

    /// <summary>Steps per window.</summary>
    public int Window { get; }
}

/// <summary>The radix-point update of dynamic fixed point.</summary>
public static class DynamicRangeRule
{
    /// <summary>Radix points stay within the range the kernels accept (a group of zeros would otherwise drift forever).</summary>
    public const int Limit = 100;

    /// <summary>
    /// The integer bits after a window: one more when the overflow rate at the current integer bits exceeds the maximum
    /// (strictly), unchanged when only the rate at one bit fewer exceeds it, one fewer otherwise (the range can shrink
    /// and precision grow without overflowing too often). Rates are fractions of values whose rounded magnitude is
    /// ≥ the format's largest value (inclusive), averaged over the window's steps. Kept within ±<see cref="Limit"/>.
    /// </summary>
    /// <param name="integerBits">Current integer bits.</param>
    /// <param name="overflowRate">Mean overflow rate at <paramref name="integerBits"/>.</param>
    /// <param name="overflowRateBelow">Mean overflow rate at <paramref name="integerBits"/> − 1.</param>
    /// <param name="maxOverflowRate">Tolerated rate.</param>
    public static int Next(int integerBits, double overflowRate, double overflowRateBelow, double maxOverflowRate)
    {
        int next = overflowRate > maxOverflowRate ? integerBits + 1 : overflowRateBelow > maxOverflowRate ? integerBits : integerBits - 1;
        return Math.Clamp(next, -Limit, Limit);
    }
}
