using System.Runtime.CompilerServices;

namespace Lowbit.Kernels.Bits;

public static partial class XnorConv
{
    /// <summary>
    /// <see cref="ThresholdSigns"/> followed by a 2×2, stride-2 pooling of the signs without padding
    /// (<see cref="BitPooling.MaxMinPool"/>: OR over the window, AND for the channels set in <paramref name="minChannels"/>),
    /// without writing the full-resolution map: the four pixels of a window are computed into a small buffer and
    /// combined at once. Output <c>[images, ⌊OH/2⌋, ⌊OW/2⌋, WordsPerRow(O)]</c>, padding bits zero; equal bit for bit to
    /// the two steps one after the other.
    /// </summary>
    /// <param name="input">±1 map <c>[images, H, W, WordsPerRow(C)]</c>.</param>
    /// <param name="images">Images (≥ 0).</param>
    /// <param name="filters">The filters and shape (OH, OW ≥ 2).</param>
    /// <param name="maxMismatches">Per output channel, the largest mismatch count giving +1 (−1: never).</param>
    /// <param name="minChannels">Packed channel mask <c>[WordsPerRow(O)]</c>: bit o set = channel o takes the minimum.</param>
    /// <param name="padded">Scratch of <see cref="PaddedLength"/> words.</param>
    /// <param name="output">Pooled signs.</param>
    /// <param name="threads">Worker threads (≥ 1); pooled pixels are split between them.</param>
    /// <exception cref="ArgumentException">A span is too short, a pixel or the mask has non-zero padding bits, or the
    /// output map is smaller than one pooling window.</exception>
    public static void ThresholdSignsPooled(ReadOnlySpan<ulong> input, int images, XnorConvFilters filters, ReadOnlySpan<int> maxMismatches,
        ReadOnlySpan<ulong> minChannels, Span<uint> padded, Span<ulong> output, int threads = 1) =>
        RunPooled(DefaultPath, input, images, filters, maxMismatches, minChannels, padded, output, threads);

    /// <summary><see cref="ThresholdSignsPooled"/> on a chosen path (tests call every path).</summary>
    internal static unsafe void RunPooled(XnorConvPath path, ReadOnlySpan<ulong> input, int images, XnorConvFilters filters,
        ReadOnlySpan<int> maxMismatches, ReadOnlySpan<ulong> minChannels, Span<uint> padded, Span<ulong> output, int threads,
        long minWorkPerPart = MinWorkPerPart)
    {
        ArgumentNullException.ThrowIfNull(filters);
        ArgumentOutOfRangeException.ThrowIfNegative(images);
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        var s = filters.Shape;
        int inWords = BitLayout.WordsPerRow(s.InChannels), outWords = BitLayout.WordsPerRow(s.OutChannels);
        int ph = s.OutHeight / 2, pw = s.OutWidth / 2;
        if (ph == 0 || pw == 0)
        {
            throw new ArgumentException(
                $"A 2x2 pooling needs an output of at least 2x2 pixels; the convolution gives {s.OutHeight}x{s.OutWidth}.", nameof(filters));
        }
        int pooled = (int)BitChecks.Count(nameof(output), images, ph, pw);
        BitChecks.Length(nameof(input), input.Length, BitChecks.Count(nameof(input), images, s.Height, s.Width, inWords),
            $"[{images}, {s.Height}, {s.Width}, {inWords}]");
        BitChecks.Padding(nameof(input), input, images * s.Height * s.Width, inWords, s.InChannels);
        BitChecks.Length(nameof(padded), padded.Length, PaddedLength(s, images), "padded map");
        BitChecks.Length(nameof(maxMismatches), maxMismatches.Length, s.OutChannels, "[O]");
        BitChecks.Length(nameof(minChannels), minChannels.Length, outWords, "[WordsPerRow(O)]");
        BitChecks.Padding(nameof(minChannels), minChannels, 1, outWords, s.OutChannels);
        BitChecks.Length(nameof(output), output.Length, BitChecks.Count(nameof(output), pooled, outWords), $"[{images}, {ph}, {pw}, {outWords}]");
        if (pooled == 0) return;
        if (images == 1) PadImage(input, s, padded);
        int lanes = filters.Lanes;
        Span<int> limits = lanes <= 1024 ? stackalloc int[lanes] : new int[lanes];
        limits.Fill(-1);
        maxMismatches[..s.OutChannels].CopyTo(limits);
        fixed (ulong* pi = input, po = output, pm = minChannels)
        fixed (uint* pp = padded, pw0 = filters.Storage)
        fixed (int* pt = limits)
        {
            var job = new Job(path, filters, pi, pp, pw0 + filters.Offset, pt, po, null, false, pm);
            long work = 4L * pooled * filters.Steps * ((s.OutChannels + 15) >> 4);
            int parts = (int)Math.Min(threads, Math.Max(1, work / Math.Max(1, minWorkPerPart)));
            if (images > 1)
            {
                int imageBlocks = Math.Min(parts, images);
                if (imageBlocks <= 1) job.PooledImages(0, images);
                else RowPartition.Run(images, imageBlocks, 1, job.PooledImages);
                return;
            }
            if (parts <= 1) job.PooledPixels(0, pooled);
            else RowPartition.Run(pooled, parts, 1, job.PooledPixels);
        }
    }

    private readonly unsafe partial struct Job
    {
        /// <summary>Images [n0, n1) one at a time: pad the image, then compute its pooled pixels.</summary>
        public void PooledImages(int n0, int n1)
        {
            var s = _filters.Shape;
            int inImage = s.Height * s.Width * BitLayout.WordsPerRow(s.InChannels), padImage = PaddedLength(s, 1);
            int perImage = (s.OutHeight / 2) * (s.OutWidth / 2);
            for (int n = n0; n < n1; n++)
            {
                PadImage(new ReadOnlySpan<ulong>(_input + (nint)n * inImage, inImage), s, new Span<uint>(_padded + (nint)n * padImage, padImage));
                PooledPixels(n * perImage, (n + 1) * perImage);
            }
        }

        /// <summary>Pooled output pixels [t0, t1) (over all images).</summary>
        public void PooledPixels(int t0, int t1)
        {
            fixed (int* offsets = _filters.StepOffsets, windows = _filters.PooledWindows) PooledPixels(t0, t1, offsets, windows);
        }

        /// <summary>
        /// Chunks of pooled pixels: the 4 output pixels under each window (consecutive in <see cref="XnorConvFilters.PooledWindows"/>)
        /// through <see cref="Range"/> on any path into a stack buffer, then OR / AND per word into the output.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void PooledPixels(int t0, int t1, int* offsets, int* windows)
        {
            var s = _filters.Shape;
            int words = _outWords, perImage = (s.OutHeight / 2) * (s.OutWidth / 2), imageWords = PaddedLength(s, 1);
            int chunk = Math.Clamp(PoolChunkWords / (4 * words), 1, 16);
            ulong* pixels = stackalloc ulong[4 * chunk * words]; // [4·chunk, words]: the unpooled signs of a chunk
            var unpooled = new Job(_path, _filters, _input, _padded, _weights, _thresholds, pixels, null, false);
            bool whole = _path == XnorConvPath.Vector512; // the 512-bit sign path writes whole words; the others OR into them
            var tables = _path == XnorConvPath.Vector512 ? PopCountTables512.Create() : default;
            for (int t = t0; t < t1;)
            {
                int n = t / perImage, first = n * perImage, end = Math.Min(perImage, t1 - first);
                uint* image = _padded + (nint)n * imageWords;
                for (int r = t - first; r < end; r += chunk)
                {
                    int count = Math.Min(chunk, end - r);
                    if (!whole) new Span<ulong>(pixels, 4 * count * words).Clear();
                    unpooled.Range(image, windows + 4 * r, 0, 0, 4 * count, offsets, tables);
                    Combine(pixels, count, words, _output + (nint)(first + r) * words);
                }
                t = first + end;
            }
        }

        /// <summary>Per pooled pixel and word: OR of its four pixels, AND for the channels in the mask.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private void Combine(ulong* pixels, int count, int words, ulong* output)
        {
            for (int i = 0; i < count; i++)
            {
                ulong* p = pixels + (nint)4 * i * words;
                for (int q = 0; q < words; q++)
                {
                    ulong a = p[q], b = p[words + q], c = p[2 * words + q], d = p[3 * words + q], m = _minChannels[q];
                    output[(nint)i * words + q] = ((a | b | c | d) & ~m) | (a & b & c & d & m);
                }
            }
        }
    }

    /// <summary>Output words per chunk of <see cref="Job.PooledPixels(int, int)"/> (its stack buffer: 8 KB).</summary>
    private const int PoolChunkWords = 1024;
}
