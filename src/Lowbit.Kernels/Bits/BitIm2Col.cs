namespace Lowbit.Kernels.Bits;

/// <summary>
/// im2col for channel-packed binary feature maps: one densely packed patch row per output pixel, ready for
/// <see cref="XnorGemm.Multiply"/> against OHWI weights packed with <see cref="BitPacking.PackSigns"/>.
/// </summary>
/// <remarks>
/// Bit order within a patch row and the −1 (bit 0) zero-padding convention are defined in <see cref="BitLayout"/>:
/// <c>index = (ky·kernelW + kx)·channels + c</c>. A convolution is then
/// <c>y[(b, oy, ox), o] = XnorGemm(patches, weights)</c> with reduction length <c>kernelH·kernelW·channels</c>.
/// </remarks>
public static class BitIm2Col
{
    /// <summary>Words per patch row: <c>WordsPerRow(kernelH·kernelW·channels)</c>.</summary>
    /// <param name="channels">Input channels.</param>
    /// <param name="kernelH">Kernel height.</param>
    /// <param name="kernelW">Kernel width.</param>
    /// <returns>Words per output row of the <c>Transform</c> methods.</returns>
    public static int PatchWords(int channels, int kernelH, int kernelW) =>
        BitLayout.WordsPerRow(checked(channels * kernelH * kernelW));

    /// <summary>Extracts packed patch rows <c>[batch·outH·outW, PatchWords]</c> from a channel-packed map.</summary>
    /// <param name="input">Feature map <c>[batch, height, width, WordsPerRow(channels)]</c>.</param>
    /// <param name="batch">Images (≥ 0).</param>
    /// <param name="height">Input height (≥ 1).</param>
    /// <param name="width">Input width (≥ 1).</param>
    /// <param name="channels">Channels (≥ 1).</param>
    /// <param name="kernelH">Kernel height.</param>
    /// <param name="kernelW">Kernel width.</param>
    /// <param name="strideH">Vertical stride.</param>
    /// <param name="strideW">Horizontal stride.</param>
    /// <param name="padH">Rows of −1 padding above and below (&lt; kernelH).</param>
    /// <param name="padW">Columns of −1 padding left and right (&lt; kernelW).</param>
    /// <param name="output">Output <c>[batch·outH·outW, PatchWords(channels, kernelH, kernelW)]</c>, rows in (b, oy, ox) order.</param>
    /// <exception cref="ArgumentOutOfRangeException">A size is out of range.</exception>
    /// <exception cref="ArgumentException">A span is too short or a pixel has non-zero padding bits.</exception>
    public static void Transform(ReadOnlySpan<ulong> input, int batch, int height, int width, int channels,
        int kernelH, int kernelW, int strideH, int strideW, int padH, int padW, Span<ulong> output) =>
        Transform(input, batch, height, width, channels, kernelH, kernelW, strideH, strideW, padH, padW, padWithOnes: false, output);

    /// <summary>
    /// As <see cref="Transform(ReadOnlySpan{ulong}, int, int, int, int, int, int, int, int, int, int, Span{ulong})"/>,
    /// padding with +1 (bit 1) instead of −1 when <paramref name="padWithOnes"/> (Larq's <c>pad_values=1</c>).
    /// </summary>
    /// <param name="input">Feature map <c>[batch, height, width, WordsPerRow(channels)]</c>.</param>
    /// <param name="batch">Images (≥ 0).</param>
    /// <param name="height">Input height (≥ 1).</param>
    /// <param name="width">Input width (≥ 1).</param>
    /// <param name="channels">Channels (≥ 1).</param>
    /// <param name="kernelH">Kernel height.</param>
    /// <param name="kernelW">Kernel width.</param>
    /// <param name="strideH">Vertical stride.</param>
    /// <param name="strideW">Horizontal stride.</param>
    /// <param name="padH">Rows of padding above and below (&lt; kernelH).</param>
    /// <param name="padW">Columns of padding left and right (&lt; kernelW).</param>
    /// <param name="padWithOnes">Pad with +1 (bit 1) rather than −1 (bit 0).</param>
    /// <param name="output">Output <c>[batch·outH·outW, PatchWords(channels, kernelH, kernelW)]</c>, rows in (b, oy, ox) order.</param>
    /// <exception cref="ArgumentOutOfRangeException">A size is out of range.</exception>
    /// <exception cref="ArgumentException">A span is too short or a pixel has non-zero padding bits.</exception>
    public static void Transform(ReadOnlySpan<ulong> input, int batch, int height, int width, int channels,
        int kernelH, int kernelW, int strideH, int strideW, int padH, int padW, bool padWithOnes, Span<ulong> output)
    {
        BitConvGeometry.CheckCommon(batch, channels);
        int outH = BitConvGeometry.OutputSize(height, kernelH, strideH, padH, "height");
        int outW = BitConvGeometry.OutputSize(width, kernelW, strideW, padW, "width");
        int pixelWords = BitLayout.WordsPerRow(channels);
        int rowWords = PatchWords(channels, kernelH, kernelW);
        BitChecks.Length(nameof(input), input.Length, BitChecks.Count(nameof(input), batch, height, width, pixelWords),
            $"[batch={batch}, height={height}, width={width}, words={pixelWords}]");
        BitChecks.Length(nameof(output), output.Length, BitChecks.Count(nameof(output), batch, outH, outW, rowWords),
            $"[rows={batch}·{outH}·{outW}, words={rowWords}]");
        BitChecks.Padding(nameof(input), input, batch * height * width, pixelWords, channels);
        Span<ulong> ones = stackalloc ulong[0];
        if (padWithOnes)
        {
            ones = pixelWords <= 64 ? stackalloc ulong[pixelWords] : new ulong[pixelWords];
            ones.Fill(ulong.MaxValue);
            ones[^1] = BitLayout.LastWordMask(channels);
        }
        var shape = new Patch(width, channels, kernelH, kernelW, pixelWords);
        for (int b = 0; b < batch; b++)
        {
            for (int oy = 0; oy < outH; oy++)
            {
                int y0 = oy * strideH - padH;
                bool rowsInside = y0 >= 0 && y0 + kernelH <= height;
                for (int ox = 0; ox < outW; ox++)
                {
                    Span<ulong> row = output.Slice(((b * outH + oy) * outW + ox) * rowWords, rowWords);
                    int x0 = ox * strideW - padW;
                    if (rowsInside && x0 >= 0 && x0 + kernelW <= width)
                    {
                        shape.Interior(input.Slice(((b * height + y0) * width + x0) * pixelWords), row);
                        continue;
                    }
                    row.Clear();
                    for (int ky = 0; ky < kernelH; ky++)
                    {
                        int y = y0 + ky;
                        bool rowOutside = (uint)y >= (uint)height;
                        if (rowOutside && !padWithOnes) continue; // padded row: bits stay 0 (−1)
                        for (int kx = 0; kx < kernelW; kx++)
                        {
                            int x = x0 + kx;
                            if (rowOutside || (uint)x >= (uint)width)
                            {
                                if (padWithOnes) OrBits(row, (ky * kernelW + kx) * channels, ones);
                                continue;
                            }
                            OrBits(row, (ky * kernelW + kx) * channels, input.Slice(((b * height + y) * width + x) * pixelWords, pixelWords));
                        }
                    }
                }
            }
        }
    }

    /// <summary>
    /// One patch row of a window that lies wholly inside the map (no padding), by the cheapest copy the channel count
    /// allows: whole words when channels are a multiple of 64 (each kernel row is one contiguous run of the map), one
    /// shifted word per tap when channels divide 64 (no tap straddles a word), else the general bit-offset OR.
    /// </summary>
    private readonly struct Patch(int width, int channels, int kernelH, int kernelW, int pixelWords)
    {
        public void Interior(ReadOnlySpan<ulong> window, Span<ulong> row)
        {
            int mapRow = width * pixelWords;
            if (channels % 64 == 0)
            {
                int run = kernelW * pixelWords;
                for (int ky = 0; ky < kernelH; ky++) window.Slice(ky * mapRow, run).CopyTo(row.Slice(ky * run, run));
                return;
            }
            row.Clear();
            if (64 % channels == 0)
            {
                // pixelWords = 1: tap t goes to bits [t·channels, (t+1)·channels) of one word.
                ref ulong r = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(row);
                for (int ky = 0; ky < kernelH; ky++)
                {
                    var source = window.Slice(ky * mapRow, kernelW);
                    for (int kx = 0; kx < kernelW; kx++)
                    {
                        int bit = (ky * kernelW + kx) * channels;
                        System.Runtime.CompilerServices.Unsafe.Add(ref r, bit >> 6) |= source[kx] << (bit & 63);
                    }
                }
                return;
            }
            for (int ky = 0; ky < kernelH; ky++)
                for (int kx = 0; kx < kernelW; kx++)
                    OrBits(row, (ky * kernelW + kx) * channels, window.Slice(ky * mapRow + kx * pixelWords, pixelWords));
        }
    }

    /// <summary>
    /// ORs the packed bits of <paramref name="source"/> (padding bits zero) into <paramref name="row"/> starting at
    /// bit <paramref name="bitOffset"/>. The target range is zero, so OR is a copy; bits past the row end are zero.
    /// </summary>
    private static void OrBits(Span<ulong> row, int bitOffset, ReadOnlySpan<ulong> source)
    {
        int word = bitOffset >> 6, shift = bitOffset & 63;
        if (shift == 0)
        {
            for (int w = 0; w < source.Length; w++) row[word + w] |= source[w];
            return;
        }
        for (int w = 0; w < source.Length; w++)
        {
            ulong s = source[w];
            row[word + w] |= s << shift;
            ulong carry = s >> (64 - shift);
            if (carry != 0) row[word + w + 1] |= carry;
        }
    }
}
