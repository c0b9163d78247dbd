using System.Runtime.Intrinsics;

namespace Lowbit.Kernels.Conv;

public static partial class DirectConv
{
    // Input gradient of a 3 × 3, stride-2, padding-1 convolution with even input size H × W (output OH = H/2, OW = W/2),
    // by phases of dx: with iy = 2·oy + ky − 1, the even rows of dx take tap ky = 1 at oy = i, the odd rows taps
    // ky = 2 at oy = i and ky = 0 at oy = i + 1 (likewise for columns). So each of the four phases (qy, qx) of dx is a
    // stride-1 correlation of g (padded by one zero row and column at the bottom and right) with a 2 × 2 kernel holding
    // that phase's taps (zeros where a phase has only one): one direct convolution with 4·C output channels, then the
    // phases are interleaved into dx. Taps per phase: a = 0 ↔ ky = 1 (qy = 0) or ky = 2 (qy = 1); a = 1 ↔ none (qy = 0)
    // or ky = 0 (qy = 1).

    /// <summary>Whether <see cref="PackStride2InputGradientFilters"/> applies: 3 × 3, stride 2, padding 1, even H and W, W/2 a multiple of 8.</summary>
    public static bool SupportsStride2InputGradient(int kernel, int stride, int padding, int height, int width) =>
        kernel == 3 && stride == 2 && padding == 1 && height % 2 == 0 && width % 2 == 0 && height > 0 && Supports(1, width / 2);

    /// <summary>
    /// Filters [4·C, O, 2, 2] of the phase convolution, packed by <see cref="PackFilters"/>: row (qy·2 + qx)·C + c, input
    /// channel o, tap (a, b) holds w[o, c, ky, kx] for the phase's taps (see the file comment), 0 elsewhere.
    /// </summary>
    /// <param name="w">Filters [O, C, 3, 3].</param>
    /// <param name="outChannels">O.</param>
    /// <param name="inChannels">C.</param>
    /// <param name="packed">Destination of <see cref="PackedLength"/>(4·C, O·4) floats.</param>
    public static void PackStride2InputGradientFilters(ReadOnlySpan<float> w, int outChannels, int inChannels, Span<float> packed)
    {
        if (w.Length < outChannels * inChannels * 9) throw new ArgumentException($"Filters need {outChannels * inChannels * 9} floats, got {w.Length}.", nameof(w));
        int rows = 4 * inChannels, k = outChannels * 4;
        if (packed.Length < PackedLength(rows, k)) throw new ArgumentException($"Packed filters need {PackedLength(rows, k)} floats, got {packed.Length}.", nameof(packed));
        packed[..PackedLength(rows, k)].Clear();
        for (int r = 0; r < rows; r++)
        {
            int q = r / inChannels, c = r % inChannels;
            var panel = packed.Slice(r / PanelRows * k * PanelRows);
            for (int o = 0; o < outChannels; o++)
                for (int a = 0; a < 2; a++)
                    for (int b = 0; b < 2; b++)
                    {
                        int ky = Stride2Tap(q / 2, a), kx = Stride2Tap(q % 2, b);
                        if (ky >= 0 && kx >= 0) panel[((o * 2 + a) * 2 + b) * PanelRows + r % PanelRows] = w[(o * inChannels + c) * 9 + ky * 3 + kx];
                    }
        }
    }

    private static int Stride2Tap(int phase, int a) => phase == 0 ? (a == 0 ? 1 : -1) : (a == 0 ? 2 : 0);

    /// <summary>
    /// g [N, O, OH, OW] → gpad [N, O, OH + 1, OW + 1] with a zero last row and column, planes [plane0, plane1) of N·O.
    /// </summary>
    public static void PadBottomRight(ReadOnlySpan<float> g, Span<float> gpad, int height, int width, int plane0, int plane1)
    {
        int wp = width + 1, planeLength = (height + 1) * wp;
        if (g.Length < plane1 * height * width || gpad.Length < plane1 * planeLength) throw new ArgumentException("Buffers are too short for the plane range.");
        for (int p = plane0; p < plane1; p++)
        {
            var src = g.Slice(p * height * width, height * width);
            var dst = gpad.Slice(p * planeLength, planeLength);
            for (int y = 0; y < height; y++)
            {
                src.Slice(y * width, width).CopyTo(dst.Slice(y * wp, width));
                dst[y * wp + width] = 0f;
            }
            dst.Slice(height * wp, wp).Clear();
        }
    }

    /// <summary>
    /// dx[n, c, 2i + qy, 2j + qx] = y[n, (qy·2 + qx)·C + c, i, j] for images [n0, n1): the phases of the phase convolution
    /// [N, 4·C, OH, OW] interleaved into [N, C, 2·OH, 2·OW] (a copy: exact).
    /// </summary>
    public static void InterleavePhases(ReadOnlySpan<float> y, Span<float> dx, int channels, int outH, int outW, int n0, int n1)
    {
        int phasePlane = outH * outW, w = 2 * outW;
        if (y.Length < n1 * 4 * channels * phasePlane || dx.Length < n1 * channels * 4 * phasePlane) throw new ArgumentException("Buffers are too short for the image range.");
        Vector256<int> interleave = Vector256.Create(0, 4, 1, 5, 2, 6, 3, 7);
        for (int n = n0; n < n1; n++)
            for (int c = 0; c < channels; c++)
                for (int qy = 0; qy < 2; qy++)
                {
                    var even = y.Slice(((n * 4 + qy * 2) * channels + c) * phasePlane, phasePlane);
                    var odd = y.Slice(((n * 4 + qy * 2 + 1) * channels + c) * phasePlane, phasePlane);
                    var plane = dx.Slice((n * channels + c) * 4 * phasePlane, 4 * phasePlane);
                    for (int i = 0; i < outH; i++)
                    {
                        var row = plane.Slice((2 * i + qy) * w, w);
                        var a = even.Slice(i * outW, outW);
                        var b = odd.Slice(i * outW, outW);
                        int j = 0;
                        if (Vector256.IsHardwareAccelerated)
                            for (; j + 8 <= outW; j += 8)
                            {
                                Vector256<float> va = Vector256.Create(a.Slice(j, 8)), vb = Vector256.Create(b.Slice(j, 8));
                                Vector256.Shuffle(Vector256.Create(va.GetLower(), vb.GetLower()), interleave).CopyTo(row.Slice(2 * j, 8));
                                Vector256.Shuffle(Vector256.Create(va.GetUpper(), vb.GetUpper()), interleave).CopyTo(row.Slice(2 * j + 8, 8));
                            }
                        for (; j < outW; j++)
                        {
                            row[2 * j] = a[j];
                            row[2 * j + 1] = b[j];
                        }
                    }
                }
    }
}
