using System.Numerics;
using System.Runtime.InteropServices;

namespace Lowbit.Kernels.Arithmetic;

/// <summary>How many rounded values reached the format's largest magnitude, at the current radix point and one bit lower.</summary>
/// <param name="AtRange">Count of rounded |y| ≥ max (saturated values: overflows at the current integer bits).</param>
/// <param name="AtRangeMinusOne">Count of rounded |y| ≥ max/2, the values that would overflow with one integer bit fewer.</param>
public readonly record struct OverflowCounts(long AtRange, long AtRangeMinusOne)
{
    /// <summary>Element-wise sum (counts of two chunks of one tensor).</summary>
    public static OverflowCounts operator +(OverflowCounts a, OverflowCounts b) => new(a.AtRange + b.AtRange, a.AtRangeMinusOne + b.AtRangeMinusOne);

    /// <summary>Sum of two counts (named alternative to +).</summary>
    public static OverflowCounts Add(OverflowCounts a, OverflowCounts b) => a + b;
}

/// <summary>
/// Rounds float32 values to a signed fixed-point format of <c>bits</c> bits including the sign and <c>integerBits</c>
/// integer bits (so <c>bits − 1 − integerBits</c> fraction bits), with saturation, and counts overflows.
/// </summary>
/// <remarks>
/// With F = bits − 1 − integerBits and K = 2^(bits−1) − 1 the representable values are k·2^−F for integers |k| ≤ K
/// (sign and magnitude: the range is symmetric, max = K·2^−F = (1 − 2^−(bits−1))·2^integerBits).
/// Nearest: k = round(x·2^F) with ties away from zero (0.5 → 1, −2.5 → −3), then saturated to [−K, K].
/// Stochastic: k = ⌊x·2^F⌋ + 1 with probability equal to the fraction x·2^F − ⌊x·2^F⌋ (so E[k] = x·2^F before
/// saturation), using a counter-based hash of (seed, element index) as the uniform draw: the result is a function
/// of the seed and the index only, whatever the chunking across threads.
/// ±∞ saturate to ±max; NaN stays NaN. The overflow counts are taken on the rounded values with inclusive
/// thresholds, as the dynamic fixed-point range rule needs (Courbariaux, Bengio, David, arXiv 1412.7024): a value
/// that rounds to exactly max counts as an overflow.
/// </remarks>
public static class FixedPointRounding
{
    /// <summary>Widest format float32 holds exactly (24-bit magnitudes).</summary>
    public const int MaxBits = 25;

    /// <summary>Integer bits are limited to ±100 so that 2^±F stays a normal float32.</summary>
    public const int MaxIntegerBitsMagnitude = 100;

    /// <summary>Rounds to nearest (half away from zero) with saturation.</summary>
    /// <param name="source">Values to round.</param>
    /// <param name="destination">Receives the rounded values; at least as long as the source (may alias it).</param>
    /// <param name="bits">Total bits including the sign, in [2, 25].</param>
    /// <param name="integerBits">Integer bits (radix point position), in [−100, 100].</param>
    /// <returns>Overflow counts of the rounded values.</returns>
    public static OverflowCounts RoundNearest(ReadOnlySpan<float> source, Span<float> destination, int bits, int integerBits)
    {
        var op = new FixedPointRounder(bits, integerBits, destination.Length, source.Length);
        int i = 0;
        var counts = new OverflowCounts();
        if (Vector.IsHardwareAccelerated) (i, counts) = op.NearestVector(source, destination);
        for (; i < source.Length; i++) destination[i] = op.Nearest(source[i], ref counts);
        return counts;
    }

    /// <summary>Rounds stochastically (unbiased) with saturation.</summary>
    /// <param name="source">Values to round.</param>
    /// <param name="destination">Receives the rounded values; at least as long as the source (may alias it).</param>
    /// <param name="bits">Total bits including the sign, in [2, 25].</param>
    /// <param name="integerBits">Integer bits (radix point position), in [−100, 100].</param>
    /// <param name="seed">Seed of the draws.</param>
    /// <param name="firstIndex">Index of source[0] in the whole tensor (the draw of element i uses firstIndex + i).</param>
    /// <returns>Overflow counts of the rounded values.</returns>
    public static OverflowCounts RoundStochastic(ReadOnlySpan<float> source, Span<float> destination, int bits, int integerBits, uint seed, int firstIndex)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(firstIndex);
        var op = new FixedPointRounder(bits, integerBits, destination.Length, source.Length);
        int i = 0;
        var counts = new OverflowCounts();
        if (Vector.IsHardwareAccelerated) (i, counts) = op.StochasticVector(source, destination, seed, firstIndex);
        for (; i < source.Length; i++) destination[i] = op.Stochastic(source[i], Uniform(seed, firstIndex + i), ref counts);
        return counts;
    }

    /// <summary>Reference path (the test oracle), in double: round half away from zero, saturate, scale back.</summary>
    public static float RoundNearestReference(float x, int bits, int integerBits)
    {
        Validate(bits, integerBits);
        if (float.IsNaN(x)) return x;
        int fraction = bits - 1 - integerBits;
        double k = Math.Round(Math.ScaleB((double)x, fraction), MidpointRounding.AwayFromZero);
        double limit = Math.ScaleB(1.0, bits - 1) - 1;
        return (float)Math.ScaleB(Math.Clamp(k, -limit, limit), -fraction);
    }

    /// <summary>
    /// Overflow counts of values that are not rounded (|x| ≥ max and |x| ≥ max/2 of the format): what the range rule
    /// sees when training runs in full precision to find the initial radix points.
    /// </summary>
    public static OverflowCounts CountOverflows(ReadOnlySpan<float> values, int bits, int integerBits)
    {
        Validate(bits, integerBits);
        float max = (MathF.ScaleB(1f, bits - 1) - 1) * MathF.ScaleB(1f, integerBits + 1 - bits), half = max * 0.5f;
        long at = 0, below = 0;
        foreach (float x in values)
        {
            float a = MathF.Abs(x);
            if (a >= max) at++;
            if (a >= half) below++;
        }
        return new OverflowCounts(at, below);
    }

    /// <summary>The uniform draw in [0, 1) (a multiple of 2^−24) that stochastic rounding uses for an element.</summary>
    public static float Uniform(uint seed, int index) => (Mix((uint)index * 0x9E3779B9u ^ seed) >> 8) * (1f / (1 << 24));

    /// <summary>Checks the format parameters.</summary>
    public static void Validate(int bits, int integerBits)
    {
        if (bits < 2 || bits > MaxBits)
            throw new ArgumentOutOfRangeException(nameof(bits), bits, $"fixed-point bits (sign included) must be in [2, {MaxBits}]; float32 holds at most 24-bit magnitudes exactly.");
        if (Math.Abs(integerBits) > MaxIntegerBitsMagnitude)
            throw new ArgumentOutOfRangeException(nameof(integerBits), integerBits, $"integer bits must be in [-{MaxIntegerBitsMagnitude}, {MaxIntegerBitsMagnitude}].");
    }

    /// <summary>The murmur3 32-bit finaliser (a bijection with good avalanche).</summary>
    internal static uint Mix(uint h)
    {
        h ^= h >> 16;
        h *= 0x85EBCA6Bu;
        h ^= h >> 13;
        h *= 0xC2B2AE35u;
        h ^= h >> 16;
        return h;
    }

    internal static Vector<uint> Mix(Vector<uint> h)
    {
        h ^= Vector.ShiftRightLogical(h, 16);
        h *= new Vector<uint>(0x85EBCA6Bu);
        h ^= Vector.ShiftRightLogical(h, 13);
        h *= new Vector<uint>(0xC2B2AE35u);
        h ^= Vector.ShiftRightLogical(h, 16);
        return h;
    }
}

/// <summary>The per-element fixed-point rounding, scalar and vector, with identical results.</summary>
internal readonly struct FixedPointRounder
{
    private readonly float _scale, _inverse, _limit, _half;

    public FixedPointRounder(int bits, int integerBits, int destinationLength, int sourceLength)
    {
        FixedPointRounding.Validate(bits, integerBits);
        if (destinationLength < sourceLength)
            throw new ArgumentException($"destination has {destinationLength} elements, fewer than the {sourceLength} of the source.", nameof(destinationLength));
        int fraction = bits - 1 - integerBits;
        _scale = MathF.ScaleB(1f, fraction);
        _inverse = MathF.ScaleB(1f, -fraction);
        _limit = MathF.ScaleB(1f, bits - 1) - 1; // exact: at most 2^24 − 1
        _half = _limit * 0.5f; // exact (a power of two minus one half)
    }

    public float Nearest(float x, ref OverflowCounts counts)
    {
        float a = MathF.Abs(x * _scale);
        float t = MathF.Floor(a);
        float k = a - t >= 0.5f ? t + 1 : t; // a − t is exact
        return Finish(x, k, ref counts);
    }

    public float Stochastic(float x, float u, ref OverflowCounts counts)
    {
        float v = x * _scale;
        float t = MathF.Floor(v);
        float k = u < v - t ? t + 1 : t; // up with probability v − t (exact), for NaN never
        return Finish(k, MathF.Abs(k), ref counts);
    }

    /// <summary>Saturates the integer magnitude, counts overflows, applies the sign and scales back.</summary>
    private float Finish(float signSource, float magnitude, ref OverflowCounts counts)
    {
        float m = MathF.Min(magnitude, _limit);
        if (m >= _limit) counts = new OverflowCounts(counts.AtRange + 1, counts.AtRangeMinusOne + 1);
        else if (m >= _half) counts = new OverflowCounts(counts.AtRange, counts.AtRangeMinusOne + 1);
        return MathF.CopySign(m, signSource) * _inverse;
    }

    public (int Done, OverflowCounts Counts) NearestVector(ReadOnlySpan<float> source, Span<float> destination)
    {
        int width = Vector<float>.Count, n = source.Length - source.Length % width;
        ref float src = ref MemoryMarshal.GetReference(source);
        ref float dst = ref MemoryMarshal.GetReference(destination);
        var scale = new Vector<float>(_scale);
        var accAt = Vector<int>.Zero;
        var accBelow = Vector<int>.Zero;
        for (int i = 0; i < n; i += width)
        {
            var x = Vector.LoadUnsafe(ref src, (nuint)i);
            var a = Vector.Abs(x * scale);
            var t = Vector.Floor(a);
            var k = Vector.ConditionalSelect(Vector.GreaterThanOrEqual(a - t, new Vector<float>(0.5f)), t + Vector<float>.One, t);
            FinishVector(x, k, ref accAt, ref accBelow).StoreUnsafe(ref dst, (nuint)i);
        }
        return (n, new OverflowCounts(-(long)Vector.Sum(accAt), -(long)Vector.Sum(accBelow)));
    }

    public (int Done, OverflowCounts Counts) StochasticVector(ReadOnlySpan<float> source, Span<float> destination, uint seed, int firstIndex)
    {
        int width = Vector<float>.Count, n = source.Length - source.Length % width;
        ref float src = ref MemoryMarshal.GetReference(source);
        ref float dst = ref MemoryMarshal.GetReference(destination);
        var scale = new Vector<float>(_scale);
        var lanes = Vector<uint>.Indices;
        var accAt = Vector<int>.Zero;
        var accBelow = Vector<int>.Zero;
        for (int i = 0; i < n; i += width)
        {
            var x = Vector.LoadUnsafe(ref src, (nuint)i);
            var index = new Vector<uint>((uint)(firstIndex + i)) + lanes;
            var draw = FixedPointRounding.Mix(index * new Vector<uint>(0x9E3779B9u) ^ new Vector<uint>(seed));
            var u = Vector.ConvertToSingle(Vector.ShiftRightLogical(draw, 8)) * new Vector<float>(1f / (1 << 24));
            var v = x * scale;
            var t = Vector.Floor(v);
            var k = Vector.ConditionalSelect(Vector.LessThan(u, v - t), t + Vector<float>.One, t);
            FinishVector(k, Vector.Abs(k), ref accAt, ref accBelow).StoreUnsafe(ref dst, (nuint)i);
        }
        return (n, new OverflowCounts(-(long)Vector.Sum(accAt), -(long)Vector.Sum(accBelow)));
    }

    private Vector<float> FinishVector(Vector<float> signSource, Vector<float> magnitude, ref Vector<int> accAt, ref Vector<int> accBelow)
    {
        var limit = new Vector<float>(_limit);
        var m = Vector.Min(magnitude, limit);
        accAt += Vector.GreaterThanOrEqual(m, limit);
        accBelow += Vector.GreaterThanOrEqual(m, new Vector<float>(_half));
        return Vector.CopySign(m, signSource) * new Vector<float>(_inverse);
    }
}
