namespace Lowbit.Kernels.Conv;

/// <summary>
/// Scalar reference of <see cref="DirectConv"/>: plain loops, no unsafe, no vectors; the same fused multiply-adds in
/// the same order, so its results are bit-identical to the vector kernels (the fallback and the test oracle).
/// </summary>
internal static class DirectConvReference
{
    public static void Forward(ReadOnlySpan<float> xpad, ReadOnlySpan<float> packed, ReadOnlySpan<int> offsets, DirectConvShape s, Span<float> y, int n0, int n1,
        ReadOnlySpan<float> bias = default)
    {
        int k = s.K, ohw = s.OutH * s.OutW, image = s.ImageLength;
        for (int n = n0; n < n1; n++)
            for (int o = 0; o < s.OutChannels; o++)
            {
                var panel = packed.Slice(o / DirectConv.PanelRows * k * DirectConv.PanelRows);
                for (int oy = 0; oy < s.OutH; oy++)
                    for (int ox = 0; ox < s.OutW; ox++)
                    {
                        int origin = n * image + oy * s.PlaneW + ox;
                        float acc = 0f;
                        for (int p = 0; p < k; p++)
                            acc = MathF.FusedMultiplyAdd(panel[p * DirectConv.PanelRows + o % DirectConv.PanelRows], xpad[origin + offsets[p]], acc);
                        y[(n * s.OutChannels + o) * ohw + oy * s.OutW + ox] = bias.IsEmpty ? acc : acc + bias[o];
                    }
            }
    }

    public static void WeightGradient(ReadOnlySpan<float> xpad, ReadOnlySpan<float> g, ReadOnlySpan<int> offsets, DirectConvShape s, Span<float> dw, int panel0, int panel1)
    {
        int k = s.K, ohw = s.OutH * s.OutW, image = s.ImageLength, width = DirectConv.GroupWidth;
        int block = DirectConv.WeightGradientBlock(s.OutH, s.OutW);
        int row1 = Math.Min(s.OutChannels, panel1 * DirectConv.PanelRows);
        Span<float> lanes = stackalloc float[width];
        for (int o = panel0 * DirectConv.PanelRows; o < row1; o++)
            for (int p = 0; p < k; p++)
            {
                float total = 0f;
                for (int nStart = 0; nStart < s.Batch; nStart += block)
                {
                    lanes.Clear();
                    for (int n = nStart; n < Math.Min(s.Batch, nStart + block); n++)
                        for (int oy = 0; oy < s.OutH; oy++)
                            for (int ox = 0; ox < s.OutW; ox++)
                            {
                                float gv = g[(n * s.OutChannels + o) * ohw + oy * s.OutW + ox];
                                float xv = xpad[n * image + oy * s.PlaneW + ox + offsets[p]];
                                lanes[ox % width] = MathF.FusedMultiplyAdd(gv, xv, lanes[ox % width]);
                            }
                    total += ((lanes[0] + lanes[4]) + (lanes[2] + lanes[6])) + ((lanes[1] + lanes[5]) + (lanes[3] + lanes[7]));
                }
                dw[o * k + p] = total;
            }
    }
}
