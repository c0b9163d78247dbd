using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Lowbit.Kernels.Conv;

public static partial class DirectConv
{
    /// <summary>
    /// One plane of <see cref="Pad"/> at stride 2: each source row is split into its even and odd columns (vector
    /// shuffles) written straight into the two phase rows it belongs to; border cells get <paramref name="padValue"/>.
    /// Produces the same values as the general phase copy.
    /// </summary>
    private static void PadPlanePhase2(ReadOnlySpan<float> src, Span<float> dst, int height, int width, int padding, float padValue, int hq, int wq)
    {
        int planeLength = hq * wq;
        // Source column xx sits in phase px = (xx + padding) % 2 at j = (xx + padding) / 2.
        int evenPhase = padding % 2, evenStart = padding / 2, oddPhase = (1 + padding) % 2, oddStart = (1 + padding) / 2;
        int evens = (width + 1) / 2, odds = width / 2;
        for (int py = 0; py < 2; py++)
            for (int i = 0; i < hq; i++)
            {
                int y = 2 * i + py - padding;
                var row0 = dst.Slice((py * 2) * planeLength + i * wq, wq);
                var row1 = dst.Slice((py * 2 + 1) * planeLength + i * wq, wq);
                if ((uint)y >= (uint)height)
                {
                    row0.Fill(padValue);
                    row1.Fill(padValue);
                    continue;
                }
                var evenRow = evenPhase == 0 ? row0 : row1;
                var oddRow = oddPhase == 0 ? row0 : row1;
                FillShort(evenRow[..evenStart], padValue);
                FillShort(evenRow[(evenStart + evens)..], padValue);
                FillShort(oddRow[..oddStart], padValue);
                FillShort(oddRow[(oddStart + odds)..], padValue);
                Deinterleave(src.Slice(y * width, width), evenRow.Slice(evenStart, evens), oddRow.Slice(oddStart, odds));
            }
    }

    /// <summary>Whether <see cref="PadPlanePhase2Padding1"/> takes a plane: padding 1, a width that is a multiple of 8.</summary>
    internal static bool SupportsPhase2Padding1(int padding, int width) => padding == 1 && width % 8 == 0 && width > 0;

    /// <summary>
    /// <see cref="PadPlanePhase2"/> for padding 1 and a width that is a multiple of 8 (every Winograd layer and stride-2
    /// layer of the CIFAR models): source row y is padded row y + 1, so it lands in phase row (y + 1)/2 of phase
    /// py = (y + 1) mod 2; its even columns 2j fill phase px = 1 at j and its odd columns 2j + 1 phase px = 0 at j + 1.
    /// One permutation per 16 (Vector512) or 8 (Vector256) source floats splits a run into its evens and odds, written
    /// as two stores; the pad cells are written directly. Same values as the general copy.
    /// </summary>
    /// <param name="src">One source plane [height, width].</param>
    /// <param name="dst">Its four phase planes [2, 2, hq, wq].</param>
    /// <param name="height">Source height.</param>
    /// <param name="width">Source width (a multiple of 8).</param>
    /// <param name="padValue">Value of the border and of the phase cells past the padded size.</param>
    /// <param name="hq">Phase-plane rows, ⌈(height + 2)/2⌉.</param>
    /// <param name="wq">Phase-plane columns, ⌈(width + 2)/2⌉ = width/2 + 1.</param>
    /// <param name="vector512">Split 16 floats at a time with Vector512 (else 8 with Vector256; both give the same values).</param>
    internal static unsafe void PadPlanePhase2Padding1(ReadOnlySpan<float> src, Span<float> dst, int height, int width, float padValue, int hq, int wq,
        bool vector512)
    {
        System.Diagnostics.Debug.Assert(SupportsPhase2Padding1(1, width) && wq == width / 2 + 1 && hq == (height + 3) / 2);
        if (src.Length < height * width || dst.Length < 4 * hq * wq) throw new ArgumentException("Plane buffers are too short for the shape.");
        int planeLength = hq * wq, half = width / 2;
        fixed (float* source = src, phases = dst)
        {
            for (int py = 0; py < 2; py++)
            {
                float* even = phases + (2 * py + 1) * planeLength, odd = phases + 2 * py * planeLength; // phases (py, 1) and (py, 0)
                for (int i = 0; i < hq; i++, even += wq, odd += wq)
                {
                    int y = 2 * i + py - 1;
                    if ((uint)y >= (uint)height)
                    {
                        FillRow(even, wq, padValue);
                        FillRow(odd, wq, padValue);
                        continue;
                    }
                    odd[0] = padValue;
                    even[half] = padValue;
                    SplitRow(source + (nint)y * width, width, even, odd + 1, vector512);
                }
            }
        }
    }

    /// <summary>evens[j] = row[2j], odds[j] = row[2j + 1] for a row of a multiple of 8 floats.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void SplitRow(float* row, int width, float* evens, float* odds, bool vector512)
    {
        int x = 0;
        if (vector512)
        {
            Vector512<int> split = Vector512.Create(0, 2, 4, 6, 8, 10, 12, 14, 1, 3, 5, 7, 9, 11, 13, 15);
            for (; x + 16 <= width; x += 16)
            {
                Vector512<float> v = Vector512.Shuffle(Vector512.Load(row + x), split);
                v.GetLower().Store(evens + x / 2);
                v.GetUpper().Store(odds + x / 2);
            }
        }
        Vector256<int> split8 = Vector256.Create(0, 2, 4, 6, 1, 3, 5, 7);
        for (; x < width; x += 8)
        {
            Vector256<float> v = Vector256.Shuffle(Vector256.Load(row + x), split8);
            v.GetLower().Store(evens + x / 2);
            v.GetUpper().Store(odds + x / 2);
        }
    }

    /// <summary>row[0 .. length) = value, by 8-float vectors and a scalar tail (phase rows are 5 to 33 floats).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void FillRow(float* row, int length, float value)
    {
        var v = Vector256.Create(value);
        int j = 0;
        for (; j + 8 <= length; j += 8) v.Store(row + j);
        for (; j < length; j++) row[j] = value;
    }

    /// <summary>evens[j] = row[2j], odds[j] = row[2j + 1].</summary>
    private static void Deinterleave(ReadOnlySpan<float> row, Span<float> evens, Span<float> odds)
    {
        int x = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            ref float source = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(row);
            ref float even = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(evens);
            ref float odd = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(odds);
            Vector256<int> split = Vector256.Create(0, 2, 4, 6, 1, 3, 5, 7);
            for (; x + 16 <= row.Length; x += 16)
            {
                Vector256<float> a = Vector256.Shuffle(Vector256.LoadUnsafe(ref source, (nuint)x), split);
                Vector256<float> b = Vector256.Shuffle(Vector256.LoadUnsafe(ref source, (nuint)x + 8), split);
                Vector256.Create(a.GetLower(), b.GetLower()).StoreUnsafe(ref even, (nuint)(x / 2));
                Vector256.Create(a.GetUpper(), b.GetUpper()).StoreUnsafe(ref odd, (nuint)(x / 2));
            }
            if (x + 8 <= row.Length)
            {
                Vector256<float> a = Vector256.Shuffle(Vector256.LoadUnsafe(ref source, (nuint)x), split);
                a.GetLower().StoreUnsafe(ref even, (nuint)(x / 2));
                a.GetUpper().StoreUnsafe(ref odd, (nuint)(x / 2));
                x += 8;
            }
        }
        for (; x < row.Length; x++)
        {
            if (x % 2 == 0) evens[x / 2] = row[x];
            else odds[x / 2] = row[x];
        }
    }
}
