using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Lowbit.Kernels.Conv;

public static partial class DirectConv
{
    /// <summary>Groups per forward tile.</summary>
    private const int TileGroups = 3;

    /// <summary>
    /// y = conv(xpad, w) for images [n0, n1) (any split of the batch gives the same values). Filters packed by
    /// <see cref="PackFilters"/>; offsets from <see cref="Offsets"/> for the padded input's shape.
    /// </summary>
    /// <param name="xpad">Padded input in phase layout (<see cref="Pad"/>).</param>
    /// <param name="packed">Packed filters for O rows and K = C·kh·kw.</param>
    /// <param name="offsets">K offsets into one padded image.</param>
    /// <param name="shape">Shapes.</param>
    /// <param name="y">Output [N, O, OH, OW].</param>
    /// <param name="n0">First image.</param>
    /// <param name="n1">End of the image range.</param>
    /// <param name="bias">Per-output-channel bias added to every output (after the sum, one rounding), or empty.</param>
    public static unsafe void Forward(ReadOnlySpan<float> xpad, ReadOnlySpan<float> packed, ReadOnlySpan<int> offsets, DirectConvShape shape, Span<float> y, int n0, int n1,
        ReadOnlySpan<float> bias = default)
    {
        if (!bias.IsEmpty && bias.Length != shape.OutChannels) throw new ArgumentException($"Bias needs {shape.OutChannels} values, got {bias.Length}.", nameof(bias));
        CheckShapes(shape, xpad.Length, packed.Length, y.Length);
        if (offsets.Length < shape.K) throw new ArgumentException($"Offsets need {shape.K} entries, got {offsets.Length}.", nameof(offsets));
        if (n0 < 0 || n1 > shape.Batch || n0 > n1) throw new ArgumentOutOfRangeException(nameof(n1), $"Image range [{n0}, {n1}) is outside [0, {shape.Batch}).");
        // At most 4 output channels (a first layer's input gradient): the 8-row tile would be half empty.
        if (UsesVector512 && shape.OutChannels > PanelRows) ForwardVector512(xpad, packed, offsets, shape, y, n0, n1, bias);
        else if (IsVectorized) ForwardVector256(xpad, packed, offsets, shape, y, n0, n1, bias);
        else DirectConvReference.Forward(xpad, packed, offsets, shape, y, n0, n1, bias);
    }

    /// <summary>The Vector256 path of <see cref="Forward"/> (arguments already checked); runs on any hardware.</summary>
    internal static unsafe void ForwardVector256(ReadOnlySpan<float> xpad, ReadOnlySpan<float> packed, ReadOnlySpan<int> offsets, DirectConvShape shape, Span<float> y, int n0, int n1,
        ReadOnlySpan<float> bias = default)
    {
        int k = shape.K, outC = shape.OutChannels, ohw = shape.OutH * shape.OutW, blocks = (outC + PanelRows - 1) / PanelRows;
        int groupsPerRow = shape.OutW / GroupWidth, groupsPerImage = shape.OutH * groupsPerRow, end = n1 * groupsPerImage;
        float* scratch = stackalloc float[PanelRows * TileGroups * GroupWidth];
        // Bias padded to whole panels (zeros past O; only stored rows are read).
        float* panelBias = stackalloc float[bias.IsEmpty ? 1 : blocks * PanelRows];
        if (!bias.IsEmpty) bias.CopyTo(new Span<float>(panelBias, outC));
        // Panels outer, tiles inner, over blocks of groups whose inputs fit in L2: a panel's 4 output rows are then
        // written left to right, each cache line completed by consecutive tiles. (Tiles outer with all panels inner
        // kept O rows of y, OH·OW floats apart, often 4 KiB, in flight at once; they evicted each other half-written.)
        int blockGroups = ForwardBlockGroups(shape);
        // Rented: Conv2d calls this once per run of images, and fresh arrays per call kept the collector busy.
        nint[] groupX = System.Buffers.ArrayPool<nint>.Shared.Rent(blockGroups), groupY = System.Buffers.ArrayPool<nint>.Shared.Rent(blockGroups);
        try
        {
            fixed (float* px = xpad, pw = packed, py = y)
            fixed (int* po = offsets)
            {
                for (int start = n0 * groupsPerImage; start < end; start += blockGroups)
                {
                    int count = Math.Min(blockGroups, end - start);
                    for (int i = 0; i < count; i++) (groupX[i], groupY[i]) = GroupBase(shape, start + i, groupsPerRow, groupsPerImage);
                    for (int b = 0; b < blocks; b++)
                    {
                        int rows = Math.Min(PanelRows, outC - b * PanelRows);
                        float* w = pw + (nint)b * k * PanelRows, tileBias = bias.IsEmpty ? null : panelBias + b * PanelRows;
                        float* yPanel = py + (nint)b * PanelRows * ohw;
                        for (int i = 0; i < count; i += TileGroups)
                        {
                            int valid = Math.Min(TileGroups, count - i);
                            nint x0 = groupX[i], x1 = groupX[valid > 1 ? i + 1 : i], x2 = groupX[valid > 2 ? i + 2 : i];
                            nint y0 = groupY[i], y1 = groupY[valid > 1 ? i + 1 : i], y2 = groupY[valid > 2 ? i + 2 : i];
                            if (rows == PanelRows && valid == TileGroups)
                            {
                                ForwardTile(k, w, po, px + x0, px + x1, px + x2, yPanel + y0, yPanel + y1, yPanel + y2, ohw, tileBias);
                                continue;
                            }
                            ForwardTile(k, w, po, px + x0, px + x1, px + x2, scratch, scratch + GroupWidth, scratch + 2 * GroupWidth, TileGroups * GroupWidth, tileBias);
                            for (int r = 0; r < rows; r++)
                                for (int j = 0; j < valid; j++)
                                    new ReadOnlySpan<float>(scratch + (r * TileGroups + j) * GroupWidth, GroupWidth)
                                        .CopyTo(new Span<float>(yPanel + groupY[i + j] + r * ohw, GroupWidth));
                        }
                    }
                }
            }
        }
        finally
        {
            System.Buffers.ArrayPool<nint>.Shared.Return(groupX);
            System.Buffers.ArrayPool<nint>.Shared.Return(groupY);
        }
    }

    /// <summary>Groups per forward block: a multiple of 3 whose images' padded inputs take about 128 KiB (at least one tile).</summary>
    internal static int ForwardBlockGroups(DirectConvShape shape)
    {
        int groupsPerImage = shape.OutH * (shape.OutW / GroupWidth);
        long images = Math.Max(1, 128 * 1024 / (4L * shape.ImageLength));
        return (int)Math.Max(TileGroups, Math.Min(1 << 16, images * groupsPerImage) / TileGroups * TileGroups);
    }

    /// <summary>Offsets of group t's first input (in xpad) and first output (in y).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static (nint X, nint Y) GroupBase(DirectConvShape s, int t, int groupsPerRow, int groupsPerImage)
    {
        int n = t / groupsPerImage, r = t - n * groupsPerImage, oy = r / groupsPerRow, ox = (r - oy * groupsPerRow) * GroupWidth;
        nint x = (nint)n * s.ImageLength + (nint)oy * s.PlaneW + ox;
        nint y = ((nint)n * s.OutChannels * s.OutH + oy) * s.OutW + ox;
        return (x, y);
    }

    /// <summary>
    /// 4 rows × 3 groups: acc[r, g] = Σ_p w[p·4 + r]·x_g[offsets[p] .. + 8], stored (plus bias[r] when bias is not
    /// null) at y_g + r·ldy.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void ForwardTile(int k, float* w, int* offsets, float* x0, float* x1, float* x2, float* y0, float* y1, float* y2, nint ldy, float* bias)
    {
        Vector256<float> a00 = default, a01 = default, a02 = default;
        Vector256<float> a10 = default, a11 = default, a12 = default;
        Vector256<float> a20 = default, a21 = default, a22 = default;
        Vector256<float> a30 = default, a31 = default, a32 = default;
        for (int p = 0; p < k; p++)
        {
            nint off = offsets[p];
            Vector256<float> b0 = Vector256.Load(x0 + off);
            Vector256<float> b1 = Vector256.Load(x1 + off);
            Vector256<float> b2 = Vector256.Load(x2 + off);
            Vector256<float> c = Vector256.Create(w[0]);
            a00 = Vector256.FusedMultiplyAdd(c, b0, a00); a01 = Vector256.FusedMultiplyAdd(c, b1, a01); a02 = Vector256.FusedMultiplyAdd(c, b2, a02);
            c = Vector256.Create(w[1]);
            a10 = Vector256.FusedMultiplyAdd(c, b0, a10); a11 = Vector256.FusedMultiplyAdd(c, b1, a11); a12 = Vector256.FusedMultiplyAdd(c, b2, a12);
            c = Vector256.Create(w[2]);
            a20 = Vector256.FusedMultiplyAdd(c, b0, a20); a21 = Vector256.FusedMultiplyAdd(c, b1, a21); a22 = Vector256.FusedMultiplyAdd(c, b2, a22);
            c = Vector256.Create(w[3]);
            a30 = Vector256.FusedMultiplyAdd(c, b0, a30); a31 = Vector256.FusedMultiplyAdd(c, b1, a31); a32 = Vector256.FusedMultiplyAdd(c, b2, a32);
            w += PanelRows;
        }
        if (bias != null)
        {
            Vector256<float> c = Vector256.Create(bias[0]);
            a00 += c; a01 += c; a02 += c;
            c = Vector256.Create(bias[1]);
            a10 += c; a11 += c; a12 += c;
            c = Vector256.Create(bias[2]);
            a20 += c; a21 += c; a22 += c;
            c = Vector256.Create(bias[3]);
            a30 += c; a31 += c; a32 += c;
        }
        a00.Store(y0); a01.Store(y1); a02.Store(y2);
        a10.Store(y0 + ldy); a11.Store(y1 + ldy); a12.Store(y2 + ldy);
        a20.Store(y0 + 2 * ldy); a21.Store(y1 + 2 * ldy); a22.Store(y2 + 2 * ldy);
        a30.Store(y0 + 3 * ldy); a31.Store(y1 + 3 * ldy); a32.Store(y2 + 3 * ldy);
    }
}
