using System.Globalization;

namespace Lowbit.Nn.Layers;

/// <summary>How a <see cref="TemperatureSchedule"/> moves from its start to its end value.</summary>
public enum TemperatureScheduleKind
{
    /// <summary>T(f) = start·(end/start)^f: the same factor every step (Hacene et al. 2019).</summary>
    Geometric,

    /// <summary>T(f) = start + (end − start)·f.</summary>
    Linear,

    /// <summary>T(f) = start throughout (end must equal start).</summary>
    Constant,
}

/// <summary>
/// The softmax sharpness of a <see cref="ShiftAttentionConv2d"/> over training, as a function of the fraction f of
/// training steps done (<see cref="TrainingProgress.Fraction"/>). The value multiplies the normalised attention logits,
/// so it is an inverse temperature in the usual softmax convention; the paper calls it the temperature.
/// </summary>
/// <remarks>
/// Hacene et al. (2019) start at 20 and multiply by exp(ln(70/20)/steps) after every step, reaching 70 at the end:
/// the geometric schedule with start 20, end 70 (<see cref="Paper"/>). Step t (0-based) uses T(t / steps); after the
/// last step, evaluation uses T(1) = end.
/// </remarks>
public sealed record TemperatureSchedule
{
    /// <summary>Creates a schedule.</summary>
    /// <param name="start">Value before the first step (finite, &gt; 0).</param>
    /// <param name="end">Value after the last step (finite, &gt; 0; equal to start for a constant schedule).</param>
    /// <param name="kind">How the value moves between them.</param>
    /// <exception cref="ArgumentOutOfRangeException">A value is out of range.</exception>
    public TemperatureSchedule(double start, double end, TemperatureScheduleKind kind)
    {
        if (!double.IsFinite(start) || start <= 0) throw new ArgumentOutOfRangeException(nameof(start), start, "The start temperature must be finite and > 0.");
        if (!double.IsFinite(end) || end <= 0) throw new ArgumentOutOfRangeException(nameof(end), end, "The end temperature must be finite and > 0.");
        if (kind == TemperatureScheduleKind.Constant && end != start)
            throw new ArgumentOutOfRangeException(nameof(end), end, string.Create(CultureInfo.InvariantCulture, $"A constant temperature schedule has end = start ({start}); use a geometric or linear schedule to anneal."));
        if (!Enum.IsDefined(kind)) throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown temperature schedule.");
        (Start, End, Kind) = (start, end, kind);
    }

    /// <summary>The paper's schedule: geometric from 20 to 70.</summary>
    public static TemperatureSchedule Paper { get; } = new(20, 70, TemperatureScheduleKind.Geometric);

    /// <summary>Value before the first step.</summary>
    public double Start { get; }

    /// <summary>Value after the last step.</summary>
    public double End { get; }

    /// <summary>How the value moves.</summary>
    public TemperatureScheduleKind Kind { get; }

    /// <summary>The value after fraction <paramref name="fraction"/> ∈ [0, 1] of the training steps.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The fraction is outside [0, 1].</exception>
    public double At(double fraction)
    {
        if (!(fraction >= 0 && fraction <= 1)) throw new ArgumentOutOfRangeException(nameof(fraction), fraction, "The training fraction must lie in [0, 1].");
        return Kind switch
        {
            TemperatureScheduleKind.Geometric => fraction == 1 ? End : Start * Math.Pow(End / Start, fraction),
            TemperatureScheduleKind.Linear => fraction == 1 ? End : Start + (End - Start) * fraction,
            _ => Start,
        };
    }

    /// <summary>"geometric 20 → 70".</summary>
    public override string ToString() => Kind == TemperatureScheduleKind.Constant
        ? string.Create(CultureInfo.InvariantCulture, $"constant {Start:G4}")
        : string.Create(CultureInfo.InvariantCulture, $"{Kind.ToString().ToLowerInvariant()} {Start:G4} → {End:G4}");
}
