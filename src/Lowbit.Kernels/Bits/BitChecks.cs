using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace Lowbit.Kernels.Bits;

/// <summary>Entry validation shared by the bit kernels; throws through <see cref="DoesNotReturnAttribute"/> helpers.</summary>
internal static class BitChecks
{
    /// <summary>Throws unless <paramref name="length"/> ≥ <paramref name="needed"/>.</summary>
    public static void Length(string name, int length, long needed, string shape)
    {
        if (length < needed) ThrowTooShort(name, length, needed, shape);
    }

    /// <summary>
    /// As <see cref="Length(string, int, long, string)"/> for an interpolated shape text, which is only formatted when the
    /// check fails: the kernels run these checks on every call, and a formatted string per call was most of what a
    /// packed model's prediction allocated.
    /// </summary>
    public static void Length(string name, int length, long needed,
        [InterpolatedStringHandlerArgument(nameof(length), nameof(needed))] ref ShapeText shape)
    {
        if (length < needed) ThrowTooShort(name, length, needed, shape.ToStringAndClear());
    }

    /// <summary>Element count of a shape, checked against <see cref="int.MaxValue"/>.</summary>
    public static long Count(string name, params ReadOnlySpan<int> dims)
    {
        long total = 1;
        foreach (int d in dims) total *= d;
        if (total > int.MaxValue) ThrowTooLarge(name, total);
        return total;
    }

    /// <summary>
    /// Throws if any of <paramref name="rows"/> packed rows (each <paramref name="words"/> words, row length
    /// <paramref name="bits"/>) has a set padding bit. Costs one word per row.
    /// </summary>
    public static void Padding(string name, ReadOnlySpan<ulong> packed, int rows, int words, int bits)
    {
        if (bits == 0 || (bits & 63) == 0) return;
        ulong pad = ~BitLayout.LastWordMask(bits);
        for (int r = 0; r < rows; r++)
        {
            if ((packed[r * words + words - 1] & pad) != 0) ThrowPadding(name, r, bits);
        }
    }

    [DoesNotReturn]
    private static void ThrowTooShort(string name, int length, long needed, string shape) =>
        throw new ArgumentException($"{name} has {length} elements but shape {shape} needs {needed}.", name);

    [DoesNotReturn]
    private static void ThrowTooLarge(string name, long total) =>
        throw new ArgumentException($"{name} would need {total} elements, more than a span can hold ({int.MaxValue}).", name);

    [DoesNotReturn]
    private static void ThrowPadding(string name, int row, int bits) =>
        throw new ArgumentException(
            $"Packed row {row} of {name} has non-zero padding bits past bit {bits}; padding bits must be zero " +
            "(see BitLayout). Pack with BitPacking.PackSigns / PackBitPlanes.", name);
}

/// <summary>
/// The shape text of a failed <see cref="BitChecks.Length(string, int, long, ref ShapeText)"/>: formats nothing while
/// length ≥ needed (the handler tells the compiler to skip the holes).
/// </summary>
[InterpolatedStringHandler]
internal ref struct ShapeText
{
    private DefaultInterpolatedStringHandler _text;

    public ShapeText(int literalLength, int formattedCount, int length, long needed, out bool shouldAppend)
    {
        shouldAppend = length < needed;
        _text = shouldAppend ? new DefaultInterpolatedStringHandler(literalLength, formattedCount) : default;
    }

    public void AppendLiteral(string value) => _text.AppendLiteral(value);

    public void AppendFormatted<T>(T value) => _text.AppendFormatted(value);

    public string ToStringAndClear() => _text.ToStringAndClear();
}
