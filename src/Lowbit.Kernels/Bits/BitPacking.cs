using System.Numerics;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Lowbit.Kernels.Bits;

/// <summary>
/// Packs ±1 signs and unsigned k-bit codes into bit rows, and back. Layouts are defined in <see cref="BitLayout"/>.
/// </summary>
public static class BitPacking
{
    /// <summary>Packs the signs of a row-major float matrix: <c>x ≥ 0 → bit 1 (+1)</c>, <c>x &lt; 0 → bit 0 (−1)</c>.</summary>
    /// <param name="values">Input <c>[rows, n]</c>.</param>
    /// <param name="rows">Number of rows (≥ 0).</param>
    /// <param name="n">Values per row (≥ 0).</param>
    /// <param name="packed">Output <c>[rows, WordsPerRow(n)]</c>; padding bits are written as zero.</param>
    /// <exception cref="ArgumentException">A span is too short or a value is NaN.</exception>
    public static void PackSigns(ReadOnlySpan<float> values, int rows, int n, Span<ulong> packed)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        int words = BitLayout.WordsPerRow(n);
        BitChecks.Length(nameof(values), values.Length, BitChecks.Count(nameof(values), rows, n), $"[{rows}, {n}]");
        BitChecks.Length(nameof(packed), packed.Length, BitChecks.Count(nameof(packed), rows, words), $"[{rows}, {words}] (words)");
        if (Vector256.IsHardwareAccelerated) PackSignsVector256(values, rows, n, packed);
        else PackSignsScalar(values, rows, n, packed);
    }

    /// <summary>Reference path: one value at a time.</summary>
    internal static void PackSignsScalar(ReadOnlySpan<float> values, int rows, int n, Span<ulong> packed)
    {
        int words = BitLayout.WordsPerRow(n);
        for (int r = 0; r < rows; r++)
        {
            for (int w = 0; w < words; w++)
            {
                int start = w * 64, count = Math.Min(64, n - start);
                packed[r * words + w] = PackWordScalar(values.Slice(r * n + start, count), r, start);
            }
        }
    }

    /// <summary>Eight floats per compare; <c>ExtractMostSignificantBits</c> yields 8 sign bits at once. Tail words use the scalar loop.</summary>
    internal static void PackSignsVector256(ReadOnlySpan<float> values, int rows, int n, Span<ulong> packed)
    {
        int words = BitLayout.WordsPerRow(n);
        ref float src = ref MemoryMarshal.GetReference(values);
        for (int r = 0; r < rows; r++)
        {
            int fullWords = n >> 6;
            for (int w = 0; w < fullWords; w++)
            {
                ulong word = 0;
                nuint offset = (nuint)(r * n + w * 64);
                for (int v = 0; v < 8; v++)
                {
                    Vector256<float> x = Vector256.LoadUnsafe(ref src, offset + (nuint)(v * 8));
                    Vector256<float> nonNegative = Vector256.GreaterThanOrEqual(x, Vector256<float>.Zero);
                    Vector256<float> negative = Vector256.LessThan(x, Vector256<float>.Zero);
                    if ((nonNegative | negative).AsUInt32() != Vector256<uint>.AllBitsSet)
                    {
                        PackWordScalar(values.Slice(r * n + w * 64, 64), r, w * 64); // throws naming the exact NaN position
                    }
                    word |= (ulong)nonNegative.ExtractMostSignificantBits() << (v * 8);
                }
                packed[r * words + w] = word;
            }
            if (fullWords < words)
            {
                int start = fullWords * 64;
                packed[r * words + fullWords] = PackWordScalar(values.Slice(r * n + start, n - start), r, start);
            }
        }
    }

    private static ulong PackWordScalar(ReadOnlySpan<float> chunk, int row, int start)
    {
        ulong word = 0;
        for (int i = 0; i < chunk.Length; i++)
        {
            float x = chunk[i];
            if (float.IsNaN(x)) ThrowNaN(row, start + i);
            if (x >= 0f) word |= 1UL << i;
        }
        return word;
    }

    /// <summary>Expands packed signs back to ±1 floats (bit 1 → +1, bit 0 → −1).</summary>
    /// <param name="packed">Input <c>[rows, WordsPerRow(n)]</c>.</param>
    /// <param name="rows">Number of rows.</param>
    /// <param name="n">Values per row.</param>
    /// <param name="values">Output <c>[rows, n]</c>.</param>
    /// <exception cref="ArgumentException">A span is too short.</exception>
    public static void UnpackSigns(ReadOnlySpan<ulong> packed, int rows, int n, Span<float> values)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        int words = BitLayout.WordsPerRow(n);
        BitChecks.Length(nameof(packed), packed.Length, BitChecks.Count(nameof(packed), rows, words), $"[{rows}, {words}] (words)");
        BitChecks.Length(nameof(values), values.Length, BitChecks.Count(nameof(values), rows, n), $"[{rows}, {n}]");
        for (int r = 0; r < rows; r++)
        {
            for (int i = 0; i < n; i++)
            {
                values[r * n + i] = ((packed[r * words + (i >> 6)] >> (i & 63)) & 1) != 0 ? 1f : -1f;
            }
        }
    }

    /// <summary>Splits unsigned <paramref name="bitWidth"/>-bit byte codes into bit planes <c>[rows, bitWidth, WordsPerRow(n)]</c>.</summary>
    /// <param name="codes">Input <c>[rows, n]</c>, each in <c>[0, 2^bitWidth)</c>.</param>
    /// <param name="rows">Number of rows.</param>
    /// <param name="n">Values per row.</param>
    /// <param name="bitWidth">Bits per code, 1..8.</param>
    /// <param name="planes">Output <c>[rows, bitWidth, WordsPerRow(n)]</c>, plane 0 = least significant bit.</param>
    /// <exception cref="ArgumentException">A span is too short or a code does not fit in <paramref name="bitWidth"/> bits.</exception>
    public static void PackBitPlanes(ReadOnlySpan<byte> codes, int rows, int n, int bitWidth, Span<ulong> planes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(bitWidth, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(bitWidth, 8);
        ValidatePlanes(codes.Length, rows, n, bitWidth, planes.Length);
        if (Vector512.IsHardwareAccelerated) PackBitPlanesVector512(codes, rows, n, bitWidth, planes);
        else PackBitPlanesCore(codes, rows, n, bitWidth, planes, static c => c);
    }

    /// <summary>Reference path for byte codes (one value and plane at a time).</summary>
    internal static void PackBitPlanesScalar(ReadOnlySpan<byte> codes, int rows, int n, int bitWidth, Span<ulong> planes) =>
        PackBitPlanesCore(codes, rows, n, bitWidth, planes, static c => c);

    /// <summary>
    /// 512-bit path for byte codes: 64 codes per load; plane p of a full word is the sign bits of the codes shifted
    /// left by 7 − p. A code ≥ 2^bitWidth is reported as the reference does; the last partial word goes through the
    /// reference (which writes zero padding).
    /// </summary>
    internal static void PackBitPlanesVector512(ReadOnlySpan<byte> codes, int rows, int n, int bitWidth, Span<ulong> planes)
    {
        int words = BitLayout.WordsPerRow(n), full = n / 64;
        var tooLarge = Vector512.Create(unchecked((byte)~((1 << bitWidth) - 1)));
        ref byte start = ref MemoryMarshal.GetReference(codes);
        for (int r = 0; r < rows; r++)
        {
            Span<ulong> row = planes.Slice(r * bitWidth * words, bitWidth * words);
            for (int w = 0; w < full; w++)
            {
                var v = Vector512.LoadUnsafe(ref start, (nuint)(r * n + w * 64));
                if ((v & tooLarge) != Vector512<byte>.Zero)
                {
                    int i = w * 64 + BitOperations.TrailingZeroCount(Vector512.GreaterThan(v, Vector512.Create((byte)((1 << bitWidth) - 1))).ExtractMostSignificantBits());
                    ThrowCode(r, i, codes[r * n + i], bitWidth);
                }
                for (int p = 0; p < bitWidth; p++) row[p * words + w] = Vector512.ShiftLeft(v, 7 - p).ExtractMostSignificantBits();
            }
            if (full < words)
            {
                int tail = n - full * 64;
                Span<ulong> last = stackalloc ulong[bitWidth];
                PackBitPlanesCore(codes.Slice(r * n + full * 64, tail), 1, tail, bitWidth, last, static c => c);
                for (int p = 0; p < bitWidth; p++) row[p * words + full] = last[p];
            }
        }
    }

    /// <summary>Splits unsigned <paramref name="bitWidth"/>-bit integer codes into bit planes <c>[rows, bitWidth, WordsPerRow(n)]</c>.</summary>
    /// <param name="codes">Input <c>[rows, n]</c>, each in <c>[0, 2^bitWidth)</c>.</param>
    /// <param name="rows">Number of rows.</param>
    /// <param name="n">Values per row.</param>
    /// <param name="bitWidth">Bits per code, 1..31.</param>
    /// <param name="planes">Output <c>[rows, bitWidth, WordsPerRow(n)]</c>, plane 0 = least significant bit.</param>
    /// <exception cref="ArgumentException">A span is too short or a code is negative or does not fit in <paramref name="bitWidth"/> bits.</exception>
    public static void PackBitPlanes(ReadOnlySpan<int> codes, int rows, int n, int bitWidth, Span<ulong> planes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(bitWidth, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(bitWidth, 31);
        ValidatePlanes(codes.Length, rows, n, bitWidth, planes.Length);
        PackBitPlanesCore(codes, rows, n, bitWidth, planes, static c => c);
    }

    private static void ValidatePlanes(int codesLength, int rows, int n, int bitWidth, int planesLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rows, nameof(rows));
        ArgumentOutOfRangeException.ThrowIfNegative(n, nameof(n));
        int words = BitLayout.WordsPerRow(n);
        BitChecks.Length("codes", codesLength, BitChecks.Count("codes", rows, n), $"[{rows}, {n}]");
        BitChecks.Length("planes", planesLength, BitChecks.Count("planes", rows, bitWidth, words), $"[{rows}, {bitWidth}, {words}] (words)");
    }

    private static void PackBitPlanesCore<T>(ReadOnlySpan<T> codes, int rows, int n, int bitWidth, Span<ulong> planes, Func<T, int> toInt)
    {
        int words = BitLayout.WordsPerRow(n);
        int limit = 1 << bitWidth;
        for (int r = 0; r < rows; r++)
        {
            Span<ulong> row = planes.Slice(r * bitWidth * words, bitWidth * words);
            row.Clear();
            for (int i = 0; i < n; i++)
            {
                int code = toInt(codes[r * n + i]);
                if ((uint)code >= (uint)limit) ThrowCode(r, i, code, bitWidth);
                int w = i >> 6;
                ulong bit = 1UL << (i & 63);
                for (int p = 0; p < bitWidth; p++)
                {
                    if (((code >> p) & 1) != 0) row[p * words + w] |= bit;
                }
            }
        }
    }

    /// <summary>Reassembles integer codes from bit planes: <c>v = Σ_p 2^p·plane_p</c>.</summary>
    /// <param name="planes">Input <c>[rows, bitWidth, WordsPerRow(n)]</c>.</param>
    /// <param name="rows">Number of rows.</param>
    /// <param name="n">Values per row.</param>
    /// <param name="bitWidth">Bits per code, 1..31.</param>
    /// <param name="codes">Output <c>[rows, n]</c>.</param>
    /// <exception cref="ArgumentException">A span is too short.</exception>
    public static void UnpackBitPlanes(ReadOnlySpan<ulong> planes, int rows, int n, int bitWidth, Span<int> codes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(bitWidth, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(bitWidth, 31);
        ValidatePlanes(codes.Length, rows, n, bitWidth, planes.Length);
        int words = BitLayout.WordsPerRow(n);
        for (int r = 0; r < rows; r++)
        {
            for (int i = 0; i < n; i++)
            {
                int code = 0;
                for (int p = 0; p < bitWidth; p++)
                {
                    code |= (int)((planes[(r * bitWidth + p) * words + (i >> 6)] >> (i & 63)) & 1) << p;
                }
                codes[r * n + i] = code;
            }
        }
    }

    [DoesNotReturn, MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowNaN(int row, int column) =>
        throw new ArgumentException($"values[{row}, {column}] is NaN; a sign can only be packed from a number (x >= 0 -> +1, x < 0 -> -1).", "values");

    [DoesNotReturn]
    private static void ThrowCode(int row, int column, int code, int bitWidth) =>
        throw new ArgumentException($"codes[{row}, {column}] = {code} does not fit in {bitWidth} unsigned bits; allowed range is [0, {(1 << bitWidth) - 1}].", "codes");
}
