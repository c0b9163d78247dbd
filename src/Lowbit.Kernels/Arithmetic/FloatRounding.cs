using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Lowbit.Kernels.Arithmetic;

/// <summary>
/// Rounds float32 values to the nearest value of a narrower IEEE-754-style binary floating-point format with
/// <c>e</c> exponent bits and <c>m</c> stored mantissa bits (float16 is e = 5, m = 10; bfloat16 is e = 8, m = 7), and
/// returns the result as float32 (simulated arithmetic: the values are exactly those the format can hold).
/// </summary>
/// <remarks>
/// Conventions, as IEEE 754 with round-to-nearest-even: the bias is 2^(e−1) − 1, so the largest finite value is
/// (2 − 2^−m)·2^emax with emax = 2^(e−1) − 1 and the smallest normal 2^emin with emin = 1 − emax; below it the
/// format has subnormals with the fixed step 2^(emin − m) (gradual underflow, not flush to zero); ties go to the
/// even mantissa; a value at or beyond max + half a step rounds to ±∞ (overflow); ±0 keep their sign, ±∞ stay, NaN
/// stays NaN. With e = 8 and m = 23 the format is float32 itself and rounding is the identity.
/// The vector path works on the bit pattern: adding (half a step − 1) plus the parity of the kept part to the
/// magnitude bits and clearing the dropped bits rounds half to even, and a carry into the exponent is the correct
/// result (including the carry into ∞). Subnormals of the target use (|x| + c) − c with c = 2^(emin − m + 23), which
/// float32 hardware rounds to the step 2^(emin − m), half to even. <see cref="RoundReference"/> is the oracle.
/// </remarks>
public static class FloatRounding
{
    /// <summary>Largest exponent field width that float32 can simulate.</summary>
    public const int MaxExponentBits = 8;

    /// <summary>Largest mantissa field width that float32 can simulate.</summary>
    public const int MaxMantissaBits = 23;

    /// <summary>Rounds every element of <paramref name="source"/> into <paramref name="destination"/> (may alias).</summary>
    /// <param name="source">Values to round.</param>
    /// <param name="destination">Receives the rounded values; at least as long as the source.</param>
    /// <param name="exponentBits">Exponent field width e in [2, 8].</param>
    /// <param name="mantissaBits">Stored mantissa width m in [1, 23].</param>
    /// <exception cref="ArgumentOutOfRangeException">e or m outside the ranges above.</exception>
    /// <exception cref="ArgumentException">The destination is shorter than the source.</exception>
    public static void Round(ReadOnlySpan<float> source, Span<float> destination, int exponentBits, int mantissaBits)
    {
        Validate(exponentBits, mantissaBits);
        if (destination.Length < source.Length)
            throw new ArgumentException($"destination has {destination.Length} elements, fewer than the {source.Length} of the source.", nameof(destination));
        var op = new FloatRounder(exponentBits, mantissaBits);
        if (op.IsIdentity)
        {
            source.CopyTo(destination);
            return;
        }
        int i = Vector.IsHardwareAccelerated ? RoundVector(source, destination, op) : 0;
        for (; i < source.Length; i++) destination[i] = op.Invoke(source[i]);
    }

    /// <summary>The vector path over whole vectors; returns the number of elements done.</summary>
    internal static int RoundVector(ReadOnlySpan<float> source, Span<float> destination, in FloatRounder op)
    {
        int width = Vector<float>.Count, n = source.Length - source.Length % width;
        ref float src = ref MemoryMarshal.GetReference(source);
        ref float dst = ref MemoryMarshal.GetReference(destination);
        for (int i = 0; i < n; i += width)
            op.Invoke(Vector.LoadUnsafe(ref src, (nuint)i)).StoreUnsafe(ref dst, (nuint)i);
        return n;
    }

    /// <summary>Checks e and m.</summary>
    public static void Validate(int exponentBits, int mantissaBits)
    {
        if (exponentBits < 2 || exponentBits > MaxExponentBits)
            throw new ArgumentOutOfRangeException(nameof(exponentBits), exponentBits, $"exponent bits must be in [2, {MaxExponentBits}] (float32 simulates at most its own 8).");
        if (mantissaBits < 1 || mantissaBits > MaxMantissaBits)
            throw new ArgumentOutOfRangeException(nameof(mantissaBits), mantissaBits, $"mantissa bits must be in [1, {MaxMantissaBits}] (float32 simulates at most its own 23).");
    }

    /// <summary>
    /// Reference path (the test oracle): exact arithmetic in double. The step at |x| is 2^(max(⌊log2|x|⌋, emin) − m);
    /// |x|/step is rounded half to even, multiplied back, and anything above the largest finite value becomes ∞.
    /// </summary>
    public static float RoundReference(float x, int exponentBits, int mantissaBits)
    {
        Validate(exponentBits, mantissaBits);
        if (float.IsNaN(x) || float.IsInfinity(x) || x == 0) return x;
        int emax = (1 << (exponentBits - 1)) - 1, emin = 1 - emax;
        double a = Math.Abs((double)x);
        int exponent = Math.Max(Math.ILogB(a), emin);
        double step = Math.ScaleB(1.0, exponent - mantissaBits);
        double r = Math.Round(a / step, MidpointRounding.ToEven) * step;
        double maxFinite = (2 - Math.ScaleB(1.0, -mantissaBits)) * Math.ScaleB(1.0, emax);
        if (r > maxFinite) r = double.PositiveInfinity;
        return (float)(x < 0 ? -r : r);
    }
}

/// <summary>The per-element rounding of <see cref="FloatRounding"/>, scalar and vector, with identical results.</summary>
internal readonly struct FloatRounder
{
    private const int InfinityBits = 0x7F800000, MagnitudeMask = 0x7FFFFFFF;
    private readonly int _shift, _halfMinusOne, _parityMask, _keepMask, _minNormalBits, _maxFiniteBits;
    private readonly float _magic;

    public FloatRounder(int exponentBits, int mantissaBits)
    {
        int emax = (1 << (exponentBits - 1)) - 1, emin = 1 - emax;
        _shift = FloatRounding.MaxMantissaBits - mantissaBits;
        _halfMinusOne = _shift == 0 ? 0 : (1 << (_shift - 1)) - 1;
        _parityMask = _shift == 0 ? 0 : 1;
        _keepMask = ~((1 << _shift) - 1);
        _minNormalBits = (emin + 127) << 23;
        _maxFiniteBits = ((emax + 127) << 23) | (((1 << mantissaBits) - 1) << _shift);
        _magic = MathF.ScaleB(1f, emin - mantissaBits + FloatRounding.MaxMantissaBits);
        IsIdentity = exponentBits == FloatRounding.MaxExponentBits && mantissaBits == FloatRounding.MaxMantissaBits;
    }

    /// <summary>True for e = 8, m = 23 (float32 itself).</summary>
    public bool IsIdentity { get; }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float Invoke(float x)
    {
        int bits = BitConverter.SingleToInt32Bits(x);
        int magnitude = bits & MagnitudeMask;
        if (magnitude >= InfinityBits) return x;
        int rounded;
        if (magnitude < _minNormalBits)
        {
            float a = BitConverter.Int32BitsToSingle(magnitude);
            rounded = BitConverter.SingleToInt32Bits(a + _magic - _magic);
        }
        else
        {
            rounded = (magnitude + _halfMinusOne + ((magnitude >> _shift) & _parityMask)) & _keepMask;
            if (rounded > _maxFiniteBits) rounded = InfinityBits;
        }
        return BitConverter.Int32BitsToSingle(rounded | (bits & int.MinValue));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector<float> Invoke(Vector<float> x)
    {
        var bits = Vector.AsVectorInt32(x);
        var magnitude = bits & new Vector<int>(MagnitudeMask);
        var normal = (magnitude + new Vector<int>(_halfMinusOne) + (Vector.ShiftRightLogical(magnitude, _shift) & new Vector<int>(_parityMask)))
            & new Vector<int>(_keepMask);
        normal = Vector.ConditionalSelect(Vector.GreaterThan(normal, new Vector<int>(_maxFiniteBits)), new Vector<int>(InfinityBits), normal);
        var magic = new Vector<float>(_magic);
        var subnormal = Vector.AsVectorInt32(Vector.AsVectorSingle(magnitude) + magic - magic);
        var rounded = Vector.ConditionalSelect(Vector.LessThan(magnitude, new Vector<int>(_minNormalBits)), subnormal, normal)
            | (bits & new Vector<int>(int.MinValue));
        var special = Vector.GreaterThanOrEqual(magnitude, new Vector<int>(InfinityBits));
        return Vector.AsVectorSingle(Vector.ConditionalSelect(special, bits, rounded));
    }
}
