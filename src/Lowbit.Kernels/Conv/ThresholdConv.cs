using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Lowbit.Kernels.Bits;

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
/// <c>[images, OH, OW, WordsPerRow(O)]</c> (channel-packed pixels, as <c>BitLayout</c>). A tile is 6 (512-bit) or 4 pixels × 2
/// vectors of output channels, 12 or 8 independent accumulator chains; values do not depend on the tile, path or thread split.
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

    internal static unsafe void Run(ThresholdConvPath path, ReadOnlySpan<float> xpad, int images, ThresholdConvFilters filters,
        Span<ulong> output, Span<float> values, int threads, long minWorkPerPart = MinWorkPerPart)
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
            long work = pixels * s.K * (filters.Lanes >> 4);
            int parts = (int)Math.Min(threads, Math.Max(1, work / Math.Max(1, minWorkPerPart)));
            if (parts <= 1) job.Pixels(0, (int)pixels);
            else RowPartition.Run((int)pixels, parts, 1, job.Pixels);
        }
    }

    /// <summary>
    /// Least work, in 16-lane multiply-adds (about 0.4 ns each on the 512-bit path), worth a thread of its own: about
    /// 25 µs, as <c>XnorConv.MinWorkPerPart</c> (a VGG-small first layer at batch 1 stays on one thread).
    /// </summary>
    internal const long MinWorkPerPart = 1L << 16;

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
    /// <exception cref="ArgumentException">A span is too short or the sizes disagree.</exception>
    public static void PadPixels(ReadOnlySpan<byte> pixels, int images, DirectConvShape shape, int height, int width, ReadOnlySpan<float> tables, float padValue, Span<float> xpad)
    {
        FillBorder(images, shape, height, width, padValue, xpad);
        MapPixels(pixels, images, shape, height, width, tables, xpad);
    }

    /// <summary>
    /// The border of the padded map (what <see cref="MapPixels"/> leaves alone): a caller that keeps its padded buffer
    /// fills it once and then only maps each batch's pixels.
    /// </summary>
    /// <param name="images">Images.</param>
    /// <param name="shape">Shape (C, Hp, Wp; padding p = (Hp − H)/2).</param>
    /// <param name="height">H.</param>
    /// <param name="width">W.</param>
    /// <param name="padValue">Value of the border.</param>
    /// <param name="xpad">Destination of images·C·Hp·Wp floats.</param>
    /// <exception cref="ArgumentException">A span is too short or the sizes disagree.</exception>
    public static void FillBorder(int images, DirectConvShape shape, int height, int width, float padValue, Span<float> xpad)
    {
        int c = shape.InChannels, hp = shape.PaddedH, wp = shape.PaddedW, p = (hp - height) / 2;
        if (xpad.Length < (long)images * c * hp * wp || wp != width + 2 * p)
        {
            throw new ArgumentException(
                $"Padding {images} images of [{c}, {height}, {width}] to [{hp}, {wp}]: the destination is too short or the sizes disagree.");
        }
        for (int plane = 0; plane < images * c; plane++)
        {
            var dst = xpad.Slice(plane * hp * wp, hp * wp);
            dst[..(p * wp)].Fill(padValue);
            dst[((p + height) * wp)..].Fill(padValue);
            for (int y = 0; y < height; y++)
            {
                var row = dst.Slice((p + y) * wp, wp);
                row[..p].Fill(padValue);
                row[(p + width)..].Fill(padValue);
            }
        }
    }

    /// <summary>
    /// The inside of the padded map: xpad[n, c, p + y, p + x] = tables[c·256 + pixels[n, c, y, x]]; the border is not
    /// written. Table entries are gathered 8 at a time (AVX2), the rest of a row one by one.
    /// </summary>
    /// <param name="pixels">Bytes <c>[images, C, H, W]</c>.</param>
    /// <param name="images">Images.</param>
    /// <param name="shape">Shape (C, Hp, Wp; padding p = (Hp − H)/2).</param>
    /// <param name="height">H.</param>
    /// <param name="width">W.</param>
    /// <param name="tables">256 float values per channel.</param>
    /// <param name="xpad">Destination of images·C·Hp·Wp floats.</param>
    /// <exception cref="ArgumentException">A span is too short or the sizes disagree.</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe void MapPixels(ReadOnlySpan<byte> pixels, int images, DirectConvShape shape, int height, int width,
        ReadOnlySpan<float> tables, Span<float> xpad)
    {
        int c = shape.InChannels, hp = shape.PaddedH, wp = shape.PaddedW, p = (hp - height) / 2;
        if (pixels.Length < (long)images * c * height * width || tables.Length < 256 * c || xpad.Length < (long)images * c * hp * wp
            || wp != width + 2 * p || hp != height + 2 * p)
        {
            throw new ArgumentException(
                $"Padding {images} images of [{c}, {height}, {width}] to [{hp}, {wp}]: a span is too short or the sizes disagree.");
        }
        fixed (byte* ps = pixels)
        fixed (float* pt = tables, pd = xpad)
        {
            for (int plane = 0; plane < images * c; plane++)
            {
                float* table = pt + plane % c * 256;
                byte* src = ps + (nint)plane * height * width;
                float* dst = pd + (nint)plane * hp * wp + p * wp + p;
                for (int y = 0; y < height; y++, src += width, dst += wp)
                {
                    int x = 0;
                    if (Avx2.IsSupported)
                    {
                        // 8 bytes widened to indices, 8 table entries gathered per instruction (.NET 10 has no 512-bit gather).
                        for (; x + 8 <= width; x += 8)
                        {
                            var indices = Avx2.ConvertToVector256Int32(Vector128.CreateScalarUnsafe(*(ulong*)(src + x)).AsByte());
                            Avx2.GatherVector256(table, indices, 4).Store(dst + x);
                        }
                    }
                    for (; x < width; x++) dst[x] = table[src[x]];
                }
            }
        }
    }

    private readonly unsafe partial struct Job(ThresholdConvPath path, ThresholdConvFilters filters, float* xpad, float* weights, ulong* output, float* values)
    {
        private readonly ThresholdConvPath _path = path;
        private readonly ThresholdConvFilters _filters = filters;
        private readonly float* _xpad = xpad, _weights = weights, _values = values; // _values null: signs
        private readonly ulong* _output = output;

        public void Pixels(int t0, int t1)
        {
            fixed (int* offsets = _filters.Offsets, windows = _filters.Windows) Pixels(t0, t1, offsets, windows);
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void Pixels(int t0, int t1, int* offsets, int* windows)
        {
            var s = _filters.Shape;
            int o = s.OutChannels, outWords = (o + 63) / 64;
            if (_values == null) new Span<ulong>(_output + (nint)t0 * outWords, (t1 - t0) * outWords).Clear();
            int perImage = s.OutH * s.OutW;
            for (int t = t0; t < t1;)
            {
                int n = t / perImage, first = n * perImage, end = Math.Min(perImage, t1 - first);
                Range(_xpad + (nint)n * ImageLength(s), windows, first, t - first, end, offsets);
                t = first + end;
            }
        }

        /// <summary>Output pixels [r0, r1) of one image (pixel r is output pixel first + r); tiles stay inside the range.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void Range(float* image, int* windows, int first, int r0, int r1, int* offsets)
        {
            if (_path == ThresholdConvPath.Scalar)
            {
                for (int r = r0; r < r1; r++) ScalarPixel(first + r, image + windows[r], offsets);
                return;
            }
            if (_path == ThresholdConvPath.Vector512 && TakesRows3(_filters)) Range512Rows3(image, windows, first, r0, r1);
            else if (_path == ThresholdConvPath.Vector512) Range512(image, windows, first, r0, r1, offsets);
            else Range256(image, windows, first, r0, r1, offsets);
        }

        /// <summary>
        /// Tiles of 6 pixels × 2 vectors of 16 channels, the accumulators kept in registers from the first multiply-add to
        /// the threshold (one method: a tile returned as a value went through memory and a by-value copy per tile). Twelve
        /// independent chains keep both FMA ports busy across the 4-cycle FMA latency (8 left no slack).
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void Range512(float* image, int* windows, int first, int r0, int r1, int* offsets)
        {
            var s = _filters.Shape;
            int k = s.K, lanes = _filters.Lanes, o = s.OutChannels, last = r1 - 1;
            for (int lane = 0; lane < o; lane += 32)
            {
                float* w = _weights + lane;
                var e = new Epilogue512(_filters, lane);
                for (int r = r0; r < r1; r += 6)
                {
                    float* x0 = image + windows[r], x1 = image + windows[Math.Min(r + 1, last)];
                    float* x2 = image + windows[Math.Min(r + 2, last)], x3 = image + windows[Math.Min(r + 3, last)];
                    float* x4 = image + windows[Math.Min(r + 4, last)], x5 = image + windows[Math.Min(r + 5, last)];
                    Vector512<float> a0 = default, b0 = default, a1 = default, b1 = default, a2 = default, b2 = default;
                    Vector512<float> a3 = default, b3 = default, a4 = default, b4 = default, a5 = default, b5 = default;
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
                        x = Vector512.Create(x4[off]);
                        a4 = Vector512.FusedMultiplyAdd(wa, x, a4); b4 = Vector512.FusedMultiplyAdd(wb, x, b4);
                        x = Vector512.Create(x5[off]);
                        a5 = Vector512.FusedMultiplyAdd(wa, x, a5); b5 = Vector512.FusedMultiplyAdd(wb, x, b5);
                    }
                    int t = first + r;
                    Emit(t, lane, a0, b0, e);
                    if (r + 1 < r1) Emit(t + 1, lane, a1, b1, e);
                    if (r + 2 < r1) Emit(t + 2, lane, a2, b2, e);
                    if (r + 3 < r1) Emit(t + 3, lane, a3, b3, e);
                    if (r + 4 < r1) Emit(t + 4, lane, a4, b4, e);
                    if (r + 5 < r1) Emit(t + 5, lane, a5, b5, e);
                }
            }
        }

        /// <summary>As <see cref="Range512"/> with 2 vectors of 8 channels per tile row.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void Range256(float* image, int* windows, int first, int r0, int r1, int* offsets)
        {
            var s = _filters.Shape;
            int k = s.K, lanes = _filters.Lanes, o = s.OutChannels, last = r1 - 1;
            for (int lane = 0; lane < o; lane += 16)
            {
                float* w = _weights + lane;
                var e = new Epilogue256(_filters, lane);
                for (int r = r0; r < r1; r += 4)
                {
                    float* x0 = image + windows[r], x1 = image + windows[Math.Min(r + 1, last)];
                    float* x2 = image + windows[Math.Min(r + 2, last)], x3 = image + windows[Math.Min(r + 3, last)];
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
                    int t = first + r;
                    Emit(t, lane, a0, b0, e);
                    if (r + 1 < r1) Emit(t + 1, lane, a1, b1, e);
                    if (r + 2 < r1) Emit(t + 2, lane, a2, b2, e);
                    if (r + 3 < r1) Emit(t + 3, lane, a3, b3, e);
                }
            }
        }

        /// <summary>Channels [lane, lane + 32) of pixel t: bias, then the values or the thresholded signs.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private void Emit(int t, int lane, Vector512<float> a, Vector512<float> b, in Epilogue512 e)
        {
            if (e.HasBias)
            {
                a += e.BiasA;
                b += e.BiasB;
            }
            int o = e.OutChannels;
            if (_values != null)
            {
                StoreValues(t, lane, a, o);
                StoreValues(t, lane + 16, b, o);
                return;
            }
            ulong bits = Vector512.GreaterThanOrEqual((a.AsUInt32() ^ e.SignA).AsSingle(), e.ThresholdA).ExtractMostSignificantBits()
                | (Vector512.GreaterThanOrEqual((b.AsUInt32() ^ e.SignB).AsSingle(), e.ThresholdB).ExtractMostSignificantBits() << 16);
            _output[(nint)t * ((o + 63) >> 6) + (lane >> 6)] |= bits << (lane & 63);
        }

        /// <summary>Channels [lane, lane + 16) of pixel t, as <see cref="Emit(int, int, Vector512{float}, Vector512{float}, in Epilogue512)"/>.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private void Emit(int t, int lane, Vector256<float> a, Vector256<float> b, in Epilogue256 e)
        {
            if (e.HasBias)
            {
                a += e.BiasA;
                b += e.BiasB;
            }
            int o = e.OutChannels;
            if (_values != null)
            {
                StoreValues(t, lane, a.ToVector512(), o, 8);
                StoreValues(t, lane + 8, b.ToVector512(), o, 8);
                return;
            }
            ulong bits = Vector256.GreaterThanOrEqual((a.AsUInt32() ^ e.SignA).AsSingle(), e.ThresholdA).ExtractMostSignificantBits()
                | (Vector256.GreaterThanOrEqual((b.AsUInt32() ^ e.SignB).AsSingle(), e.ThresholdB).ExtractMostSignificantBits() << 8);
            _output[(nint)t * ((o + 63) >> 6) + (lane >> 6)] |= bits << (lane & 63);
        }

        /// <summary>The first <paramref name="width"/> lanes of <paramref name="y"/> as channels [lane, ...) of pixel t, none past O.</summary>
        private void StoreValues(int t, int lane, Vector512<float> y, int o, int width = 16)
        {
            for (int l = 0; l < width && lane + l < o; l++) _values[(nint)t * o + lane + l] = y.GetElement(l);
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
}

/// <summary>Bias, sign masks and thresholds of 2 × 16 output channels from <c>lane</c> on, loaded once per lane group.</summary>
internal readonly unsafe struct Epilogue512
{
    public readonly Vector512<float> BiasA, BiasB, ThresholdA, ThresholdB;
    public readonly Vector512<uint> SignA, SignB;
    public readonly bool HasBias;
    public readonly int OutChannels;

    public Epilogue512(ThresholdConvFilters filters, int lane)
    {
        HasBias = filters.HasBias;
        OutChannels = filters.Shape.OutChannels;
        BiasA = Vector512.Load(filters.BiasPointer + lane);
        BiasB = Vector512.Load(filters.BiasPointer + lane + 16);
        SignA = Vector512.Load(filters.SignPointer + lane);
        SignB = Vector512.Load(filters.SignPointer + lane + 16);
        ThresholdA = Vector512.Load(filters.ThresholdPointer + lane);
        ThresholdB = Vector512.Load(filters.ThresholdPointer + lane + 16);
    }
}

/// <summary>As <see cref="Epilogue512"/> for 2 × 8 channels.</summary>
internal readonly unsafe struct Epilogue256
{
    public readonly Vector256<float> BiasA, BiasB, ThresholdA, ThresholdB;
    public readonly Vector256<uint> SignA, SignB;
    public readonly bool HasBias;
    public readonly int OutChannels;

    public Epilogue256(ThresholdConvFilters filters, int lane)
    {
        HasBias = filters.HasBias;
        OutChannels = filters.Shape.OutChannels;
        BiasA = Vector256.Load(filters.BiasPointer + lane);
        BiasB = Vector256.Load(filters.BiasPointer + lane + 8);
        SignA = Vector256.Load(filters.SignPointer + lane);
        SignB = Vector256.Load(filters.SignPointer + lane + 8);
        ThresholdA = Vector256.Load(filters.ThresholdPointer + lane);
        ThresholdB = Vector256.Load(filters.ThresholdPointer + lane + 8);
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
