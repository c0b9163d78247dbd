using Lowbit.Inference.Format;

namespace Lowbit.Inference.Runtime.Steps;

/// <summary>im2col of code maps: one row of C·k·k codes per output position, in the model's [C, k, k] order, padded with code 0.</summary>
internal static class CodeIm2Col
{
    /// <summary>From codes <c>[m, C, H, W]</c> to rows <c>[m·OH·OW, C·k·k]</c> (rows in (image, oy, ox) order).</summary>
    public static void Transform(ReadOnlySpan<byte> codes, int m, ConvGeometry g, Span<byte> rows)
    {
        int h = g.InHeight, w = g.InWidth, k = g.Kernel, outH = g.OutHeight, outW = g.OutWidth, patch = g.PatchSize;
        for (int i = 0; i < m; i++)
            for (int oy = 0; oy < outH; oy++)
                for (int ox = 0; ox < outW; ox++)
                {
                    var row = rows.Slice(((i * outH + oy) * outW + ox) * patch, patch);
                    int t = 0;
                    for (int c = 0; c < g.InChannels; c++)
                    {
                        var plane = codes.Slice((i * g.InChannels + c) * h * w, h * w);
                        for (int ky = 0; ky < k; ky++)
                        {
                            int y = oy * g.Stride - g.Padding + ky;
                            for (int kx = 0; kx < k; kx++, t++)
                            {
                                int x = ox * g.Stride - g.Padding + kx;
                                row[t] = (uint)y < (uint)h && (uint)x < (uint)w ? plane[y * w + x] : (byte)0;
                            }
                        }
                    }
                }
    }
}
