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

    // Exact phases: phase (qy, qx) has 1 + qy taps down and 1 + qx taps across (1, 2, 2 and 4 of the 2 × 2 filter's
    // 16 per channel pair; 9 in all, the 3 × 3 filter once). Each phase is its own direct convolution of g padded by qy
    // zero rows at the bottom and qx zero columns at the right (phase (0, 0) reads g itself) with a (1 + qy) × (1 + qx)
    // kernel, reduction index p = (o·(1 + qy) + a)·(1 + qx) + b: the nonzero taps of the single 2 × 2 convolution above
    // in the same order, so each dx value is the same chain of FMAs less the products with zero filter values.

    /// <summary>
    /// Shape of phase (qy, qx)'s convolution over <paramref name="images"/> images: input g [O, OH + qy, OW + qx], C output
    /// channels of OH × OW.
    /// </summary>
    /// <param name="images">Images.</param>
    /// <param name="outChannels">O (the convolution's output channels: the phase convolution's input channels).</param>
    /// <param name="inChannels">C.</param>
    /// <param name="outH">OH = H/2.</param>
    /// <param name="outW">OW = W/2.</param>
    /// <param name="qy">Row phase (0 or 1).</param>
    /// <param name="qx">Column phase (0 or 1).</param>
    public static DirectConvShape Stride2PhaseShape(int images, int outChannels, int inChannels, int outH, int outW, int qy, int qx) =>
        new(images, outChannels, outH + qy, outW + qx, inChannels, 1 + qy, 1 + qx);

    /// <summary>
    /// Filters [C, O, 1 + qy, 1 + qx] of phase (qy, qx), packed by <see cref="PackFilters"/>: row c, reduction index
    /// (o·(1 + qy) + a)·(1 + qx) + b, value w[o, c, ky, kx] for the phase's tap (a, b) (see the file comment).
    /// </summary>
    /// <param name="w">Filters [O, C, 3, 3].</param>
    /// <param name="outChannels">O.</param>
    /// <param name="inChannels">C.</param>
    /// <param name="qy">Row phase (0 or 1).</param>
    /// <param name="qx">Column phase (0 or 1).</param>
    /// <param name="packed">Destination of <see cref="PackedLength"/>(C, O·(1 + qy)·(1 + qx)) floats.</param>
    public static void PackStride2PhaseFilters(ReadOnlySpan<float> w, int outChannels, int inChannels, int qy, int qx, Span<float> packed)
    {
        if (w.Length < outChannels * inChannels * 9)
            throw new ArgumentException($"Filters need {outChannels * inChannels * 9} floats, got {w.Length}.", nameof(w));
        if ((uint)qy > 1 || (uint)qx > 1) throw new ArgumentOutOfRangeException(nameof(qy), $"Phase ({qy}, {qx}) is not one of (0 or 1, 0 or 1).");
        int kh = 1 + qy, kw = 1 + qx, k = outChannels * kh * kw;
        if (packed.Length < PackedLength(inChannels, k))
            throw new ArgumentException($"Packed filters need {PackedLength(inChannels, k)} floats, got {packed.Length}.", nameof(packed));
        packed[..PackedLength(inChannels, k)].Clear();
        for (int c = 0; c < inChannels; c++)
        {
            var panel = packed.Slice(c / PanelRows * k * PanelRows);
            for (int o = 0; o < outChannels; o++)
                for (int a = 0; a < kh; a++)
                    for (int b = 0; b < kw; b++)
                        panel[((o * kh + a) * kw + b) * PanelRows + c % PanelRows] =
                            w[(o * inChannels + c) * 9 + Stride2Tap(qy, a) * 3 + Stride2Tap(qx, b)];
        }
    }

    /// <summary>
    /// g [planes, height, width] → gpad [planes, height + rows, width + columns] with <paramref name="rows"/> zero rows at the
    /// bottom and <paramref name="columns"/> zero columns at the right (each 0 or 1), planes [plane0, plane1).
    /// </summary>
    public static void PadBottomRight(ReadOnlySpan<float> g, Span<float> gpad, int height, int width, int rows, int columns, int plane0, int plane1)
    {
        if ((uint)rows > 1 || (uint)columns > 1)
            throw new ArgumentOutOfRangeException(nameof(rows), $"Padding ({rows}, {columns}) must be 0 or 1 each.");
        int wp = width + columns, planeLength = (height + rows) * wp;
        if (g.Length < plane1 * height * width || gpad.Length < plane1 * planeLength)
            throw new ArgumentException("Buffers are too short for the plane range.");
        for (int p = plane0; p < plane1; p++)
        {
            var src = g.Slice(p * height * width, height * width);
            var dst = gpad.Slice(p * planeLength, planeLength);
            if (columns == 0) src.CopyTo(dst);
            else
                for (int y = 0; y < height; y++)
                {
                    src.Slice(y * width, width).CopyTo(dst.Slice(y * wp, width));
                    dst[y * wp + width] = 0f;
                }
            if (rows == 1) dst.Slice(height * wp, wp).Clear();
        }
    }

    /// <summary>
    /// dx[n, c, 2i + qy, 2j + qx] = phase(qy, qx)[n, c, i, j] for images [0, images): four phase outputs [images, C, OH, OW]
    /// interleaved into [images, C, 2·OH, 2·OW] (a copy: exact).
    /// </summary>
    public static void InterleavePhases(ReadOnlySpan<float> phase00, ReadOnlySpan<float> phase01, ReadOnlySpan<float> phase10,
        ReadOnlySpan<float> phase11, Span<float> dx, int channels, int outH, int outW, int images)
    {
        int phasePlane = outH * outW, w = 2 * outW, length = images * channels * phasePlane;
        if (phase00.Length < length || phase01.Length < length || phase10.Length < length || phase11.Length < length || dx.Length < 4 * length)
            throw new ArgumentException("Buffers are too short for the image range.");
        for (int plane = 0; plane < images * channels; plane++)
            for (int qy = 0; qy < 2; qy++)
            {
                var even = (qy == 0 ? phase00 : phase10).Slice(plane * phasePlane, phasePlane);
                var odd = (qy == 0 ? phase01 : phase11).Slice(plane * phasePlane, phasePlane);
                var target = dx.Slice(plane * 4 * phasePlane, 4 * phasePlane);
                for (int i = 0; i < outH; i++)
                    InterleaveRow(even.Slice(i * outW, outW), odd.Slice(i * outW, outW), target.Slice((2 * i + qy) * w, w));
            }
    }

    /// <summary>row[2j] = a[j], row[2j + 1] = b[j].</summary>
    private static void InterleaveRow(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> row)
    {
        int j = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            Vector256<int> interleave = Vector256.Create(0, 4, 1, 5, 2, 6, 3, 7);
            for (; j + 8 <= a.Length; j += 8)
            {
                Vector256<float> va = Vector256.Create(a.Slice(j, 8)), vb = Vector256.Create(b.Slice(j, 8));
                Vector256.Shuffle(Vector256.Create(va.GetLower(), vb.GetLower()), interleave).CopyTo(row.Slice(2 * j, 8));
                Vector256.Shuffle(Vector256.Create(va.GetUpper(), vb.GetUpper()), interleave).CopyTo(row.Slice(2 * j + 8, 8));
            }
        }
        for (; j < a.Length; j++)
        {
            row[2 * j] = a[j];
            row[2 * j + 1] = b[j];
        }
    }

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
