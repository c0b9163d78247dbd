using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Lowbit.Kernels.Conv;

public static partial class WinogradConv
{
    /// <summary>
    /// The Vector128 path of <see cref="TransformFilters(ReadOnlySpan{float}, int, int, bool, Span{float}, int, int)"/>
    /// (arguments already checked): lane l is row 4·p + l of panel p, so each (position, panel, q) is one 4-float store.
    /// The per-lane operations are those of <see cref="TransformFiltersScalar"/> in the same order (bit-identical); rows
    /// past the last transform zero filters, which gives the +0 the scalar path clears them to. Runs on any hardware.
    /// </summary>
    internal static void TransformFiltersVector128(ReadOnlySpan<float> w, int outChannels, int inChannels, bool transposeFlip, Span<float> u, int panel0, int panel1)
    {
        int rows = transposeFlip ? inChannels : outChannels, k = transposeFlip ? outChannels : inChannels, panels = RoundRows(rows) / PanelRows;
        // Filter (r, q) starts at w[r·rowStep + q·qStep]; tap t of the transposed, flipped filter is tap 8 − t there.
        int rowStep = transposeFlip ? 9 : inChannels * 9, qStep = transposeFlip ? inChannels * 9 : 9;
        Span<float> taps = stackalloc float[9 * PanelRows];
        for (int p = panel0; p < panel1; p++)
        {
            int live = Math.Min(PanelRows, rows - p * PanelRows);
            if (live < PanelRows) taps.Clear();
            for (int q = 0; q < k; q++)
            {
                for (int l = 0; l < live; l++)
                {
                    var filter = w.Slice((p * PanelRows + l) * rowStep + q * qStep, 9);
                    for (int t = 0; t < 9; t++) taps[t * PanelRows + l] = transposeFlip ? filter[8 - t] : filter[t];
                }
                TransformPanelFilter(taps, u, ((nint)p * k + q) * PanelRows, (nint)panels * k * PanelRows);
            }
        }
    }

    /// <summary>
    /// U = G·g·Gᵀ of the 4 filters in <paramref name="taps"/> (tap t of lane l at 4t + l) to u[offset + ξ·positionStride ..
    /// + 4] for the 16 positions ξ: G·g first, then the same over columns (the order of the scalar path).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void TransformPanelFilter(ReadOnlySpan<float> taps, Span<float> u, nint offset, nint positionStride)
    {
        var half = Vector128.Create(0.5f);
        Span<Vector128<float>> a = stackalloc Vector128<float>[12];
        for (int j = 0; j < 3; j++)
        {
            Vector128<float> g0 = Vector128.Create(taps.Slice(j * PanelRows, PanelRows)), g1 = Vector128.Create(taps.Slice((3 + j) * PanelRows, PanelRows));
            Vector128<float> g2 = Vector128.Create(taps.Slice((6 + j) * PanelRows, PanelRows));
            a[j] = g0;
            a[3 + j] = (g0 + g1 + g2) * half;
            a[6 + j] = (g0 - g1 + g2) * half;
            a[9 + j] = g2;
        }
        for (int i = 0; i < 4; i++)
        {
            Vector128<float> a0 = a[3 * i], a1 = a[3 * i + 1], a2 = a[3 * i + 2];
            nint at = offset + 4 * i * positionStride;
            a0.CopyTo(u.Slice((int)at, PanelRows));
            ((a0 + a1 + a2) * half).CopyTo(u.Slice((int)(at + positionStride), PanelRows));
            ((a0 - a1 + a2) * half).CopyTo(u.Slice((int)(at + 2 * positionStride), PanelRows));
            a2.CopyTo(u.Slice((int)(at + 3 * positionStride), PanelRows));
        }
    }
}
