using Lowbit.Kernels.Arithmetic;
using Lowbit.Quantization.Arithmetic;
using Lowbit.Tensors;

namespace Lowbit.Nn.Arithmetic;

/// <summary>How a group rounds in the current call.</summary>
/// <param name="Count">Add the overflow counts to the group's window (training steps only).</param>
/// <param name="Seed">Seed of stochastic draws, or null to round stochastic formats to nearest (evaluation).</param>
/// <param name="MeasureOnly">Leave values unrounded and only count overflows (range initialisation).</param>
internal readonly record struct RoundingCall(bool Count, uint? Seed, bool MeasureOnly);

/// <summary>
/// One group of variables of the policy ("L2/dE/dW"): its format, for parameters the format of the copy the
/// forward pass uses, and, when a format is dynamic, the radix point it moves over training.
/// </summary>
/// <remarks>
/// A parameter group's stored values and their propagation copy share one radix point (both fixed point: the copy has
/// fewer fraction bits); overflows are measured on the stored values when their format is dynamic, otherwise on the
/// copy. Rounding runs over contiguous chunks on <see cref="Compute.Threads"/> threads; counts are integers and
/// stochastic draws depend on the element index only, so results do not depend on the thread count.
/// </remarks>
internal sealed class RoundingGroup
{
    private const int Grain = 32768;

    public RoundingGroup(string name, int index, NumberFormat format, NumberFormat? copyFormat = null)
    {
        Name = name;
        Index = index;
        Format = format;
        CopyFormat = copyFormat;
        var tracked = format.IsDynamic ? format : copyFormat is { IsDynamic: true } ? copyFormat : null;
        if (tracked is FixedPointFormat { DynamicRange: { } options } fx)
        {
            TrackedFormat = fx;
            Tracker = new RadixTracker(fx.IntegerBits, options);
        }
    }

    /// <summary>Log name, e.g. "L2/dE/dW".</summary>
    public string Name { get; }

    /// <summary>Position in the policy's group list (mixed into stochastic seeds).</summary>
    public int Index { get; }

    /// <summary>The group's format (for parameters: the stored one).</summary>
    public NumberFormat Format { get; }

    /// <summary>Format of a parameter's propagation copy, or null.</summary>
    public NumberFormat? CopyFormat { get; }

    /// <summary>The dynamic format whose overflows move the radix point, or null.</summary>
    public FixedPointFormat? TrackedFormat { get; }

    /// <summary>The radix point, when a format is dynamic.</summary>
    public RadixTracker? Tracker { get; }

    /// <summary>Integer bits <paramref name="format"/> uses now (0 for floats).</summary>
    public int IntegerBits(NumberFormat format) => format switch
    {
        FixedPointFormat { IsDynamic: true } => Tracker!.IntegerBits,
        FixedPointFormat fx => fx.IntegerBits,
        _ => 0,
    };

    /// <summary>Rounds <paramref name="source"/> into <paramref name="destination"/> (same length; may be the same tensor) with <paramref name="format"/>.</summary>
    public void Round(Tensor source, Tensor destination, NumberFormat format, RoundingCall call) => Round(source, destination, format, call, 0, source.Length);

    /// <summary>
    /// Rounds elements [<paramref name="start"/>, start + <paramref name="length"/>) of <paramref name="source"/> into the same
    /// elements of <paramref name="destination"/>; overflow counts of every range rounded in a step add up, and stochastic
    /// draws depend on the element index, so rounding a tensor in ranges equals rounding it whole.
    /// </summary>
    public void Round(Tensor source, Tensor destination, NumberFormat format, RoundingCall call, int start, int length)
    {
        if ((uint)start > (uint)source.Length || (uint)length > (uint)(source.Length - start) || destination.Length != source.Length)
            throw new ArgumentOutOfRangeException(nameof(length), $"range [{start}, {start + length}) of {Name} outside tensors of {source.Length} and {destination.Length} elements.");
        bool track = call.Count && Tracker is not null && ReferenceEquals(format, TrackedFormat);
        int integerBits = IntegerBits(format);
        if (call.MeasureOnly || format.IsIdentity)
        {
            if (!ReferenceEquals(source, destination)) source.AsSpan().Slice(start, length).CopyTo(destination.AsSpan().Slice(start, length));
            if (track) Tracker!.Observe(FixedPointRounding.CountOverflows(source.AsSpan().Slice(start, length), format.Bits, integerBits), length);
            return;
        }
        long at = 0, below = 0;
        uint? seed = call.Seed;
        Compute.For(length, Grain, 16, (from, to) =>
        {
            int first = start + from, count = to - from;
            var counts = format.Round(source.AsSpan().Slice(first, count), destination.AsSpan().Slice(first, count), integerBits, seed, first);
            if (counts.AtRange != 0) Interlocked.Add(ref at, counts.AtRange);
            if (counts.AtRangeMinusOne != 0) Interlocked.Add(ref below, counts.AtRangeMinusOne);
        });
        if (track) Tracker!.Observe(new OverflowCounts(at, below), length);
    }
}
