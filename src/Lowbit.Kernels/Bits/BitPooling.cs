namespace Lowbit.Kernels.Bits;

/// <summary>Pooling on channel-packed binary feature maps (layout in <see cref="BitLayout"/>).</summary>
public static class BitPooling
{
    /// <summary>Output height or width of a pooling window: <c>(input + 2·pad − kernel) / stride + 1</c>.</summary>
    /// <param name="input">Input extent (≥ 1).</param>
    /// <param name="kernel">Window extent (≥ 1).</param>
    /// <param name="stride">Step (≥ 1).</param>
    /// <param name="pad">Padding on each side (0 ≤ pad &lt; kernel).</param>
    /// <returns>The output extent.</returns>
    public static int OutputSize(int input, int kernel, int stride, int pad) => BitConvGeometry.OutputSize(input, kernel, stride, pad, "size");

    /// <summary>
    /// Max-pool of ±1 values as OR over the window: <c>max(x) = +1</c> iff any bit is 1 (see <see cref="BitLayout"/>).
    /// Padded pixels are −1 (bit 0), the identity of max, so they never change a result.
    /// </summary>
    /// <param name="input">Feature map <c>[batch, height, width, WordsPerRow(channels)]</c>.</param>
    /// <param name="batch">Images (≥ 0).</param>
    /// <param name="height">Input height (≥ 1).</param>
    /// <param name="width">Input width (≥ 1).</param>
    /// <param name="channels">Channels (≥ 1).</param>
    /// <param name="kernelH">Window height.</param>
    /// <param name="kernelW">Window width.</param>
    /// <param name="strideH">Vertical step.</param>
    /// <param name="strideW">Horizontal step.</param>
    /// <param name="padH">Rows of −1 padding above and below (&lt; kernelH).</param>
    /// <param name="padW">Columns of −1 padding left and right (&lt; kernelW).</param>
    /// <param name="output">Output <c>[batch, outH, outW, WordsPerRow(channels)]</c>, see <see cref="OutputSize"/>.</param>
    /// <exception cref="ArgumentOutOfRangeException">A size is out of range.</exception>
    /// <exception cref="ArgumentException">A span is too short or a pixel has non-zero padding bits.</exception>
    public static void MaxPool(ReadOnlySpan<ulong> input, int batch, int height, int width, int channels,
        int kernelH, int kernelW, int strideH, int strideW, int padH, int padW, Span<ulong> output)
    {
        BitConvGeometry.CheckCommon(batch, channels);
        int outH = BitConvGeometry.OutputSize(height, kernelH, strideH, padH, "height");
        int outW = BitConvGeometry.OutputSize(width, kernelW, strideW, padW, "width");
        int words = BitLayout.WordsPerRow(channels);
        BitChecks.Length(nameof(input), input.Length, BitChecks.Count(nameof(input), batch, height, width, words),
            $"[batch={batch}, height={height}, width={width}, words={words}]");
        BitChecks.Length(nameof(output), output.Length, BitChecks.Count(nameof(output), batch, outH, outW, words),
            $"[batch={batch}, outH={outH}, outW={outW}, words={words}]");
        BitChecks.Padding(nameof(input), input, batch * height * width, words, channels);
        for (int b = 0; b < batch; b++)
        {
            for (int oy = 0; oy < outH; oy++)
            {
                int y0 = Math.Max(0, oy * strideH - padH), y1 = Math.Min(height, oy * strideH - padH + kernelH);
                for (int ox = 0; ox < outW; ox++)
                {
                    int x0 = Math.Max(0, ox * strideW - padW), x1 = Math.Min(width, ox * strideW - padW + kernelW);
                    Span<ulong> dst = output.Slice(((b * outH + oy) * outW + ox) * words, words);
                    dst.Clear();
                    for (int y = y0; y < y1; y++)
                    {
                        for (int x = x0; x < x1; x++)
                        {
                            ReadOnlySpan<ulong> src = input.Slice(((b * height + y) * width + x) * words, words);
                            for (int w = 0; w < words; w++) dst[w] |= src[w];
                        }
                    }
                }
            }
        }
    }

    /// <summary>
    /// Max-pool of ±1 values where the channels set in <paramref name="minChannels"/> take the minimum instead: OR over
    /// the window for the others, AND for those. A max-pool before a decreasing batch norm (negative scale) followed by
    /// sign is, after the sign, a min-pool of the signs: this is how a folded "max-pool → batch norm → sign" runs on bits.
    /// No padding.
    /// </summary>
    /// <param name="input">Feature map <c>[batch, height, width, WordsPerRow(channels)]</c>.</param>
    /// <param name="batch">Images (≥ 0).</param>
    /// <param name="height">Input height (≥ 1).</param>
    /// <param name="width">Input width (≥ 1).</param>
    /// <param name="channels">Channels (≥ 1).</param>
    /// <param name="kernel">Square window.</param>
    /// <param name="stride">Step along both axes.</param>
    /// <param name="minChannels">Packed channel mask <c>[WordsPerRow(channels)]</c>: bit c set = channel c takes the minimum.</param>
    /// <param name="output">Output <c>[batch, outH, outW, WordsPerRow(channels)]</c>.</param>
    /// <exception cref="ArgumentOutOfRangeException">A size is out of range.</exception>
    /// <exception cref="ArgumentException">A span is too short or a pixel has non-zero padding bits.</exception>
    public static void MaxMinPool(ReadOnlySpan<ulong> input, int batch, int height, int width, int channels, int kernel, int stride,
        ReadOnlySpan<ulong> minChannels, Span<ulong> output)
    {
        BitConvGeometry.CheckCommon(batch, channels);
        int outH = BitConvGeometry.OutputSize(height, kernel, stride, 0, "height");
        int outW = BitConvGeometry.OutputSize(width, kernel, stride, 0, "width");
        int words = BitLayout.WordsPerRow(channels);
        BitChecks.Length(nameof(input), input.Length, BitChecks.Count(nameof(input), batch, height, width, words),
            $"[batch={batch}, height={height}, width={width}, words={words}]");
        BitChecks.Length(nameof(minChannels), minChannels.Length, words, $"[words={words}]");
        BitChecks.Length(nameof(output), output.Length, BitChecks.Count(nameof(output), batch, outH, outW, words),
            $"[batch={batch}, outH={outH}, outW={outW}, words={words}]");
        BitChecks.Padding(nameof(input), input, batch * height * width, words, channels);
        BitChecks.Padding(nameof(minChannels), minChannels, 1, words, channels);
        if (kernel == 2 && stride == 2)
        {
            MaxMinPool2x2(input, batch, height, width, words, minChannels, output);
            return;
        }
        for (int b = 0; b < batch; b++)
        {
            for (int oy = 0; oy < outH; oy++)
            {
                for (int ox = 0; ox < outW; ox++)
                {
                    Span<ulong> dst = output.Slice(((b * outH + oy) * outW + ox) * words, words);
                    for (int w = 0; w < words; w++)
                    {
                        ulong any = 0, all = ulong.MaxValue;
                        for (int y = oy * stride; y < oy * stride + kernel; y++)
                        {
                            for (int x = ox * stride; x < ox * stride + kernel; x++)
                            {
                                ulong v = input[((b * height + y) * width + x) * words + w];
                                any |= v;
                                all &= v;
                            }
                        }
                        dst[w] = (any & ~minChannels[w]) | (all & minChannels[w]);
                    }
                }
            }
        }
    }

    /// <summary>
    /// <see cref="MaxMinPool"/> for 2×2 windows at stride 2 (the common case; arguments already checked): one pass over
    /// pairs of input rows, four loads per output word.
    /// </summary>
    private static void MaxMinPool2x2(ReadOnlySpan<ulong> input, int batch, int height, int width, int words, ReadOnlySpan<ulong> minChannels,
        Span<ulong> output)
    {
        int outH = height / 2, outW = width / 2, rowWords = width * words, outRowWords = outW * words;
        for (int b = 0; b < batch; b++)
            for (int oy = 0; oy < outH; oy++)
            {
                ReadOnlySpan<ulong> top = input.Slice((b * height + 2 * oy) * rowWords, rowWords);
                ReadOnlySpan<ulong> bottom = input.Slice((b * height + 2 * oy + 1) * rowWords, rowWords);
                Span<ulong> dst = output.Slice((b * outH + oy) * outRowWords, outRowWords);
                for (int ox = 0, i = 0; ox < outW; ox++, i += words)
                {
                    int j = 2 * i;
                    for (int w = 0; w < words; w++, j++)
                    {
                        ulong a = top[j], c = top[j + words], d = bottom[j], e = bottom[j + words], m = minChannels[w];
                        dst[i + w] = ((a | c | d | e) & ~m) | (a & c & d & e & m);
                    }
                }
            }
    }
}
