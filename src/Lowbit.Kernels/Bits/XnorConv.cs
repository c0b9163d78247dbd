using System.Numerics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Lowbit.Kernels.Bits;

/// <summary>
/// Direct binary convolution on channel-packed ±1 maps (no im2col matrix): for each output pixel, the XOR-popcount of
/// its k·k taps' input words against many filters at once, output channels along the vector lanes, with the per-channel
/// threshold and the sign packing fused into the epilogue.
/// </summary>
/// <remarks>
/// d[pixel, o] = Σ_(ky, kx, c) [x(oy·s + ky − p, ox·s + kx − p, c) ≠ w_o(ky, kx, c)], the number of mismatching signs of
/// the K = C·k·k products (the ±1 dot product is K − 2d, BinaryNet, Courbariaux, Hubara et al. 2016), with the border
/// ±1 as <see cref="XnorConvShape.PadWithOnes"/> says. The input is first copied into a padded map of 32-bit words
/// <c>[batch, Hp, Wp, ceil(C/32)]</c> (the border filled with the pad value's bits), so every output pixel reads its taps
/// at fixed offsets. Per reduction step one input word is broadcast and XORed with the same word of 16 (or 8) filters
/// (<see cref="XnorConvFilters"/>); byte popcounts by table lookup (<see cref="PopCountGemm.LaneByteCounts(Vector512{ulong})"/>)
/// are summed for ≤ 31 steps (≤ 248 per byte), then widened to 32-bit lanes; on the 512-bit path 9–15 and 18–26 steps
/// first go through carry-save adder trees (<see cref="CarrySave9"/>, <see cref="CarrySave18"/>) and other lengths from 16
/// steps on through Harley-Seal blocks (<see cref="HarleySeal512"/>), so fewer lookups are needed; the 512-bit sign path
/// also counts 36–44 steps with a 36-input tree (<see cref="CarrySave36Inlined"/>) and computes each output word (up to
/// 4 vectors of 16 filters of one pixel, thresholded and packed) in one loop per reduction length; for 3×3 kernels on 1, 2
/// or 4 input words it reads every word at a fixed displacement and starts each kernel row's adder from the row triples
/// (<see cref="RowTriples"/>, <see cref="CarryFromSum"/>: 4 vector operations per 3 steps instead of 5). Elsewhere a tile is
/// 4 vectors: 4 pixels × 16 filters (O ≤ 16 per vector width), 2 pixels × 32 (O ≤ 32), or 1 pixel × 64 filters. Counts
/// are exact integers, so every path and every split between threads gives the same result.
/// </remarks>
public static partial class XnorConv
{
    /// <summary>The kernel used by the public entries: the widest accelerated vector width, else scalar.</summary>
    internal static XnorConvPath DefaultPath => Vector512.IsHardwareAccelerated ? XnorConvPath.Vector512
        : Vector256.IsHardwareAccelerated ? XnorConvPath.Vector256 : XnorConvPath.Scalar;

    /// <summary>
    /// 32-bit words of the scratch of the entries below for <paramref name="images"/> images: per image the padded copy
    /// <c>[Hp, Wp, ceil(C/32)]</c>, followed for 3×3 kernels on 1, 2, 4, 8 or 16 input words (<see cref="HasRowTriples"/>) by
    /// the map of row triples of the same size.
    /// </summary>
    /// <param name="shape">The convolution.</param>
    /// <param name="images">Images.</param>
    /// <returns>images·Hp·Wp·ceil(C/32), twice that with row triples.</returns>
    public static int PaddedLength(XnorConvShape shape, int images) =>
        (int)BitChecks.Count("padded", images, shape.PaddedHeight, shape.PaddedWidth, (shape.InChannels + 31) >> 5, HasRowTriples(shape) ? 2 : 1);

    /// <summary>
    /// The convolution's signs: output channel o of a pixel is +1 (bit 1) iff its mismatch count d ≤
    /// <paramref name="maxMismatches"/>[o]; output <c>[images, OH, OW, WordsPerRow(O)]</c>, padding bits zero.
    /// </summary>
    /// <param name="input">±1 map <c>[images, H, W, WordsPerRow(C)]</c>.</param>
    /// <param name="images">Images (≥ 0).</param>
    /// <param name="filters">The filters and shape.</param>
    /// <param name="maxMismatches">Per output channel, the largest d giving +1 (−1: never).</param>
    /// <param name="padded">Scratch of <see cref="PaddedLength"/> words.</param>
    /// <param name="output">Packed output signs.</param>
    /// <param name="threads">Worker threads (≥ 1); output pixels are split between them.</param>
    /// <exception cref="ArgumentException">A span is too short or an input pixel has non-zero padding bits.</exception>
    public static void ThresholdSigns(ReadOnlySpan<ulong> input, int images, XnorConvFilters filters, ReadOnlySpan<int> maxMismatches,
        Span<uint> padded, Span<ulong> output, int threads = 1) =>
        Run(DefaultPath, input, images, filters, maxMismatches, padded, output, default, threads, signs: true);

    /// <summary>
    /// The mismatch counts d (the ±1 dot product is C·k·k − 2d): <c>[images, OH, OW, O]</c>, or with
    /// <paramref name="channelMajor"/> <c>[images, O, OH, OW]</c> (the layout of a float feature map).
    /// </summary>
    /// <param name="input">±1 map <c>[images, H, W, WordsPerRow(C)]</c>.</param>
    /// <param name="images">Images (≥ 0).</param>
    /// <param name="filters">The filters and shape.</param>
    /// <param name="padded">Scratch of <see cref="PaddedLength"/> words.</param>
    /// <param name="counts">Output counts.</param>
    /// <param name="threads">Worker threads (≥ 1).</param>
    /// <param name="channelMajor">Write <c>[images, O, OH, OW]</c> instead of pixel-major counts.</param>
    /// <exception cref="ArgumentException">A span is too short or an input pixel has non-zero padding bits.</exception>
    public static void Mismatches(ReadOnlySpan<ulong> input, int images, XnorConvFilters filters, Span<uint> padded, Span<int> counts, int threads = 1,
        bool channelMajor = false) =>
        Run(DefaultPath, input, images, filters, default, padded, default, counts, threads, signs: false, channelMajor);

    /// <summary>Either entry on a chosen path (tests call every path).</summary>
    internal static unsafe void Run(XnorConvPath path, ReadOnlySpan<ulong> input, int images, XnorConvFilters filters, ReadOnlySpan<int> maxMismatches,
        Span<uint> padded, Span<ulong> output, Span<int> counts, int threads, bool signs, bool channelMajor = false,
        long minWorkPerPart = MinWorkPerPart)
    {
        ArgumentNullException.ThrowIfNull(filters);
        ArgumentOutOfRangeException.ThrowIfNegative(images);
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        var s = filters.Shape;
        int inWords = BitLayout.WordsPerRow(s.InChannels), pixels = (int)BitChecks.Count("output", images, s.OutHeight, s.OutWidth);
        BitChecks.Length(nameof(input), input.Length, BitChecks.Count(nameof(input), images, s.Height, s.Width, inWords), $"[{images}, {s.Height}, {s.Width}, {inWords}]");
        BitChecks.Padding(nameof(input), input, images * s.Height * s.Width, inWords, s.InChannels);
        BitChecks.Length(nameof(padded), padded.Length, PaddedLength(s, images), "padded map");
        if (signs)
        {
            BitChecks.Length(nameof(maxMismatches), maxMismatches.Length, s.OutChannels, "[O]");
            BitChecks.Length(nameof(output), output.Length, BitChecks.Count(nameof(output), pixels, BitLayout.WordsPerRow(s.OutChannels)), "[pixels, WordsPerRow(O)]");
        }
        else
        {
            BitChecks.Length(nameof(counts), counts.Length, BitChecks.Count(nameof(counts), pixels, s.OutChannels), "[pixels, O]");
        }
        if (pixels == 0) return;
        // One image: pad, then split its pixels between threads. Several: each thread pads and convolves whole images
        // in turn, so an image's padded map is still in cache when its pixels are computed.
        if (images == 1) PadImage(input, s, padded);
        int lanes = signs ? filters.Lanes : 0;
        Span<int> limits = lanes <= 1024 ? stackalloc int[lanes] : new int[lanes];
        limits.Fill(-1); // lanes past O: never +1, so their bits stay zero
        if (signs) maxMismatches[..s.OutChannels].CopyTo(limits);
        fixed (ulong* pi = input, po = output)
        fixed (uint* pp = padded, pw = filters.Storage)
        fixed (int* pc = counts, pt = limits)
        {
            var job = new Job(path, filters, pi, pp, pw + filters.Offset, signs ? pt : null, po, pc, channelMajor);
            long work = (long)pixels * filters.Steps * ((s.OutChannels + 15) >> 4);
            int parts = (int)Math.Min(threads, Math.Max(1, work / Math.Max(1, minWorkPerPart)));
            if (images > 1)
            {
                int imageBlocks = Math.Min(parts, images);
                if (imageBlocks <= 1) job.Images(0, images);
                else RowPartition.Run(images, imageBlocks, 1, job.Images);
                return;
            }
            if (parts <= 1) job.Pixels(0, pixels);
            else RowPartition.Run(pixels, parts, 4, job.Pixels);
        }
    }

    /// <summary>
    /// Least work, in reduction steps × vectors of 16 filters (about 1.5 ns each on the 512-bit path), worth a thread of
    /// its own: about 25 µs. A part hands off to a worker that may be asleep or whose CPU is busy with another process;
    /// at batch 1 the 2-thread runs of smaller layers were 2-10x slower than on one thread on the shared 2-vCPU machine
    /// (BENCHMARKS.md, "Packed inference: toward the 10x targets").
    /// </summary>
    internal const long MinWorkPerPart = 1L << 14;

    /// <summary>
    /// One image into its scratch block (<see cref="PaddedLength"/> of one image): the padded map, then, with
    /// <see cref="HasRowTriples"/>, its row triples.
    /// </summary>
    internal static void PadImage(ReadOnlySpan<ulong> input, XnorConvShape s, Span<uint> block)
    {
        int length = s.PaddedHeight * s.PaddedWidth * ((s.InChannels + 31) >> 5);
        Pad(input, s, 1, block[..length]);
        if (HasRowTriples(s)) RowTriples(block[..length], (s.InChannels + 31) >> 5, block.Slice(length, length));
    }

    /// <summary>Copies the images into the padded map <c>[images, Hp, Wp, ceil(C/32)]</c> with the border's bits.</summary>
    internal static void Pad(ReadOnlySpan<ulong> input, XnorConvShape s, int images, Span<uint> padded)
    {
        int words = (s.InChannels + 31) >> 5, inWords = BitLayout.WordsPerRow(s.InChannels), hp = s.PaddedHeight, wp = s.PaddedWidth, p = s.Padding;
        Span<uint> border = words <= 256 ? stackalloc uint[words] : new uint[words];
        for (int w = 0; w < words; w++)
        {
            int count = Math.Min(32, s.InChannels - 32 * w);
            border[w] = s.PadWithOnes ? (count == 32 ? uint.MaxValue : (1u << count) - 1) : 0u;
        }
        var source = MemoryMarshal.Cast<ulong, uint>(input);
        if (words == 1)
        {
            PadOneWord(input, s, images, border[0], padded);
            return;
        }
        for (int n = 0; n < images; n++)
            for (int y = 0; y < hp; y++)
            {
                var row = padded.Slice(((n * hp + y) * wp) * words, wp * words);
                int iy = y - p;
                if ((uint)iy >= (uint)s.Height)
                {
                    for (int x = 0; x < wp; x++) border.CopyTo(row.Slice(x * words, words));
                    continue;
                }
                for (int x = 0; x < p; x++)
                {
                    border.CopyTo(row.Slice(x * words, words));
                    border.CopyTo(row.Slice((wp - 1 - x) * words, words));
                }
                int pixel = (n * s.Height + iy) * s.Width;
                if (words == 2 * inWords)
                {
                    source.Slice(pixel * words, s.Width * words).CopyTo(row.Slice(p * words)); // whole 64-bit words: the row as is
                    continue;
                }
                for (int x = 0; x < s.Width; x++) source.Slice((pixel + x) * 2 * inWords, words).CopyTo(row.Slice((p + x) * words, words));
            }
    }

    /// <summary>
    /// <see cref="Pad"/> for ≤ 32 channels (one 32-bit word per padded pixel, the low half of each input word): plain
    /// stores, where the general copy made a call per pixel (about 6 µs for a 32 × 32 map).
    /// </summary>
    private static void PadOneWord(ReadOnlySpan<ulong> input, XnorConvShape s, int images, uint border, Span<uint> padded)
    {
        int hp = s.PaddedHeight, wp = s.PaddedWidth, p = s.Padding;
        for (int n = 0; n < images; n++)
            for (int y = 0; y < hp; y++)
            {
                var row = padded.Slice((n * hp + y) * wp, wp);
                int iy = y - p;
                if ((uint)iy >= (uint)s.Height)
                {
                    row.Fill(border);
                    continue;
                }
                row[..p].Fill(border);
                row[(p + s.Width)..].Fill(border);
                var source = input.Slice((n * s.Height + iy) * s.Width, s.Width);
                var inner = row.Slice(p, s.Width);
                for (int x = 0; x < inner.Length; x++) inner[x] = (uint)source[x];
            }
    }
}

/// <summary>Kernel paths of <see cref="XnorConv"/>.</summary>
internal enum XnorConvPath
{
    /// <summary>One channel at a time with scalar POPCNT (reference and fallback).</summary>
    Scalar,

    /// <summary>8 output channels per 256-bit vector.</summary>
    Vector256,

    /// <summary>16 output channels per 512-bit vector.</summary>
    Vector512,
}
