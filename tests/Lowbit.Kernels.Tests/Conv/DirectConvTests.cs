using Lowbit.Kernels.Conv;

namespace Lowbit.Kernels.Tests.Conv;

/// <summary>
/// DirectConv: the Vector256 paths bit for bit against the scalar reference, and both against a plain convolution
/// computed in double precision (an independent oracle), at shapes with panel and tile tails.
/// </summary>
public class DirectConvTests
{
    private static float[] Random(int seed, int length)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, length).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
    }

    private static void AssertBitwise(float[] expected, float[] actual, string what)
    {
        for (int i = 0; i < expected.Length; i++)
            Assert.True(BitConverter.SingleToInt32Bits(expected[i]) == BitConverter.SingleToInt32Bits(actual[i]),
                $"{what}[{i}]: expected {expected[i]:R}, actual {actual[i]:R}");
    }

    private static void AssertClose(double[] expected, float[] actual, double tolerance, string what)
    {
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tolerance * (1 + Math.Abs(expected[i])),
                $"{what}[{i}]: expected {expected[i]:R}, actual {actual[i]:R}, tolerance {tolerance}");
    }

    /// <summary>Plain cross-correlation in double: y[n, o, oy, ox] = Σ w[o, c, ky, kx]·x[n, c, oy + ky − p, ox + kx − p], zero outside.</summary>
    private static double[] ConvDouble(float[] x, float[] w, int n, int c, int h, int wd, int o, int k, int p, int stride)
    {
        int oh = (h + 2 * p - k) / stride + 1, ow = (wd + 2 * p - k) / stride + 1;
        var y = new double[n * o * oh * ow];
        for (int b = 0; b < n; b++)
            for (int oc = 0; oc < o; oc++)
                for (int oy = 0; oy < oh; oy++)
                    for (int ox = 0; ox < ow; ox++)
                    {
                        double s = 0;
                        for (int ic = 0; ic < c; ic++)
                            for (int ky = 0; ky < k; ky++)
                                for (int kx = 0; kx < k; kx++)
                                {
                                    int iy = oy * stride + ky - p, ix = ox * stride + kx - p;
                                    if (iy < 0 || iy >= h || ix < 0 || ix >= wd) continue;
                                    s += (double)w[((oc * c + ic) * k + ky) * k + kx] * x[((b * c + ic) * h + iy) * wd + ix];
                                }
                        y[((b * o + oc) * oh + oy) * ow + ox] = s;
                    }
        return y;
    }

    public static TheoryData<int, int, int, int, int, int, int, int> Shapes => new()
    {
        // n, c, h, w, o, k, padding, stride
        { 1, 1, 8, 8, 1, 3, 1, 1 },      // one group, one row of a panel
        { 2, 3, 8, 16, 5, 3, 1, 1 },     // panel tail (5 = 4 + 1), 4 groups per image (tile tail across images)
        { 3, 2, 6, 24, 8, 3, 1, 1 },     // 3 groups per row
        { 2, 5, 10, 10, 7, 3, 0, 1 },    // no padding: OW = 8
        { 2, 9, 8, 8, 6, 1, 0, 1 },      // 1×1, K = 9 = 3 taps × 3
        { 1, 4, 4, 8, 4, 1, 0, 1 },      // 1×1, K = 4 (tap tail)
        { 2, 3, 9, 16, 9, 5, 2, 1 },     // 5×5 with padding 2
        { 9, 2, 8, 8, 4, 3, 1, 1 },      // more images than one weight-gradient block (8 at 8×8)
        { 3, 3, 16, 16, 5, 3, 1, 2 },    // stride 2 (ResNet downsampling): 8×8 output from 4 phase planes of 9×9
        { 2, 4, 15, 16, 4, 3, 1, 2 },    // stride 2, odd height (a phase cell past the padded size)
        { 2, 6, 16, 16, 8, 1, 0, 2 },    // 1×1 stride 2 shortcut
        { 2, 2, 24, 24, 4, 3, 1, 3 },    // stride 3
        { 1, 3, 32, 32, 16, 3, 1, 1 },   // batch 1, OW = 32: Vector512 pairs are whole vectors
        { 2, 16, 7, 16, 12, 3, 1, 1 },   // odd height, 3 panels (the Vector512 tile's second panel missing at the end)
        { 3, 7, 9, 24, 9, 3, 1, 1 },     // 3 groups per row: pairs straddle rows; 9 = 2 panels + 1 row
        { 2, 5, 32, 32, 6, 3, 1, 2 },    // stride 2, OW = 16
        { 1, 6, 16, 16, 8, 3, 1, 2 },    // stride 2, batch 1, OW = 8: every pair split
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Forward_VectorMatchesReferenceAndDoubleOracle(int n, int c, int h, int w, int o, int k, int padding, int stride)
    {
        int hp = h + 2 * padding, wp = w + 2 * padding;
        var shape = new DirectConvShape(n, c, hp, wp, o, k, k, stride);
        Assert.True(DirectConv.Supports(stride, shape.OutW));
        var x = Random(1, n * c * h * w);
        var filters = Random(2, o * c * k * k);
        var xpad = new float[n * shape.ImageLength];
        DirectConv.Pad(x, xpad, shape, h, w, padding, 0f, 0, n);
        var packed = new float[DirectConv.PackedLength(o, shape.K)];
        DirectConv.PackFilters(filters, o, c, k, k, false, packed);
        var offsets = DirectConv.Offsets(shape);
        var reference = new float[n * o * shape.OutH * shape.OutW];
        DirectConvReference.Forward(xpad, packed, offsets, shape, reference, 0, n);
        var vector = new float[reference.Length];
        DirectConv.ForwardVector256(xpad, packed, offsets, shape, vector, 0, n);
        AssertBitwise(reference, vector, "y");
        var wide = new float[reference.Length];
        DirectConv.ForwardVector512(xpad, packed, offsets, shape, wide, 0, n);
        AssertBitwise(reference, wide, "y (Vector512)");
        // Any split of the images gives the same values.
        var split = new float[reference.Length];
        for (int i = 0; i < n; i++) DirectConv.Forward(xpad, packed, offsets, shape, split, i, i + 1);
        AssertBitwise(reference, split, "y (image by image)");
        AssertClose(ConvDouble(x, filters, n, c, h, w, o, k, padding, stride), reference, 1e-5, "y vs double");

        // Bias: added after the sum (one rounding), the same on both paths.
        var bias = Random(7, o);
        DirectConvReference.Forward(xpad, packed, offsets, shape, reference, 0, n, bias);
        DirectConv.ForwardVector256(xpad, packed, offsets, shape, vector, 0, n, bias);
        AssertBitwise(reference, vector, "y + bias");
        DirectConv.ForwardVector512(xpad, packed, offsets, shape, wide, 0, n, bias);
        AssertBitwise(reference, wide, "y + bias (Vector512)");
        for (int i = 0; i < reference.Length; i++)
            Assert.Equal(split[i] + bias[i / (shape.OutH * shape.OutW) % o], reference[i]);
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void WeightGradient_VectorMatchesReferenceAndDoubleOracle(int n, int c, int h, int w, int o, int k, int padding, int stride)
    {
        int hp = h + 2 * padding, wp = w + 2 * padding;
        var shape = new DirectConvShape(n, c, hp, wp, o, k, k, stride);
        Assert.True(DirectConv.Supports(stride, shape.OutW));
        var x = Random(3, n * c * h * w);
        var g = Random(4, n * o * shape.OutH * shape.OutW);
        var xpad = new float[n * shape.ImageLength];
        DirectConv.Pad(x, xpad, shape, h, w, padding, 0f, 0, n);
        var offsets = DirectConv.Offsets(shape);
        int panels = (o + 3) / 4;
        var reference = new float[o * shape.K];
        DirectConvReference.WeightGradient(xpad, g, offsets, shape, reference, 0, panels);
        var vector = Enumerable.Repeat(float.NaN, reference.Length).ToArray(); // overwritten, never read
        DirectConv.WeightGradientVector256(xpad, g, offsets, shape, vector, 0, panels);
        AssertBitwise(reference, vector, "dw");
        var wide = Enumerable.Repeat(float.NaN, reference.Length).ToArray();
        DirectConv.WeightGradientVector512(xpad, g, offsets, shape, wide, 0, panels);
        AssertBitwise(reference, wide, "dw (Vector512)");
        // An odd panel range (a Vector512 tile of 4 rows) leaves the other rows alone.
        var part = Enumerable.Repeat(7f, reference.Length).ToArray();
        DirectConv.WeightGradientVector512(xpad, g, offsets, shape, part, panels / 2, panels);
        for (int i = 0; i < part.Length; i++)
            Assert.Equal(i < panels / 2 * 4 * shape.K ? 7f : reference[i], part[i]);
        var split = new float[reference.Length];
        for (int p = 0; p < panels; p++) DirectConv.WeightGradient(xpad, g, offsets, shape, split, p, p + 1);
        AssertBitwise(reference, split, "dw (panel by panel)");

        // Oracle: dw[o, c, ky, kx] = Σ g[n, o, oy, ox]·x[n, c, oy + ky − p, ox + kx − p].
        var expected = new double[reference.Length];
        int oh = shape.OutH, ow = shape.OutW;
        for (int b = 0; b < n; b++)
            for (int oc = 0; oc < o; oc++)
                for (int ic = 0; ic < c; ic++)
                    for (int ky = 0; ky < k; ky++)
                        for (int kx = 0; kx < k; kx++)
                            for (int oy = 0; oy < oh; oy++)
                                for (int ox = 0; ox < ow; ox++)
                                {
                                    int iy = oy * stride + ky - padding, ix = ox * stride + kx - padding;
                                    if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
                                    expected[((oc * c + ic) * k + ky) * k + kx] += (double)g[((b * o + oc) * oh + oy) * ow + ox] * x[((b * c + ic) * h + iy) * w + ix];
                                }
        AssertClose(expected, reference, 1e-5, "dw vs double");
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void InputGradient_TransposedFlippedFiltersOnPaddedGradient_MatchesDoubleOracle(int n, int c, int h, int w, int o, int k, int padding, int stride)
    {
        int oh = h + 2 * padding - k + 1, ow = w + 2 * padding - k + 1, tp = k - 1 - padding;
        if (stride != 1 || tp < 0 || !DirectConv.Supports(1, w)) return; // the input gradient is direct at stride 1 only
        var filters = Random(5, o * c * k * k);
        var g = Random(6, n * o * oh * ow);
        var shape = new DirectConvShape(n, o, oh + 2 * tp, ow + 2 * tp, c, k, k);
        var gpad = new float[n * shape.ImageLength];
        DirectConv.Pad(g, gpad, shape, oh, ow, tp, 0f, 0, n);
        var packed = new float[DirectConv.PackedLength(c, shape.K)];
        DirectConv.PackFilters(filters, o, c, k, k, true, packed);
        var dx = new float[n * c * h * w];
        DirectConv.ForwardVector256(gpad, packed, DirectConv.Offsets(shape), shape, dx, 0, n);

        var expected = new double[dx.Length];
        for (int b = 0; b < n; b++)
            for (int oc = 0; oc < o; oc++)
                for (int ic = 0; ic < c; ic++)
                    for (int ky = 0; ky < k; ky++)
                        for (int kx = 0; kx < k; kx++)
                            for (int oy = 0; oy < oh; oy++)
                                for (int ox = 0; ox < ow; ox++)
                                {
                                    int iy = oy + ky - padding, ix = ox + kx - padding;
                                    if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
                                    expected[((b * c + ic) * h + iy) * w + ix] += (double)g[((b * o + oc) * oh + oy) * ow + ox] * filters[((oc * c + ic) * k + ky) * k + kx];
                                }
        AssertClose(expected, dx, 1e-5, "dx vs double");
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 1)]
    [InlineData(3, 2)]
    public void Forward_PadValueAndThreadSplits_EveryPathMatchesReference(int threads, int stride)
    {
        // Binary-style input with pad value −1, images split into `threads` ranges as Conv2d splits them.
        const int n = 5, c = 4, h = 15, w = 16, o = 8, k = 3, padding = 1;
        var shape = new DirectConvShape(n, c, h + 2 * padding, w + 2 * padding, o, k, k, stride);
        var rng = new Random(11);
        var x = Enumerable.Range(0, n * c * h * w).Select(_ => rng.Next(2) * 2 - 1f).ToArray();
        var filters = Random(12, o * c * k * k);
        var xpad = new float[n * shape.ImageLength];
        DirectConv.Pad(x, xpad, shape, h, w, padding, -1f, 0, n);
        var packed = new float[DirectConv.PackedLength(o, shape.K)];
        DirectConv.PackFilters(filters, o, c, k, k, false, packed);
        var offsets = DirectConv.Offsets(shape);
        var reference = new float[n * o * shape.OutH * shape.OutW];
        DirectConvReference.Forward(xpad, packed, offsets, shape, reference, 0, n);
        var narrow = new float[reference.Length];
        var wide = new float[reference.Length];
        for (int t = 0; t < threads; t++)
        {
            DirectConv.ForwardVector256(xpad, packed, offsets, shape, narrow, t * n / threads, (t + 1) * n / threads);
            DirectConv.ForwardVector512(xpad, packed, offsets, shape, wide, t * n / threads, (t + 1) * n / threads);
        }
        AssertBitwise(reference, narrow, "y (Vector256)");
        AssertBitwise(reference, wide, "y (Vector512)");
    }

    [Fact]
    public void Pad_WritesPadValueInBorderAndCopiesInterior()
    {
        var x = new float[] { 1, 2, 3, 4, 5, 6 }; // [1, 1, 2, 3]
        var xpad = new float[4 * 5];
        DirectConv.Pad(x, xpad, new DirectConvShape(1, 1, 4, 5, 1, 3, 3), 2, 3, 1, -1f, 0, 1);
        Assert.Equal(new float[] { -1, -1, -1, -1, -1, -1, 1, 2, 3, -1, -1, 4, 5, 6, -1, -1, -1, -1, -1, -1 }, xpad);
    }

    [Fact]
    public void Pad_Stride2_SplitsPaddedImageIntoPhasePlanes()
    {
        var x = Enumerable.Range(1, 9).Select(v => (float)v).ToArray(); // [1, 1, 3, 3]
        var shape = new DirectConvShape(1, 1, 5, 5, 1, 3, 3, 2);      // padded 5×5 → phases of 3×3
        var xphase = new float[shape.ImageLength];
        DirectConv.Pad(x, xphase, shape, 3, 3, 1, 0f, 0, 1);
        // Padded rows: 0 0 0 0 0 / 0 1 2 3 0 / 0 4 5 6 0 / 0 7 8 9 0 / 0 0 0 0 0 (the 6th row and column are fill).
        Assert.Equal(new float[] { 0, 0, 0, 0, 5, 0, 0, 0, 0 }, xphase[..9]);     // even rows, even columns
        Assert.Equal(new float[] { 0, 0, 0, 4, 6, 0, 0, 0, 0 }, xphase[9..18]);   // even rows, odd columns
        Assert.Equal(new float[] { 0, 2, 0, 0, 8, 0, 0, 0, 0 }, xphase[18..27]);  // odd rows, even columns
        Assert.Equal(new float[] { 1, 3, 0, 7, 9, 0, 0, 0, 0 }, xphase[27..36]);  // odd rows, odd columns
    }

    [Fact]
    public void Forward_ShortOutput_Throws()
    {
        var shape = new DirectConvShape(1, 1, 10, 10, 1, 3, 3);
        var ex = Assert.Throws<ArgumentException>(() => DirectConv.Forward(new float[100], new float[36], new int[9], shape, new float[63], 0, 1));
        Assert.Contains("Output", ex.Message);
    }

    [Fact]
    public void Supports_RequiresGroupMultiple()
    {
        Assert.True(DirectConv.Supports(1, 32));
        Assert.True(DirectConv.Supports(2, 16));
        Assert.False(DirectConv.Supports(1, 28));
        Assert.False(DirectConv.Supports(0, 16));
    }
}
