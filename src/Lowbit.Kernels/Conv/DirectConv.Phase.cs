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
