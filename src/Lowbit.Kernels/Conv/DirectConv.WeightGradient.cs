using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Lowbit.Kernels.Conv;

public static partial class DirectConv
{
    /// <summary>Reduction indices per weight-gradient tile.</summary>
    private const int TileTaps = 3;

    /// <summary>
    /// dw[o, p] = Σ over the batch of g[n, o, oy, ox]·xpad[n, c, oy·s + ky, ox·s + kx] for the output-channel panels
    /// [panel0, panel1) (rows o in [4·panel0, min(O, 4·panel1))); other rows of dw are not touched. The summation
    /// order is the one in the type remarks, whatever the panel range.
    /// </summary>
    /// <param name="xpad">Padded input in phase layout (<see cref="Pad"/>).</param>
    /// <param name="g">Output gradient [N, O, OH, OW].</param>
    /// <param name="offsets">K offsets into one padded image (<see cref="Offsets"/>).</param>
    /// <param name="shape">Shapes.</param>
    /// <param name="dw">Weight gradient [O, K] (overwritten on the panels' rows).</param>
    /// <param name="panel0">First panel of 4 output channels.</param>
    /// <param name="panel1">End of the panel range.</param>
    public static unsafe void WeightGradient(ReadOnlySpan<float> xpad, ReadOnlySpan<float> g, ReadOnlySpan<int> offsets, DirectConvShape shape, Span<float> dw,
        int panel0, int panel1)
    {
        CheckShapes(shape, xpad.Length, PackedLength(shape.OutChannels, shape.K), g.Length);
        int k = shape.K, outC = shape.OutChannels;
        if (offsets.Length < k) throw new ArgumentException($"Offsets need {k} entries, got {offsets.Length}.", nameof(offsets));
        if (dw.Length < outC * k) throw new ArgumentException($"Weight gradient needs {outC * k} floats, got {dw.Length}.", nameof(dw));
        int panels = (outC + PanelRows - 1) / PanelRows;
        if (panel0 < 0 || panel1 > panels || panel0 > panel1) throw new ArgumentOutOfRangeException(nameof(panel1), $"Panel range [{panel0}, {panel1}) is outside [0, {panels}).");
        // A single panel (4 rows) would leave the 8-row tile half empty.
        if (UsesVector512 && panel1 - panel0 > 1) WeightGradientVector512(xpad, g, offsets, shape, dw, panel0, panel1);
        else if (IsVectorized) WeightGradientVector256(xpad, g, offsets, shape, dw, panel0, panel1);
        else DirectConvReference.WeightGradient(xpad, g, offsets, shape, dw, panel0, panel1);
    }

    /// <summary>The Vector256 path of <see cref="WeightGradient"/> (arguments already checked); runs on any hardware.</summary>
    internal static unsafe void WeightGradientVector256(ReadOnlySpan<float> xpad, ReadOnlySpan<float> g, ReadOnlySpan<int> offsets, DirectConvShape shape, Span<float> dw,
        int panel0, int panel1)
    {
        int k = shape.K, outC = shape.OutChannels;
        int row0 = panel0 * PanelRows, row1 = Math.Min(outC, panel1 * PanelRows);
        dw[(row0 * k)..(row1 * k)].Clear();
        int ohw = shape.OutH * shape.OutW, image = shape.ImageLength;
        int block = WeightGradientBlock(shape.OutH, shape.OutW), groupsPerRow = shape.OutW / GroupWidth, groupsPerImage = shape.OutH * groupsPerRow;
        // Group offsets relative to the first image of a block, in (image, row, group) order: into xpad, and into the
        // panel copy of g, where a block's rows are contiguous (group t at 8·t). The copy keeps the 4 rows × block
        // images of a panel out of one L1 set: in g they are O·OH·OW floats apart, usually a multiple of 4 KiB.
        var xOffsets = new int[block * groupsPerImage];
        var gOffsets = new int[block * groupsPerImage];
        for (int t = 0; t < xOffsets.Length; t++)
        {
            xOffsets[t] = (int)GroupBase(shape, t, groupsPerRow, groupsPerImage).X;
            gOffsets[t] = t * GroupWidth;
        }
        int panelStride = block * ohw + 2 * GroupWidth; // floats between the panel copy's rows (skewed off 4 KiB)
        float[] panel = System.Buffers.ArrayPool<float>.Shared.Rent(PanelRows * panelStride);
        float* sums = stackalloc float[PanelRows * TileTaps];
        try
        {
            fixed (float* px = xpad, pg = g, pdw = dw, pp = panel)
            fixed (int* pxo = xOffsets, pgo = gOffsets)
            {
                for (int nStart = 0; nStart < shape.Batch; nStart += block)
                {
                    int count = Math.Min(block, shape.Batch - nStart) * groupsPerImage;
                    float* xb = px + (nint)nStart * image;
                    float* gb = pg + (nint)nStart * outC * ohw;
                    for (int o0 = row0; o0 < row1; o0 += PanelRows)
                    {
                        int rows = Math.Min(PanelRows, row1 - o0);
                        for (int r = 0; r < rows; r++)
                            for (int i = 0; i < count / groupsPerImage; i++)
                                new ReadOnlySpan<float>(gb + ((nint)i * outC + o0 + r) * ohw, ohw).CopyTo(new Span<float>(pp + r * panelStride + i * ohw, ohw));
                        // Rows past O (never stored) read whatever the copy holds there.
                        float* g0 = pp, g1 = pp + panelStride, g2 = pp + 2 * panelStride, g3 = pp + 3 * panelStride;
                        for (int p = 0; p < k; p += TileTaps)
                        {
                            int taps = Math.Min(TileTaps, k - p);
                            int off1 = offsets[taps > 1 ? p + 1 : p], off2 = offsets[taps > 2 ? p + 2 : p];
                            WeightTile(count, pxo, pgo, xb + offsets[p], xb + off1, xb + off2, g0, g1, g2, g3, sums);
                            for (int r = 0; r < rows; r++)
                                for (int j = 0; j < taps; j++)
                                    pdw[(nint)(o0 + r) * k + p + j] += sums[r * TileTaps + j];
                        }
                    }
                }
            }
        }
        finally
        {
            System.Buffers.ArrayPool<float>.Shared.Return(panel);
        }
    }

    /// <summary>sums[r·3 + j] = lane tree of Σ_t g_r[gOffsets[t] .. + 8]·x_j[xOffsets[t] .. + 8] (FMA in increasing t).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void WeightTile(int count, int* xOffsets, int* gOffsets, float* x0, float* x1, float* x2,
        float* g0, float* g1, float* g2, float* g3, float* sums)
    {
        Vector256<float> a00 = default, a01 = default, a02 = default;
        Vector256<float> a10 = default, a11 = default, a12 = default;
        Vector256<float> a20 = default, a21 = default, a22 = default;
        Vector256<float> a30 = default, a31 = default, a32 = default;
        for (int t = 0; t < count; t++)
        {
            nint xo = xOffsets[t], go = gOffsets[t];
            Vector256<float> v0 = Vector256.Load(x0 + xo);
            Vector256<float> v1 = Vector256.Load(x1 + xo);
            Vector256<float> v2 = Vector256.Load(x2 + xo);
            Vector256<float> c = Vector256.Load(g0 + go);
            a00 = Vector256.FusedMultiplyAdd(c, v0, a00); a01 = Vector256.FusedMultiplyAdd(c, v1, a01); a02 = Vector256.FusedMultiplyAdd(c, v2, a02);
            c = Vector256.Load(g1 + go);
            a10 = Vector256.FusedMultiplyAdd(c, v0, a10); a11 = Vector256.FusedMultiplyAdd(c, v1, a11); a12 = Vector256.FusedMultiplyAdd(c, v2, a12);
            c = Vector256.Load(g2 + go);
            a20 = Vector256.FusedMultiplyAdd(c, v0, a20); a21 = Vector256.FusedMultiplyAdd(c, v1, a21); a22 = Vector256.FusedMultiplyAdd(c, v2, a22);
            c = Vector256.Load(g3 + go);
            a30 = Vector256.FusedMultiplyAdd(c, v0, a30); a31 = Vector256.FusedMultiplyAdd(c, v1, a31); a32 = Vector256.FusedMultiplyAdd(c, v2, a32);
        }
        sums[0] = LaneTree(a00); sums[1] = LaneTree(a01); sums[2] = LaneTree(a02);
        sums[3] = LaneTree(a10); sums[4] = LaneTree(a11); sums[5] = LaneTree(a12);
        sums[6] = LaneTree(a20); sums[7] = LaneTree(a21); sums[8] = LaneTree(a22);
        sums[9] = LaneTree(a30); sums[10] = LaneTree(a31); sums[11] = LaneTree(a32);
    }

    /// <summary>((l0 + l4) + (l2 + l6)) + ((l1 + l5) + (l3 + l7)).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float LaneTree(Vector256<float> v)
    {
        Vector128<float> h = v.GetLower() + v.GetUpper();
        return (h.GetElement(0) + h.GetElement(2)) + (h.GetElement(1) + h.GetElement(3));
    }
}
