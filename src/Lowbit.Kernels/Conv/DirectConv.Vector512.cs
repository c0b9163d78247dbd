using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Lowbit.Kernels.Conv;

public static partial class DirectConv
{
    // Vector512 paths. Each performs exactly the fused multiply-adds of the Vector256 path in the same order (so all
    // three paths are bit-identical): the forward pass puts two 8-output groups in one vector (each output is still one
    // FMA chain over p), the weight gradient puts one group's inputs for two taps in one vector (each 8-lane chain is
    // unchanged). The wider tiles halve the instructions per FMA on 512-bit hardware and on Zen 4's 256-bit units alike.

    /// <summary>
    /// Whether <see cref="Forward"/> and <see cref="WeightGradient"/> (and Winograd's products) take their Vector512
    /// paths: 512-bit vectors accelerated and <see cref="Vector512Enabled"/>. The results are the same either way.
    /// </summary>
    public static bool UsesVector512 => Vector512Enabled && Vector512.IsHardwareAccelerated && System.Runtime.Intrinsics.X86.Avx512F.IsSupported;

    /// <summary>Process-wide switch for the Vector512 convolution paths (tests and benchmarks turn it off to run the Vector256 paths).</summary>
    internal static bool Vector512Enabled = true;

    /// <summary>Output rows (two packed panels) per Vector512 forward tile.</summary>
    private const int WideRows = 2 * PanelRows;

    /// <summary>Groups per Vector512 forward tile: three vectors of two groups.</summary>
    private const int WideGroups = 6;

    /// <summary>The Vector512 path of <see cref="Forward"/> (arguments already checked); runs on any hardware.</summary>
    /// <remarks>
    /// Tile: 8 output channels (panels b, b + 1) × 6 groups; per p, three 16-float loads (a pair of groups each: one load
    /// when the pair is 16 consecutive floats, as at OW a multiple of 16, else two halves) and 8 broadcast filter values
    /// feed 24 FMAs. Partial tiles (a last odd panel, fewer than 6 groups) are computed into a scratch tile and copied.
    /// </remarks>
    internal static unsafe void ForwardVector512(ReadOnlySpan<float> xpad, ReadOnlySpan<float> packed, ReadOnlySpan<int> offsets, DirectConvShape shape, Span<float> y,
        int n0, int n1, ReadOnlySpan<float> bias = default)
    {
        int k = shape.K, outC = shape.OutChannels, ohw = shape.OutH * shape.OutW, panels = (outC + PanelRows - 1) / PanelRows;
        int groupsPerRow = shape.OutW / GroupWidth, groupsPerImage = shape.OutH * groupsPerRow, end = n1 * groupsPerImage;
        float* scratch = stackalloc float[WideRows * WideGroups * GroupWidth];
        float* panelBias = stackalloc float[bias.IsEmpty ? 1 : (panels + 1) * PanelRows];
        if (!bias.IsEmpty) bias.CopyTo(new Span<float>(panelBias, outC));
        int blockGroups = (ForwardBlockGroups(shape) + WideGroups - 1) / WideGroups * WideGroups;
        // Rented: Conv2d calls this once per run of images, and fresh arrays per call kept the collector busy.
        nint[] groupX = System.Buffers.ArrayPool<nint>.Shared.Rent(blockGroups + WideGroups), groupY = System.Buffers.ArrayPool<nint>.Shared.Rent(blockGroups + WideGroups);
        try
        {
            fixed (float* px = xpad, pw = packed, py = y)
            fixed (int* po = offsets)
            {
                for (int start = n0 * groupsPerImage; start < end; start += blockGroups)
                {
                    int count = Math.Min(blockGroups, end - start);
                    for (int i = 0; i < count; i++) (groupX[i], groupY[i]) = GroupBase(shape, start + i, groupsPerRow, groupsPerImage);
                    // Missing groups of the last tile repeat the block's last group (computed, never stored).
                    for (int i = count; i < count + WideGroups; i++) (groupX[i], groupY[i]) = (groupX[count - 1], groupY[count - 1]);
                    for (int b = 0; b < panels; b += 2)
                    {
                        int rows = Math.Min(WideRows, outC - b * PanelRows);
                        float* w0 = pw + (nint)b * k * PanelRows, w1 = b + 1 < panels ? w0 + (nint)k * PanelRows : w0;
                        float* tileBias = bias.IsEmpty ? null : panelBias + b * PanelRows;
                        float* yPanel = py + (nint)b * PanelRows * ohw;
                        for (int i = 0; i < count; i += WideGroups)
                        {
                            int valid = Math.Min(WideGroups, count - i);
                            if (rows == WideRows && valid == WideGroups)
                            {
                                ForwardTile512(k, w0, w1, po, px, groupX, i, yPanel, groupY, ohw, tileBias);
                                continue;
                            }
                            ForwardTile512(k, w0, w1, po, px, groupX, i, scratch, null, WideGroups * GroupWidth, tileBias);
                            for (int r = 0; r < rows; r++)
                                for (int j = 0; j < valid; j++)
                                    new ReadOnlySpan<float>(scratch + (r * WideGroups + j) * GroupWidth, GroupWidth)
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

    /// <summary>
    /// 8 rows × groups [i, i + 6): acc[r, g] = Σ_p w[p·4 + r % 4]·x_g[offsets[p] .. + 8] (w = w0 for r &lt; 4, else w1),
    /// stored (plus bias[r] when bias is not null) at y + groupY[i + g] + r·ldy, or at y + 8g + r·ldy when
    /// <paramref name="groupY"/> is null (a scratch tile).
    /// </summary>
    private static unsafe void ForwardTile512(int k, float* w0, float* w1, int* offsets, float* x, nint[] groupX, int i, float* y, nint[]? groupY, nint ldy, float* bias)
    {
        float* x0 = x + groupX[i], x1 = x + groupX[i + 2], x2 = x + groupX[i + 4];
        nint h0 = groupX[i + 1] - groupX[i], h1 = groupX[i + 3] - groupX[i + 2], h2 = groupX[i + 5] - groupX[i + 4];
        if (h0 == GroupWidth && h1 == GroupWidth && h2 == GroupWidth) ForwardTile512<WholePair>(k, w0, w1, offsets, x0, x1, x2, 0, 0, 0, y, groupY, i, ldy, bias);
        else ForwardTile512<SplitPair>(k, w0, w1, offsets, x0, x1, x2, h0, h1, h2, y, groupY, i, ldy, bias);
    }

    /// <summary>How a pair of groups is loaded (Load(x, h): h is the second group's offset from the first).</summary>
    private unsafe interface IPairLoad
    {
        static abstract Vector512<float> Load(float* x, nint h);
    }

    private readonly unsafe struct WholePair : IPairLoad
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<float> Load(float* x, nint h) => Vector512.Load(x);
    }

    private readonly unsafe struct SplitPair : IPairLoad
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<float> Load(float* x, nint h) => LoadHalves(x, x + h);
    }

    /// <summary>
    /// [lo[0..8], hi[0..8]] as one load and one insert (Vector512.Create of two halves compiled to two inserts, on the
    /// port that also runs half of the 512-bit FMAs).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe Vector512<float> LoadHalves(float* lo, float* hi)
    {
        if (System.Runtime.Intrinsics.X86.Avx512DQ.IsSupported)
            return System.Runtime.Intrinsics.X86.Avx512DQ.InsertVector256(Vector256.Load(lo).ToVector512Unsafe(), Vector256.Load(hi), 1);
        return Vector512.Create(Vector256.Load(lo), Vector256.Load(hi));
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void ForwardTile512<TLoad>(int k, float* w0, float* w1, int* offsets, float* x0, float* x1, float* x2, nint h0, nint h1, nint h2,
        float* y, nint[]? groupY, int i, nint ldy, float* bias)
        where TLoad : struct, IPairLoad
    {
        Vector512<float> a00 = default, a01 = default, a02 = default, a10 = default, a11 = default, a12 = default;
        Vector512<float> a20 = default, a21 = default, a22 = default, a30 = default, a31 = default, a32 = default;
        Vector512<float> a40 = default, a41 = default, a42 = default, a50 = default, a51 = default, a52 = default;
        Vector512<float> a60 = default, a61 = default, a62 = default, a70 = default, a71 = default, a72 = default;
        for (int p = 0; p < k; p++)
        {
            nint off = offsets[p];
            Vector512<float> b0 = TLoad.Load(x0 + off, h0), b1 = TLoad.Load(x1 + off, h1), b2 = TLoad.Load(x2 + off, h2);
            Vector512<float> c = Vector512.Create(w0[0]);
            a00 = Vector512.FusedMultiplyAdd(c, b0, a00); a01 = Vector512.FusedMultiplyAdd(c, b1, a01); a02 = Vector512.FusedMultiplyAdd(c, b2, a02);
            c = Vector512.Create(w0[1]);
            a10 = Vector512.FusedMultiplyAdd(c, b0, a10); a11 = Vector512.FusedMultiplyAdd(c, b1, a11); a12 = Vector512.FusedMultiplyAdd(c, b2, a12);
            c = Vector512.Create(w0[2]);
            a20 = Vector512.FusedMultiplyAdd(c, b0, a20); a21 = Vector512.FusedMultiplyAdd(c, b1, a21); a22 = Vector512.FusedMultiplyAdd(c, b2, a22);
            c = Vector512.Create(w0[3]);
            a30 = Vector512.FusedMultiplyAdd(c, b0, a30); a31 = Vector512.FusedMultiplyAdd(c, b1, a31); a32 = Vector512.FusedMultiplyAdd(c, b2, a32);
            c = Vector512.Create(w1[0]);
            a40 = Vector512.FusedMultiplyAdd(c, b0, a40); a41 = Vector512.FusedMultiplyAdd(c, b1, a41); a42 = Vector512.FusedMultiplyAdd(c, b2, a42);
            c = Vector512.Create(w1[1]);
            a50 = Vector512.FusedMultiplyAdd(c, b0, a50); a51 = Vector512.FusedMultiplyAdd(c, b1, a51); a52 = Vector512.FusedMultiplyAdd(c, b2, a52);
            c = Vector512.Create(w1[2]);
            a60 = Vector512.FusedMultiplyAdd(c, b0, a60); a61 = Vector512.FusedMultiplyAdd(c, b1, a61); a62 = Vector512.FusedMultiplyAdd(c, b2, a62);
            c = Vector512.Create(w1[3]);
            a70 = Vector512.FusedMultiplyAdd(c, b0, a70); a71 = Vector512.FusedMultiplyAdd(c, b1, a71); a72 = Vector512.FusedMultiplyAdd(c, b2, a72);
            w0 += PanelRows;
            w1 += PanelRows;
        }
        if (bias != null)
        {
            Vector512<float> v = Vector512.Create(bias[0]);
            a00 += v; a01 += v; a02 += v;
            v = Vector512.Create(bias[1]);
            a10 += v; a11 += v; a12 += v;
            v = Vector512.Create(bias[2]);
            a20 += v; a21 += v; a22 += v;
            v = Vector512.Create(bias[3]);
            a30 += v; a31 += v; a32 += v;
            v = Vector512.Create(bias[4]);
            a40 += v; a41 += v; a42 += v;
            v = Vector512.Create(bias[5]);
            a50 += v; a51 += v; a52 += v;
            v = Vector512.Create(bias[6]);
            a60 += v; a61 += v; a62 += v;
            v = Vector512.Create(bias[7]);
            a70 += v; a71 += v; a72 += v;
        }
        StoreRow(y, groupY, i, 0, a00, a01, a02); StoreRow(y, groupY, i, ldy, a10, a11, a12);
        StoreRow(y, groupY, i, 2 * ldy, a20, a21, a22); StoreRow(y, groupY, i, 3 * ldy, a30, a31, a32);
        StoreRow(y, groupY, i, 4 * ldy, a40, a41, a42); StoreRow(y, groupY, i, 5 * ldy, a50, a51, a52);
        StoreRow(y, groupY, i, 6 * ldy, a60, a61, a62); StoreRow(y, groupY, i, 7 * ldy, a70, a71, a72);
    }

    /// <summary>Stores one row's three pairs of groups: at y + groupY[i + g] + offset, or at y + 8g + offset into a scratch tile.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void StoreRow(float* y, nint[]? groupY, int i, nint offset, Vector512<float> a0, Vector512<float> a1, Vector512<float> a2)
    {
        if (groupY is null)
        {
            a0.Store(y + offset);
            a1.Store(y + offset + 16);
            a2.Store(y + offset + 32);
            return;
        }
        StorePair(y + offset, groupY[i], groupY[i + 1], a0);
        StorePair(y + offset, groupY[i + 2], groupY[i + 3], a1);
        StorePair(y + offset, groupY[i + 4], groupY[i + 5], a2);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void StorePair(float* y, nint lo, nint hi, Vector512<float> a)
    {
        if (hi == lo + GroupWidth)
        {
            a.Store(y + lo);
            return;
        }
        a.GetLower().Store(y + lo);
        a.GetUpper().Store(y + hi);
    }
}

public static partial class DirectConv
{
    /// <summary>Reduction indices per Vector512 weight-gradient tile (three vectors holding two taps each).</summary>
    private const int WideTaps = 6;

    /// <summary>The Vector512 path of <see cref="WeightGradient"/> (arguments already checked); runs on any hardware.</summary>
    /// <remarks>
    /// Tile: 8 output channels × 6 taps. A vector holds one group's inputs for two taps (lanes 0–7 tap p, 8–15 tap p + 1)
    /// and is multiplied by the group's output gradient repeated in both halves, so every 8-lane accumulator sees the
    /// FMAs of the Vector256 path in the same order. The block's output gradient of the 8 channels is copied group-major,
    /// gcopy[t, r, 0..8], so one pointer walks all rows.
    /// </remarks>
    internal static unsafe void WeightGradientVector512(ReadOnlySpan<float> xpad, ReadOnlySpan<float> g, ReadOnlySpan<int> offsets, DirectConvShape shape, Span<float> dw,
        int panel0, int panel1)
    {
        int k = shape.K, outC = shape.OutChannels;
        int row0 = panel0 * PanelRows, row1 = Math.Min(outC, panel1 * PanelRows);
        dw[(row0 * k)..(row1 * k)].Clear();
        int ohw = shape.OutH * shape.OutW, image = shape.ImageLength;
        int block = WeightGradientBlock(shape.OutH, shape.OutW), groupsPerRow = shape.OutW / GroupWidth, groupsPerImage = shape.OutH * groupsPerRow;
        var xOffsets = new int[block * groupsPerImage];
        for (int t = 0; t < xOffsets.Length; t++) xOffsets[t] = (int)GroupBase(shape, t, groupsPerRow, groupsPerImage).X;
        float[] copy = System.Buffers.ArrayPool<float>.Shared.Rent(xOffsets.Length * WideRows * GroupWidth);
        float* sums = stackalloc float[WideRows * WideTaps];
        int* tapOffsets = stackalloc int[WideTaps];
        try
        {
            fixed (float* px = xpad, pg = g, pdw = dw, pc = copy)
            fixed (int* pxo = xOffsets)
            {
                for (int nStart = 0; nStart < shape.Batch; nStart += block)
                {
                    int images = Math.Min(block, shape.Batch - nStart), count = images * groupsPerImage;
                    float* xb = px + (nint)nStart * image;
                    float* gb = pg + (nint)nStart * outC * ohw;
                    for (int o0 = row0; o0 < row1; o0 += WideRows)
                    {
                        int rows = Math.Min(WideRows, row1 - o0);
                        CopyGroupMajor(gb, outC, ohw, o0, rows, images, pc);
                        for (int p = 0; p < k; p += WideTaps)
                        {
                            int taps = Math.Min(WideTaps, k - p);
                            for (int j = 0; j < WideTaps; j++) tapOffsets[j] = offsets[p + Math.Min(j, taps - 1)];
                            WeightTile512(count, pxo, xb, tapOffsets, pc, sums);
                            for (int r = 0; r < rows; r++)
                                for (int j = 0; j < taps; j++)
                                    pdw[(nint)(o0 + r) * k + p + j] += sums[r * WideTaps + j];
                        }
                    }
                }
            }
        }
        finally
        {
            System.Buffers.ArrayPool<float>.Shared.Return(copy);
        }
    }

    /// <summary>
    /// copy[(t·8 + r)·8 .. + 8] = group t of output-gradient row o0 + r, for the groups of <paramref name="images"/> images
    /// (t in (image, row, group) order); rows r ≥ <paramref name="rows"/> are zero.
    /// </summary>
    private static unsafe void CopyGroupMajor(float* g, int outC, int ohw, int o0, int rows, int images, float* copy)
    {
        int groups = ohw / GroupWidth;
        for (int i = 0; i < images; i++)
            for (int r = 0; r < WideRows; r++)
            {
                float* dst = copy + ((nint)i * groups * WideRows + r) * GroupWidth;
                if (r >= rows)
                {
                    for (int t = 0; t < groups; t++) Vector256<float>.Zero.Store(dst + (nint)t * WideRows * GroupWidth);
                    continue;
                }
                float* src = g + ((nint)i * outC + o0 + r) * ohw;
                for (int t = 0; t < groups; t++) Vector256.Load(src + (nint)t * GroupWidth).Store(dst + (nint)t * WideRows * GroupWidth);
            }
    }

    /// <summary>
    /// sums[r·6 + j] = lane tree of Σ_t copy[(t·8 + r)·8 .. + 8]·(x + taps[j])[xOffsets[t] .. + 8] (FMA in increasing t),
    /// for 8 rows and 6 taps.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void WeightTile512(int count, int* xOffsets, float* x, int* taps, float* copy, float* sums)
    {
        Vector512<float> a00 = default, a01 = default, a02 = default, a10 = default, a11 = default, a12 = default;
        Vector512<float> a20 = default, a21 = default, a22 = default, a30 = default, a31 = default, a32 = default;
        Vector512<float> a40 = default, a41 = default, a42 = default, a50 = default, a51 = default, a52 = default;
        Vector512<float> a60 = default, a61 = default, a62 = default, a70 = default, a71 = default, a72 = default;
        float* x0 = x + taps[0], x1 = x + taps[1], x2 = x + taps[2], x3 = x + taps[3], x4 = x + taps[4], x5 = x + taps[5];
        float* gp = copy;
        for (int t = 0; t < count; t++)
        {
            nint xo = xOffsets[t];
            Vector512<float> v0 = LoadHalves(x0 + xo, x1 + xo), v1 = LoadHalves(x2 + xo, x3 + xo), v2 = LoadHalves(x4 + xo, x5 + xo);
            Vector512<float> c = Broadcast256(gp);
            a00 = Vector512.FusedMultiplyAdd(c, v0, a00); a01 = Vector512.FusedMultiplyAdd(c, v1, a01); a02 = Vector512.FusedMultiplyAdd(c, v2, a02);
            c = Broadcast256(gp + 8);
            a10 = Vector512.FusedMultiplyAdd(c, v0, a10); a11 = Vector512.FusedMultiplyAdd(c, v1, a11); a12 = Vector512.FusedMultiplyAdd(c, v2, a12);
            c = Broadcast256(gp + 16);
            a20 = Vector512.FusedMultiplyAdd(c, v0, a20); a21 = Vector512.FusedMultiplyAdd(c, v1, a21); a22 = Vector512.FusedMultiplyAdd(c, v2, a22);
            c = Broadcast256(gp + 24);
            a30 = Vector512.FusedMultiplyAdd(c, v0, a30); a31 = Vector512.FusedMultiplyAdd(c, v1, a31); a32 = Vector512.FusedMultiplyAdd(c, v2, a32);
            c = Broadcast256(gp + 32);
            a40 = Vector512.FusedMultiplyAdd(c, v0, a40); a41 = Vector512.FusedMultiplyAdd(c, v1, a41); a42 = Vector512.FusedMultiplyAdd(c, v2, a42);
            c = Broadcast256(gp + 40);
            a50 = Vector512.FusedMultiplyAdd(c, v0, a50); a51 = Vector512.FusedMultiplyAdd(c, v1, a51); a52 = Vector512.FusedMultiplyAdd(c, v2, a52);
            c = Broadcast256(gp + 48);
            a60 = Vector512.FusedMultiplyAdd(c, v0, a60); a61 = Vector512.FusedMultiplyAdd(c, v1, a61); a62 = Vector512.FusedMultiplyAdd(c, v2, a62);
            c = Broadcast256(gp + 56);
            a70 = Vector512.FusedMultiplyAdd(c, v0, a70); a71 = Vector512.FusedMultiplyAdd(c, v1, a71); a72 = Vector512.FusedMultiplyAdd(c, v2, a72);
            gp += WideRows * GroupWidth;
        }
        LaneTrees(sums, a00, a01, a02); LaneTrees(sums + 6, a10, a11, a12); LaneTrees(sums + 12, a20, a21, a22); LaneTrees(sums + 18, a30, a31, a32);
        LaneTrees(sums + 24, a40, a41, a42); LaneTrees(sums + 30, a50, a51, a52); LaneTrees(sums + 36, a60, a61, a62); LaneTrees(sums + 42, a70, a71, a72);
    }

    /// <summary>The 8 floats at <paramref name="p"/> in both halves of a vector.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe Vector512<float> Broadcast256(float* p)
    {
        if (System.Runtime.Intrinsics.X86.Avx512DQ.IsSupported) return System.Runtime.Intrinsics.X86.Avx512DQ.BroadcastVector256ToVector512(p);
        Vector256<float> v = Vector256.Load(p);
        return Vector512.Create(v, v);
    }

    /// <summary>sums[0..6] = the lane trees of the halves of three two-tap accumulators (lower half first).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void LaneTrees(float* sums, Vector512<float> a, Vector512<float> b, Vector512<float> c)
    {
        sums[0] = LaneTree(a.GetLower()); sums[1] = LaneTree(a.GetUpper());
        sums[2] = LaneTree(b.GetLower()); sums[3] = LaneTree(b.GetUpper());
        sums[4] = LaneTree(c.GetLower()); sums[5] = LaneTree(c.GetUpper());
    }
}
