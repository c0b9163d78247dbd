using System.Numerics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Lowbit.Kernels.Bits;

/// <summary>
/// Binary shift convolution on channel-packed ±1 maps: every connection (o, c) reads input channel c at its own cell of
/// a k×k window (a shift: an index offset, no multiply), then a binary 1×1 convolution over the active connections.
/// </summary>
/// <remarks>
/// d[n, o, i, j] = Σ_(c active for o) [x(n, c, s·i + ky(o, c) − p, s·j + kx(o, c) − p) ≠ w(o, c)], the number of
/// mismatching signs among o's active connections (the ±1 dot product is Active[o] − 2d; Wu et al. 2018 for fixed
/// shifts, Hacene et al. 2019 for learned ones), with the border ±1 as <see cref="XnorConvShape.PadWithOnes"/> says.
/// The input is copied into a padded map <c>[images, Hp, Wp, words]</c> (64-bit words, the border filled with the pad
/// bits), so a pixel's cells are read at fixed offsets. Per output pixel and word, the input word of every used cell
/// is broadcast and ANDed with that cell's mask for 4 output channels (Vector256) and ORed into the
/// gathered word — bit c is channel c at o's cell — then d += popcount(gathered XOR w_o), byte popcounts by table
/// lookup summed per 64-bit lane. Counts are exact integers: every path and every split between threads agree.
/// </remarks>
public static class ShiftXnorConv
{
    /// <summary>
    /// The kernel used by <see cref="Mismatches"/>: Vector256 when accelerated (also on AVX-512 hardware: a 512-bit
    /// version of the same loop, 8 output channels per vector, measured 2-3× slower on the 16-channel layers of ResNet-20,
    /// BENCHMARKS.md), else scalar.
    /// </summary>
    internal static ShiftXnorPath DefaultPath => Vector256.IsHardwareAccelerated ? ShiftXnorPath.Vector256 : ShiftXnorPath.Scalar;

    /// <summary>64-bit words of the padded copy of <paramref name="images"/> images: images·Hp·Wp·WordsPerRow(C).</summary>
    public static int PaddedLength(XnorConvShape shape, int images) =>
        (int)BitChecks.Count("padded", images, shape.PaddedHeight, shape.PaddedWidth, BitLayout.WordsPerRow(shape.InChannels));

    /// <summary>The mismatch counts d, channel-major <c>[images, O, OH, OW]</c> (the layout of a float feature map).</summary>
    /// <param name="input">±1 map <c>[images, H, W, WordsPerRow(C)]</c>, padding bits zero.</param>
    /// <param name="images">Images (≥ 0).</param>
    /// <param name="filters">The filters and shape.</param>
    /// <param name="padded">Scratch of <see cref="PaddedLength"/> words.</param>
    /// <param name="counts">Output counts.</param>
    /// <param name="threads">Worker threads (≥ 1).</param>
    /// <exception cref="ArgumentException">A span is too short or an input pixel has non-zero padding bits.</exception>
    public static void Mismatches(ReadOnlySpan<ulong> input, int images, ShiftXnorFilters filters, Span<ulong> padded, Span<int> counts, int threads = 1) =>
        Run(DefaultPath, input, images, filters, padded, counts, threads);

    /// <summary><see cref="Mismatches"/> on a chosen path (tests call every path).</summary>
    internal static unsafe void Run(ShiftXnorPath path, ReadOnlySpan<ulong> input, int images, ShiftXnorFilters filters, Span<ulong> padded, Span<int> counts, int threads)
    {
        ArgumentNullException.ThrowIfNull(filters);
        ArgumentOutOfRangeException.ThrowIfNegative(images);
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        var s = filters.Shape;
        int words = BitLayout.WordsPerRow(s.InChannels), pixels = (int)BitChecks.Count("output", images, s.OutHeight, s.OutWidth);
        BitChecks.Length(nameof(input), input.Length, BitChecks.Count(nameof(input), images, s.Height, s.Width, words), $"[{images}, {s.Height}, {s.Width}, {words}]");
        BitChecks.Padding(nameof(input), input, images * s.Height * s.Width, words, s.InChannels);
        BitChecks.Length(nameof(padded), padded.Length, PaddedLength(s, images), "padded map");
        BitChecks.Length(nameof(counts), counts.Length, BitChecks.Count(nameof(counts), pixels, s.OutChannels), "[images, O, OH, OW]");
        if (pixels == 0) return;
        Pad(input, s, images, padded);
        fixed (ulong* pp = padded)
        fixed (int* pc = counts)
        {
            var job = new Job(path, filters, pp, pc);
            int blocks = Math.Min(threads, Math.Max(1, pixels / 64));
            if (blocks <= 1) job.Pixels(0, pixels);
            else RowPartition.Run(pixels, blocks, 1, job.Pixels);
        }
    }

    /// <summary>Copies the images into the padded map <c>[images, Hp, Wp, words]</c> with the border's bits.</summary>
    private static void Pad(ReadOnlySpan<ulong> input, XnorConvShape s, int images, Span<ulong> padded)
    {
        int words = BitLayout.WordsPerRow(s.InChannels), hp = s.PaddedHeight, wp = s.PaddedWidth, p = s.Padding;
        Span<ulong> border = words <= 256 ? stackalloc ulong[words] : new ulong[words];
        if (s.PadWithOnes)
        {
            border.Fill(ulong.MaxValue);
            border[^1] = BitLayout.LastWordMask(s.InChannels);
        }
        else
        {
            border.Clear();
        }
        for (int n = 0; n < images; n++)
            for (int y = 0; y < hp; y++)
            {
                var row = padded.Slice((n * hp + y) * wp * words, wp * words);
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
                input.Slice((n * s.Height + iy) * s.Width * words, s.Width * words).CopyTo(row.Slice(p * words));
            }
    }

    /// <summary>A range of output pixels (flattened over images) on one path.</summary>
    private sealed unsafe class Job(ShiftXnorPath path, ShiftXnorFilters filters, ulong* padded, int* counts)
    {
        public void Pixels(int start, int end)
        {
            var s = filters.Shape;
            int words = BitLayout.WordsPerRow(s.InChannels), wp = s.PaddedWidth, hp = s.PaddedHeight, taps = filters.Taps;
            int ow = s.OutWidth, positions = s.OutHeight * ow, o = s.OutChannels;
            Span<int> offsets = taps <= 256 ? stackalloc int[taps] : new int[taps];
            for (int t = 0; t < taps; t++) offsets[t] = (filters.TapY[t] * wp + filters.TapX[t]) * words;
            ulong[] x = new ulong[taps * words]; // the pixel's input word of every used cell, [taps, words]
            fixed (ulong* masks = filters.Masks, weights = filters.Weights)
            fixed (ulong* px = x)
            {
                for (int pixel = start; pixel < end; pixel++)
                {
                    int n = pixel / positions, p = pixel - n * positions, i = p / ow, j = p - i * ow;
                    ulong* origin = padded + ((long)(n * hp + i * s.Stride) * wp + j * s.Stride) * words;
                    for (int t = 0; t < taps; t++)
                        for (int w = 0; w < words; w++) px[t * words + w] = origin[offsets[t] + w];
                    int* row = counts + (long)n * o * positions + p; // channel c at row[c·positions]
                    switch (path)
                    {
                        case ShiftXnorPath.Vector256: Vector256Pixel(px, taps, words, masks, weights, filters.Lanes, o, row, positions); break;
                        default: ScalarPixel(px, taps, words, masks, weights, filters.Lanes, o, row, positions); break;
                    }
                }
            }
        }
    }

    /// <summary>Reference path: one output channel at a time, scalar POPCNT.</summary>
    private static unsafe void ScalarPixel(ulong* x, int taps, int words, ulong* masks, ulong* weights, int lanes, int o, int* row, int stride)
    {
        for (int oc = 0; oc < o; oc++)
        {
            int d = 0;
            for (int w = 0; w < words; w++)
            {
                ulong g = 0;
                for (int t = 0; t < taps; t++) g |= x[t * words + w] & masks[(t * words + w) * lanes + oc];
                d += BitOperations.PopCount(g ^ weights[w * lanes + oc]);
            }
            row[(long)oc * stride] = d;
        }
    }

    private static unsafe void Vector256Pixel(ulong* x, int taps, int words, ulong* masks, ulong* weights, int lanes, int o, int* row, int stride)
    {
        for (int o0 = 0; o0 < o; o0 += 4)
        {
            var d = Vector256<ulong>.Zero;
            for (int w = 0; w < words; w++)
            {
                var g = Vector256<ulong>.Zero;
                for (int t = 0; t < taps; t++) g |= Vector256.Create(x[t * words + w]) & Vector256.Load(masks + (t * words + w) * lanes + o0);
                d += PopCountGemm.SumBytesPerLane(PopCountGemm.LaneByteCounts(g ^ Vector256.Load(weights + w * lanes + o0)));
            }
            int n = Math.Min(4, o - o0);
            for (int l = 0; l < n; l++) row[(long)(o0 + l) * stride] = (int)d.GetElement(l);
        }
    }
}

/// <summary>Kernel paths of <see cref="ShiftXnorConv"/>.</summary>
internal enum ShiftXnorPath
{
    /// <summary>One output channel at a time with scalar POPCNT (reference and fallback).</summary>
    Scalar,

    /// <summary>4 output channels per 256-bit vector.</summary>
    Vector256,
}
