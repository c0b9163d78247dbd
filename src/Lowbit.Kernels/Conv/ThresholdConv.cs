using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Lowbit.Kernels.Conv;

/// <summary>
/// A float32 convolution whose outputs are only compared with a threshold per output channel and packed as signs
/// (a binary network's first layer): output channels along the vector lanes, each output accumulated with exactly the
/// operations of <see cref="DirectConv.Forward"/> — one fused multiply-add per reduction index p in increasing p from
/// 0, then one addition of the bias — so every value, and therefore every sign, equals that kernel's.
/// </summary>
/// <remarks>
/// y[n, o, oy, ox] = Σ_p w[o, p]·xpad[n, c, oy·s + ky, ox·s + kx] (p = (c·k + ky)·k + kx, rounded after each
/// multiply-add) + bias[o]; bit o of output pixel (n, oy, ox) is set iff z ≥ τ_o with z = y, or −y (IEEE negation) for
/// the channels marked negated. Input: the padded map <c>[images, C, Hp, Wp]</c>; output
/// <c>[images, OH, OW, WordsPerRow(O)]</c> (channel-packed pixels, as <c>BitLayout</c>). A tile is 4 pixels × 2 vectors
/// of output channels, 8 independent accumulator chains; values do not depend on the tile, path or thread split.
/// </remarks>
public static partial class ThresholdConv
{
    /// <summary>Path used by <see cref="Signs"/>: the widest accelerated vector width with FMA in hardware, else scalar.</summary>
    internal static ThresholdConvPath DefaultPath => Vector512.IsHardwareAccelerated ? ThresholdConvPath.Vector512
        : Vector256.IsHardwareAccelerated && System.Runtime.Intrinsics.X86.Fma.IsSupported ? ThresholdConvPath.Vector256 : ThresholdConvPath.Scalar;

    /// <summary>The packed signs of the thresholded convolution.</summary>
    /// <param name="xpad">Padded input <c>[images, C, Hp, Wp]</c>.</param>
    /// <param name="images">Images (≥ 0).</param>
    /// <param name="filters">Filters, bias, thresholds and shape.</param>
    /// <param name="output">Signs <c>[images, OH, OW, WordsPerRow(O)]</c>; padding bits are written zero.</param>
    /// <param name="threads">Worker threads (≥ 1); output pixels are split between them.</param>
    /// <exception cref="ArgumentException">A span is too short.</exception>
    public static void Signs(ReadOnlySpan<float> xpad, int images, ThresholdConvFilters filters, Span<ulong> output, int threads = 1) =>
        Run(PathFor(filters), xpad, images, filters, output, default, threads);

    /// <summary>
    /// <see cref="DefaultPath"/>, except that at most 16 output channels take the 256-bit path: a 512-bit tile row is 32
    /// channels, so half of its multiply-adds would be padding (every path gives the same values).
    /// </summary>
    internal static ThresholdConvPath PathFor(ThresholdConvFilters filters) =>
        DefaultPath == ThresholdConvPath.Vector512 && filters?.Shape.OutChannels <= 16 ? ThresholdConvPath.Vector256 : DefaultPath;

    /// <summary>The values y (bias added, before the threshold), for callers that check the operation order against another kernel.</summary>
    /// <param name="xpad">Padded input <c>[images, C, Hp, Wp]</c>.</param>
    /// <param name="images">Images (≥ 0).</param>
    /// <param name="filters">Filters, bias and shape.</param>
    /// <param name="values">Output <c>[images, OH, OW, O]</c>.</param>
    /// <param name="threads">Worker threads (≥ 1).</param>
    /// <exception cref="ArgumentException">A span is too short.</exception>
    public static void Values(ReadOnlySpan<float> xpad, int images, ThresholdConvFilters filters, Span<float> values, int threads = 1) =>
        Run(PathFor(filters), xpad, images, filters, default, values, threads);

    internal static unsafe void Run(ThresholdConvPath path, ReadOnlySpan<float> xpad, int images, ThresholdConvFilters filters, Span<ulong> output, Span<float> values, int threads)
    {
        ArgumentNullException.ThrowIfNull(filters);
        ArgumentOutOfRangeException.ThrowIfNegative(images);
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        var s = filters.Shape;
        long pixels = (long)images * s.OutH * s.OutW, outWords = (s.OutChannels + 63) / 64;
        if (xpad.Length < (long)images * ImageLength(s))
            throw new ArgumentException($"The padded input has {xpad.Length} floats; {images} images of [{s.InChannels}, {s.PaddedH}, {s.PaddedW}] need {(long)images * ImageLength(s)}.", nameof(xpad));
        bool signs = values.IsEmpty;
        if (signs && output.Length < pixels * outWords)
            throw new ArgumentException($"The output has {output.Length} words; {pixels} pixels of {s.OutChannels} channels need {pixels * outWords}.", nameof(output));
        if (!signs && values.Length < pixels * s.OutChannels)
            throw new ArgumentException($"The values span has {values.Length} floats; {pixels * s.OutChannels} are needed.", nameof(values));
        if (pixels == 0) return;
        fixed (float* px = xpad, pw = filters.Storage, pv = values)
        fixed (ulong* po = output)
        {
            var job = new Job(path, filters, px, pw + filters.Offset, po, signs ? null : pv);
            int blocks = Math.Min(threads, Math.Max(1, (int)(pixels / MinPixelsPerThread)));
            if (blocks <= 1) job.Pixels(0, (int)pixels);
            else
            {
                Parallel.For(0, blocks, new ParallelOptions { MaxDegreeOfParallelism = blocks }, b =>
                    job.Pixels((int)(pixels * b / blocks), (int)(pixels * (b + 1) / blocks)));
            }
        }
    }

    /// <summary>Fewest output pixels worth a thread of their own.</summary>
    private const int MinPixelsPerThread = 64;

    /// <summary>Floats of one padded image <c>[C, Hp, Wp]</c> (plain layout at every stride, unlike DirectConv's phase planes).</summary>
    /// <param name="shape">The convolution.</param>
    /// <returns>C·Hp·Wp.</returns>
    public static int ImageLength(DirectConvShape shape) => shape.InChannels * shape.PaddedH * shape.PaddedW;

    /// <summary>The padded map <c>[images, C, Hp, Wp]</c> from 8-bit pixels <c>[images, C, H, W]</c> through per-channel tables.</summary>
    /// <param name="pixels">Bytes <c>[images, C, H, W]</c>.</param>
    /// <param name="images">Images.</param>
    /// <param name="shape">Shape (C, Hp, Wp; padding p = (Hp − H)/2).</param>
    /// <param name="height">H.</param>
    /// <param name="width">W.</param>
    /// <param name="tables">256 float values per channel.</param>
    /// <param name="padValue">Value of the border.</param>
    /// <param name="xpad">Destination of images·C·Hp·Wp floats.</param>
    public static void PadPixels(ReadOnlySpan<byte> pixels, int images, DirectConvShape shape, int height, int width, ReadOnlySpan<float> tables, float padValue, Span<float> xpad)
    {
        int c = shape.InChannels, hp = shape.PaddedH, wp = shape.PaddedW, p = (hp - height) / 2;
        if (pixels.Length < images * c * height * width || tables.Length < 256 * c || xpad.Length < images * c * hp * wp || wp != width + 2 * p)
            throw new ArgumentException($"Padding {images} images of [{c}, {height}, {width}] to [{hp}, {wp}]: a span is too short or the sizes disagree.");
        for (int plane = 0; plane < images * c; plane++)
        {
            var table = tables.Slice(plane % c * 256, 256);
            var src = pixels.Slice(plane * height * width, height * width);
            var dst = xpad.Slice(plane * hp * wp, hp * wp);
            dst[..(p * wp)].Fill(padValue);
            dst[((p + height) * wp)..].Fill(padValue);
            for (int y = 0; y < height; y++)
            {
                var row = dst.Slice((p + y) * wp, wp);
                row[..p].Fill(padValue);
                row[(p + width)..].Fill(padValue);
                var srcRow = src.Slice(y * width, width);
                for (int x = 0; x < width; x++) row[p + x] = table[srcRow[x]];
            }
        }
    }

    private readonly unsafe struct Job(ThresholdConvPath path, ThresholdConvFilters filters, float* xpad, float* weights, ulong* output, float* values)
    {
        private readonly ThresholdConvPath _path = path;
        private readonly ThresholdConvFilters _filters = filters;
        private readonly float* _xpad = xpad, _weights = weights, _values = values; // _values null: signs
        private readonly ulong* _output = output;

        public void Pixels(int t0, int t1)
        {
            var s = _filters.Shape;
            int k = s.K;
            Span<int> offsetSpan = k <= 1024 ? stackalloc int[k] : new int[k];
            for (int c = 0, p = 0; c < s.InChannels; c++)
                for (int ky = 0; ky < s.KernelH; ky++)
                    for (int kx = 0; kx < s.KernelW; kx++) offsetSpan[p++] = (c * s.PaddedH + ky) * s.PaddedW + kx;
            fixed (int* offsets = offsetSpan) Pixels(t0, t1, offsets);
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void Pixels(int t0, int t1, int* offsets)
        {
            var s = _filters.Shape;
            int o = s.OutChannels, outWords = (o + 63) / 64;
            if (_values == null) new Span<ulong>(_output + (nint)t0 * outWords, (t1 - t0) * outWords).Clear();
            // Offset of each output pixel's window inside its image (no division per pixel).
            int perImage = s.OutH * s.OutW;
            Span<int> windowSpan = perImage <= 4096 ? stackalloc int[perImage] : new int[perImage];
            for (int oy = 0, r = 0; oy < s.OutH; oy++)
                for (int ox = 0; ox < s.OutW; ox++) windowSpan[r++] = oy * s.Stride * s.PaddedW + ox * s.Stride;
            fixed (int* windows = windowSpan)
            {
                for (int t = t0; t < t1;)
                {
                    int n = t / perImage, first = n * perImage, end = Math.Min(perImage, t1 - first);
                    Range(_xpad + (nint)n * ImageLength(s), windows, first, t - first, end, offsets);
                    t = first + end;
                }
            }
        }

        /// <summary>Output pixels [r0, r1) of one image (pixel r is output pixel first + r); tiles stay inside the range.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void Range(float* image, int* windows, int first, int r0, int r1, int* offsets)
        {
            var s = _filters.Shape;
            int k = s.K, lanes = _filters.Lanes, o = s.OutChannels, last = r1 - 1;
            if (_path == ThresholdConvPath.Scalar)
            {
                for (int r = r0; r < r1; r++) ScalarPixel(first + r, image + windows[r], offsets);
                return;
            }
            int width = _path == ThresholdConvPath.Vector512 ? 16 : 8;
            for (int r = r0; r < r1; r += 4)
            {
                float* x0 = image + windows[r], x1 = image + windows[Math.Min(r + 1, last)];
                float* x2 = image + windows[Math.Min(r + 2, last)], x3 = image + windows[Math.Min(r + 3, last)];
                int t = first + r, t1 = first + r1;
                for (int lane = 0; lane < o; lane += 2 * width)
                {
                    float* w = _weights + lane;
                    if (_path == ThresholdConvPath.Vector512) Store(Tile512(x0, x1, x2, x3, w, offsets, k, lanes), t, t1, lane);
                    else Store(Tile256(x0, x1, x2, x3, w, offsets, k, lanes), t, t1, lane);
                }
            }
        }

        private void Store((Vector512<float> A0, Vector512<float> B0, Vector512<float> A1, Vector512<float> B1,
            Vector512<float> A2, Vector512<float> B2, Vector512<float> A3, Vector512<float> B3) c, int t, int t1, int lane)
        {
            StoreVector(t, lane, c.A0);
            StoreVector(t, lane + 16, c.B0);
            if (t + 1 < t1) { StoreVector(t + 1, lane, c.A1); StoreVector(t + 1, lane + 16, c.B1); }
            if (t + 2 < t1) { StoreVector(t + 2, lane, c.A2); StoreVector(t + 2, lane + 16, c.B2); }
            if (t + 3 < t1) { StoreVector(t + 3, lane, c.A3); StoreVector(t + 3, lane + 16, c.B3); }
        }

        private void Store((Vector256<float> A0, Vector256<float> B0, Vector256<float> A1, Vector256<float> B1,
            Vector256<float> A2, Vector256<float> B2, Vector256<float> A3, Vector256<float> B3) c, int t, int t1, int lane)
        {
            StoreVector(t, lane, c.A0);
            StoreVector(t, lane + 8, c.B0);
            if (t + 1 < t1) { StoreVector(t + 1, lane, c.A1); StoreVector(t + 1, lane + 8, c.B1); }
            if (t + 2 < t1) { StoreVector(t + 2, lane, c.A2); StoreVector(t + 2, lane + 8, c.B2); }
            if (t + 3 < t1) { StoreVector(t + 3, lane, c.A3); StoreVector(t + 3, lane + 8, c.B3); }
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private void StoreVector(int t, int lane, Vector512<float> y)
        {
            int o = _filters.Shape.OutChannels;
            if (lane >= o) return;
            if (_filters.HasBias) y += Vector512.Load(_filters.BiasPointer + lane);
            if (_values != null)
            {
                if (lane + 16 <= o) y.Store(_values + (nint)t * o + lane);
                else for (int l = 0; lane + l < o; l++) _values[(nint)t * o + lane + l] = y.GetElement(l);
                return;
            }
            var z = (y.AsUInt32() ^ Vector512.Load(_filters.SignPointer + lane)).AsSingle();
            ulong bits = Vector512.GreaterThanOrEqual(z, Vector512.Load(_filters.ThresholdPointer + lane)).ExtractMostSignificantBits();
            _output[(nint)t * ((o + 63) / 64) + (lane >> 6)] |= bits << (lane & 63);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private void StoreVector(int t, int lane, Vector256<float> y)
        {
            int o = _filters.Shape.OutChannels;
            if (lane >= o) return;
            if (_filters.HasBias) y += Vector256.Load(_filters.BiasPointer + lane);
            if (_values != null)
            {
                if (lane + 8 <= o) y.Store(_values + (nint)t * o + lane);
                else for (int l = 0; lane + l < o; l++) _values[(nint)t * o + lane + l] = y.GetElement(l);
                return;
            }
            var z = (y.AsUInt32() ^ Vector256.Load(_filters.SignPointer + lane)).AsSingle();
            ulong bits = Vector256.GreaterThanOrEqual(z, Vector256.Load(_filters.ThresholdPointer + lane)).ExtractMostSignificantBits();
            _output[(nint)t * ((o + 63) / 64) + (lane >> 6)] |= bits << (lane & 63);
        }

        /// <summary>Reference: one output at a time with <see cref="MathF.FusedMultiplyAdd"/>, as DirectConvReference.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void ScalarPixel(int t, float* x, int* offsets)
        {
            var s = _filters.Shape;
            int o = s.OutChannels, lanes = _filters.Lanes;
            for (int f = 0; f < o; f++)
            {
                float acc = 0f;
                for (int p = 0; p < s.K; p++) acc = MathF.FusedMultiplyAdd(_weights[(nint)p * lanes + f], x[offsets[p]], acc);
                if (_filters.HasBias) acc += _filters.BiasPointer[f];
                if (_values != null)
                {
                    _values[(nint)t * o + f] = acc;
                    continue;
                }
                float z = BitConverter.UInt32BitsToSingle(BitConverter.SingleToUInt32Bits(acc) ^ _filters.SignPointer[f]);
                if (z >= _filters.ThresholdPointer[f]) _output[(nint)t * ((o + 63) / 64) + (f >> 6)] |= 1UL << (f & 63);
            }
        }
    }

    /// <summary>4 pixels × 2 vectors of 16 channels: acc = fma(w[p], x_j[offsets[p]], acc) over p in increasing order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe (Vector512<float>, Vector512<float>, Vector512<float>, Vector512<float>, Vector512<float>, Vector512<float>, Vector512<float>, Vector512<float>)
        Tile512(float* x0, float* x1, float* x2, float* x3, float* w, int* offsets, int k, int lanes)
    {
        Vector512<float> a0 = default, b0 = default, a1 = default, b1 = default, a2 = default, b2 = default, a3 = default, b3 = default;
        for (int p = 0; p < k; p++)
        {
            nint off = offsets[p];
            float* wp = w + (nint)p * lanes;
            Vector512<float> wa = Vector512.Load(wp), wb = Vector512.Load(wp + 16);
            Vector512<float> x = Vector512.Create(x0[off]);
            a0 = Vector512.FusedMultiplyAdd(wa, x, a0); b0 = Vector512.FusedMultiplyAdd(wb, x, b0);
            x = Vector512.Create(x1[off]);
            a1 = Vector512.FusedMultiplyAdd(wa, x, a1); b1 = Vector512.FusedMultiplyAdd(wb, x, b1);
            x = Vector512.Create(x2[off]);
            a2 = Vector512.FusedMultiplyAdd(wa, x, a2); b2 = Vector512.FusedMultiplyAdd(wb, x, b2);
            x = Vector512.Create(x3[off]);
            a3 = Vector512.FusedMultiplyAdd(wa, x, a3); b3 = Vector512.FusedMultiplyAdd(wb, x, b3);
        }
        return (a0, b0, a1, b1, a2, b2, a3, b3);
    }

    /// <summary>As <see cref="Tile512"/> with 2 vectors of 8 channels.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe (Vector256<float>, Vector256<float>, Vector256<float>, Vector256<float>, Vector256<float>, Vector256<float>, Vector256<float>, Vector256<float>)
        Tile256(float* x0, float* x1, float* x2, float* x3, float* w, int* offsets, int k, int lanes)
    {
        Vector256<float> a0 = default, b0 = default, a1 = default, b1 = default, a2 = default, b2 = default, a3 = default, b3 = default;
        for (int p = 0; p < k; p++)
        {
            nint off = offsets[p];
            float* wp = w + (nint)p * lanes;
            Vector256<float> wa = Vector256.Load(wp), wb = Vector256.Load(wp + 8);
            Vector256<float> x = Vector256.Create(x0[off]);
            a0 = Vector256.FusedMultiplyAdd(wa, x, a0); b0 = Vector256.FusedMultiplyAdd(wb, x, b0);
            x = Vector256.Create(x1[off]);
            a1 = Vector256.FusedMultiplyAdd(wa, x, a1); b1 = Vector256.FusedMultiplyAdd(wb, x, b1);
            x = Vector256.Create(x2[off]);
            a2 = Vector256.FusedMultiplyAdd(wa, x, a2); b2 = Vector256.FusedMultiplyAdd(wb, x, b2);
            x = Vector256.Create(x3[off]);
            a3 = Vector256.FusedMultiplyAdd(wa, x, a3); b3 = Vector256.FusedMultiplyAdd(wb, x, b3);
        }
        return (a0, b0, a1, b1, a2, b2, a3, b3);
    }
}

/// <summary>Kernel paths of <see cref="ThresholdConv"/>.</summary>
internal enum ThresholdConvPath
{
    /// <summary>One output at a time (reference and fallback).</summary>
    Scalar,

    /// <summary>2 × 8 output channels per tile row.</summary>
    Vector256,

    /// <summary>2 × 16 output channels per tile row.</summary>
    Vector512,
}
