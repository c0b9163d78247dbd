using Lowbit.Kernels.Conv;

namespace Lowbit.Kernels.Tests.Conv;

/// <summary>
/// ThresholdConv: values bit for bit against a plain loop with the documented operation order (one fused multiply-add
/// per p from 0, then the bias) and against <see cref="DirectConv.Forward"/> itself; signs against the reference values
/// compared with the thresholds, on every path and 1–3 threads.
/// </summary>
public class ThresholdConvTests
{
    public static TheoryData<int, int, int, int, int, int, int, bool> Shapes => new()
    {
        // c, h, w, o, k, padding, stride, bias
        { 1, 5, 6, 1, 3, 1, 1, false },
        { 3, 8, 8, 32, 3, 1, 1, false },  // VGG first layer shape, smaller
        { 3, 7, 9, 17, 3, 1, 2, true },   // stride 2, odd sizes, channels past one vector
        { 2, 6, 5, 40, 3, 0, 1, true },   // no padding, more than 32 channels
        { 4, 5, 5, 70, 1, 0, 1, false },  // 1x1 kernel, two output words
        { 3, 9, 8, 9, 5, 2, 2, true },
        { 5, 5, 7, 24, 3, 1, 1, true },   // 3x3 on 32 lanes with 5 input channels, 35 pixels (part-filled tiles)
        { 3, 6, 7, 64, 3, 1, 1, false },  // 3x3 on 64 lanes
        { 3, 5, 6, 100, 3, 1, 2, true },  // 3x3 on 128 lanes, stride 2, the last group of 32 part-filled
        { 3, 4, 5, 70, 3, 1, 1, true },   // 3x3 on 96 lanes
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void ValuesAndSigns_EveryPathAndThreadCount_MatchReference(int c, int h, int w, int o, int k, int padding, int stride, bool bias)
    {
        const int images = 3;
        int seed = c * 1000 + o * 10 + k + stride;
        var rng = new Random(seed);
        var shape = new DirectConvShape(1, c, h + 2 * padding, w + 2 * padding, o, k, k, stride);
        var xpad = RandomFloats(rng, images * ThresholdConv.ImageLength(shape));
        var weights = RandomFloats(rng, o * shape.K);
        var b = bias ? RandomFloats(rng, o) : null;
        var negated = Enumerable.Range(0, o).Select(_ => rng.Next(2) == 0).ToArray();
        var expected = ReferenceValues(xpad, weights, b, shape, images);
        int pixels = images * shape.OutH * shape.OutW, words = (o + 63) / 64;
        // Thresholds at actual values of the channel, so that ties (z = τ, which must give +1) occur.
        var thresholds = new float[o];
        for (int f = 0; f < o; f++)
        {
            float y = expected[rng.Next(pixels) * o + f];
            thresholds[f] = f == 0 ? float.NegativeInfinity : f == 1 ? float.PositiveInfinity : negated[f] ? -y : y;
        }
        var expectedBits = new ulong[pixels * words];
        for (int t = 0; t < pixels; t++)
            for (int f = 0; f < o; f++)
            {
                float z = negated[f] ? -expected[t * o + f] : expected[t * o + f];
                if (z >= thresholds[f]) expectedBits[t * words + (f >> 6)] |= 1UL << (f & 63);
            }
        var filters = ThresholdConvFilters.Pack(weights, b, negated, thresholds, shape);
        foreach (var path in Enum.GetValues<ThresholdConvPath>())
            for (int threads = 1; threads <= 3; threads++)
            {
                string context = $"{path} threads={threads} seed={seed}";
                long minWork = threads == 1 ? ThresholdConv.MinWorkPerPart : 1; // several threads: split even these small maps
                var values = new float[pixels * o];
                ThresholdConv.Run(path, xpad, images, filters, default, values, threads, minWork);
                for (int i = 0; i < values.Length; i++)
                    Assert.True(BitConverter.SingleToInt32Bits(expected[i]) == BitConverter.SingleToInt32Bits(values[i]),
                        $"{context} value [{i}]: expected {expected[i]:R}, actual {values[i]:R}");
                var bits = new ulong[pixels * words];
                Array.Fill(bits, ulong.MaxValue);
                ThresholdConv.Run(path, xpad, images, filters, bits, default, threads, minWork);
                for (int i = 0; i < bits.Length; i++) Assert.True(expectedBits[i] == bits[i], $"{context} word {i}: expected {expectedBits[i]:X16}, actual {bits[i]:X16}");
            }
    }

    [Theory]
    [InlineData(3, 8, 16, 32, true)]
    [InlineData(5, 6, 8, 13, false)]
    public void Values_EqualDirectConvForward(int c, int h, int w, int o, bool bias)
    {
        const int images = 2;
        var rng = new Random(c + o);
        var shape = new DirectConvShape(images, c, h + 2, w + 2, o, 3, 3);
        var xpad = RandomFloats(rng, images * shape.ImageLength);
        var weights = RandomFloats(rng, o * shape.K);
        var b = bias ? RandomFloats(rng, o) : null;
        var packed = new float[DirectConv.PackedLength(o, shape.K)];
        DirectConv.PackFilters(weights, o, c, 3, 3, false, packed);
        var y = new float[images * o * h * w]; // [n, O, OH, OW]
        DirectConv.Forward(xpad, packed, DirectConv.Offsets(shape), shape, y, 0, images, b);
        var filters = ThresholdConvFilters.Pack(weights, b, new bool[o], new float[o], shape);
        var values = new float[images * h * w * o]; // [n, OH, OW, O]
        ThresholdConv.Values(xpad, images, filters, values);
        for (int n = 0; n < images; n++)
            for (int f = 0; f < o; f++)
                for (int p = 0; p < h * w; p++)
                    Assert.Equal(BitConverter.SingleToInt32Bits(y[(n * o + f) * h * w + p]), BitConverter.SingleToInt32Bits(values[(n * h * w + p) * o + f]));
    }

    [Fact]
    public void PadPixels_MapsThroughTablesAndFillsTheBorder()
    {
        var shape = new DirectConvShape(1, 2, 5, 6, 1, 3, 3);
        byte[] pixels = Enumerable.Range(1, 24).Select(i => (byte)(i * 7)).ToArray();
        var tables = new float[512];
        for (int i = 0; i < 512; i++) tables[i] = i * 0.5f;
        var xpad = new float[ThresholdConv.ImageLength(shape)];
        ThresholdConv.PadPixels(pixels, 1, shape, 3, 4, tables, -3f, xpad);
        for (int ch = 0; ch < 2; ch++)
            for (int y = 0; y < 5; y++)
                for (int x = 0; x < 6; x++)
                {
                    bool inside = y >= 1 && y <= 3 && x >= 1 && x <= 4;
                    float expected = inside ? tables[ch * 256 + pixels[ch * 12 + (y - 1) * 4 + x - 1]] : -3f;
                    Assert.Equal(expected, xpad[(ch * 5 + y) * 6 + x]);
                }
    }

    [Theory]
    [InlineData(3, 4)]
    [InlineData(2, 21)] // two 8-pixel gathers and 5 one by one per row
    [InlineData(1, 32)]
    public void MapPixels_WritesTheInsideOnly(int height, int width)
    {
        const int p = 2;
        int hp = height + 2 * p, wp = width + 2 * p;
        var shape = new DirectConvShape(1, 2, hp, wp, 1, 5, 5);
        byte[] pixels = Enumerable.Range(0, 2 * 2 * height * width).Select(i => (byte)(i * 11 + 3)).ToArray(); // 2 images
        var tables = new float[512];
        for (int i = 0; i < 512; i++) tables[i] = i * 0.25f - 7f;
        var xpad = new float[2 * ThresholdConv.ImageLength(shape)];
        Array.Fill(xpad, float.NaN);
        ThresholdConv.MapPixels(pixels, 2, shape, height, width, tables, xpad);
        for (int n = 0; n < 2; n++)
            for (int ch = 0; ch < 2; ch++)
                for (int y = 0; y < hp; y++)
                    for (int x = 0; x < wp; x++)
                    {
                        bool inside = y >= p && y < p + height && x >= p && x < p + width;
                        float actual = xpad[((n * 2 + ch) * hp + y) * wp + x];
                        if (inside) Assert.Equal(tables[ch * 256 + pixels[((n * 2 + ch) * height + y - p) * width + x - p]], actual);
                        else Assert.True(float.IsNaN(actual), $"border ({n}, {ch}, {y}, {x}) was written: {actual}");
                    }
        ThresholdConv.FillBorder(2, shape, height, width, -3f, xpad);
        var expected = new float[xpad.Length];
        ThresholdConv.PadPixels(pixels, 2, shape, height, width, tables, -3f, expected);
        Assert.Equal(expected, xpad);
        Assert.Throws<ArgumentException>(() => ThresholdConv.MapPixels(pixels, 2, shape, height, width, tables, new float[xpad.Length - 1]));
        Assert.Throws<ArgumentException>(() => ThresholdConv.MapPixels(pixels.AsSpan(1), 2, shape, height, width, tables, xpad));
    }

    [Fact]
    public void BadArguments_Throw()
    {
        var shape = new DirectConvShape(1, 2, 6, 6, 3, 3, 3);
        Assert.Throws<ArgumentException>(() => ThresholdConvFilters.Pack(new float[10], default, new bool[3], new float[3], shape));
        Assert.Throws<ArgumentException>(() => ThresholdConvFilters.Pack(new float[54], new float[2], new bool[3], new float[3], shape));
        var filters = ThresholdConvFilters.Pack(new float[54], default, new bool[3], new float[3], shape);
        Assert.Throws<ArgumentException>(() => ThresholdConv.Signs(new float[ThresholdConv.ImageLength(shape) - 1], 1, filters, new ulong[16]));
        Assert.Throws<ArgumentException>(() => ThresholdConv.Signs(new float[ThresholdConv.ImageLength(shape)], 1, filters, new ulong[15]));
    }

    private static float[] RandomFloats(Random rng, int length) =>
        Enumerable.Range(0, length).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();

    /// <summary>y[(n, oy, ox), o] with one MathF.FusedMultiplyAdd per p = (c·k + ky)·k + kx in increasing order from 0, then + bias.</summary>
    private static float[] ReferenceValues(float[] xpad, float[] w, float[]? bias, DirectConvShape s, int images)
    {
        int oh = s.OutH, ow = s.OutW, k = s.KernelH;
        var y = new float[images * oh * ow * s.OutChannels];
        for (int n = 0; n < images; n++)
            for (int oy = 0; oy < oh; oy++)
                for (int ox = 0; ox < ow; ox++)
                    for (int o = 0; o < s.OutChannels; o++)
                    {
                        float acc = 0f;
                        for (int c = 0; c < s.InChannels; c++)
                            for (int ky = 0; ky < k; ky++)
                                for (int kx = 0; kx < k; kx++)
                                {
                                    float x = xpad[((n * s.InChannels + c) * s.PaddedH + oy * s.Stride + ky) * s.PaddedW + ox * s.Stride + kx];
                                    acc = MathF.FusedMultiplyAdd(w[((o * s.InChannels + c) * k + ky) * k + kx], x, acc);
                                }
                        y[((n * oh + oy) * ow + ox) * s.OutChannels + o] = bias is null ? acc : acc + bias[o];
                    }
        return y;
    }
}
