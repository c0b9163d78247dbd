using Lowbit.Kernels.Conv;

namespace Lowbit.Kernels.Tests.Conv;

/// <summary>
/// WinogradConv: the Vector256 paths bit for bit against the scalar reference under several block plans and splits, and
/// both against a plain 3×3 convolution in double precision within the forward error bound of the type remarks
/// (γ_n times the absolute-value Winograd sum, computed here in double from the transform matrices).
/// </summary>
public class WinogradConvTests
{
    private const double Unit = 1.0 / (1 << 24);

    private static readonly double[,] Bt = { { 1, 0, -1, 0 }, { 0, 1, 1, 0 }, { 0, -1, 1, 0 }, { 0, 1, 0, -1 } };
    private static readonly double[,] G = { { 1, 0, 0 }, { 0.5, 0.5, 0.5 }, { 0.5, -0.5, 0.5 }, { 0, 0, 1 } };
    private static readonly double[,] At = { { 1, 1, 1, 0 }, { 0, 1, -1, -1 } };

    private static float[] Random(int seed, int length, bool signs = false)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, length).Select(_ => signs ? rng.Next(2) * 2 - 1f : (float)(rng.NextDouble() * 2 - 1)).ToArray();
    }

    private static void AssertBitwise(float[] expected, float[] actual, string what)
    {
        for (int i = 0; i < expected.Length; i++)
            Assert.True(BitConverter.SingleToInt32Bits(expected[i]) == BitConverter.SingleToInt32Bits(actual[i]),
                $"{what}[{i}]: expected {expected[i]:R}, actual {actual[i]:R}");
    }

    private static double Gamma(int n) => n * Unit / (1 - n * Unit);

    /// <summary>x padded by p with padValue, as a double array [n, c, h + 2p, w + 2p].</summary>
    private static double[] PadDouble(float[] x, int n, int c, int h, int w, int p, float padValue)
    {
        int hp = h + 2 * p, wp = w + 2 * p;
        var xp = new double[n * c * hp * wp];
        for (int plane = 0; plane < n * c; plane++)
            for (int i = 0; i < hp; i++)
                for (int j = 0; j < wp; j++)
                {
                    int y = i - p, z = j - p;
                    xp[(plane * hp + i) * wp + j] = y < 0 || y >= h || z < 0 || z >= w ? padValue : x[(plane * h + y) * w + z];
                }
        return xp;
    }

    /// <summary>M·X·Nᵀ for small dense matrices, with |M|, |X|, |N| when <paramref name="absolute"/>.</summary>
    private static double[,] Sandwich(double[,] m, double[,] x, double[,] nt, bool absolute)
    {
        int r = m.GetLength(0), k = m.GetLength(1), l = x.GetLength(1), cols = nt.GetLength(0);
        var t = new double[r, l];
        for (int i = 0; i < r; i++)
            for (int j = 0; j < l; j++)
                for (int q = 0; q < k; q++) t[i, j] += absolute ? Math.Abs(m[i, q] * x[q, j]) : m[i, q] * x[q, j];
        var result = new double[r, cols];
        for (int i = 0; i < r; i++)
            for (int j = 0; j < cols; j++)
                for (int q = 0; q < l; q++) result[i, j] += absolute ? Math.Abs(t[i, q] * nt[j, q]) : t[i, q] * nt[j, q];
        return result;
    }

    private static double[,] Transpose(double[,] a)
    {
        var t = new double[a.GetLength(1), a.GetLength(0)];
        for (int i = 0; i < a.GetLength(0); i++)
            for (int j = 0; j < a.GetLength(1); j++) t[j, i] = a[i, j];
        return t;
    }

    /// <summary>Exact (double) 3×3 convolution of the padded input and the absolute-value Winograd sum that bounds the float error.</summary>
    private static (double[] Y, double[] Bound) ConvDouble(double[] xp, float[] w, int n, int c, int o, int oh, int ow)
    {
        int hp = oh + 2, wp = ow + 2;
        var y = new double[n * o * oh * ow];
        var bound = new double[y.Length];
        var abs = new double[o * c][,];
        for (int oc = 0; oc < o; oc++)
            for (int ic = 0; ic < c; ic++)
            {
                var g = new double[3, 3];
                for (int t = 0; t < 9; t++) g[t / 3, t % 3] = w[(oc * c + ic) * 9 + t];
                abs[oc * c + ic] = Sandwich(G, g, G, true);
            }
        for (int b = 0; b < n; b++)
            for (int ti = 0; ti < oh / 2; ti++)
                for (int tj = 0; tj < ow / 2; tj++)
                {
                    var vAbs = new double[c][,];
                    for (int ic = 0; ic < c; ic++)
                    {
                        var d = new double[4, 4];
                        for (int r = 0; r < 4; r++)
                            for (int s = 0; s < 4; s++) d[r, s] = xp[((b * c + ic) * hp + 2 * ti + r) * wp + 2 * tj + s];
                        vAbs[ic] = Sandwich(Bt, d, Bt, true);
                    }
                    for (int oc = 0; oc < o; oc++)
                    {
                        var m = new double[4, 4];
                        for (int ic = 0; ic < c; ic++)
                            for (int i = 0; i < 4; i++)
                                for (int j = 0; j < 4; j++) m[i, j] += abs[oc * c + ic][i, j] * vAbs[ic][i, j];
                        var yAbs = Sandwich(At, m, At, true);
                        for (int a = 0; a < 2; a++)
                            for (int e = 0; e < 2; e++)
                            {
                                int oy = 2 * ti + a, ox = 2 * tj + e;
                                double sum = 0;
                                for (int ic = 0; ic < c; ic++)
                                    for (int t = 0; t < 9; t++) sum += w[(oc * c + ic) * 9 + t] * xp[((b * c + ic) * hp + oy + t / 3) * wp + ox + t % 3];
                                int index = ((b * o + oc) * oh + oy) * ow + ox;
                                y[index] = sum;
                                bound[index] = Gamma(c + 12) * yAbs[a, e];
                            }
                    }
                }
        return (y, bound);
    }

    public static TheoryData<int, int, int, int, int, int> Shapes => new()
    {
        // n, c, o, oh, ow, padding
        { 1, 1, 1, 2, 8, 1 },     // one tile row of 4 tiles: a half vector
        { 2, 3, 5, 4, 8, 1 },     // panel tail (5 = 4 + 1); vectors straddle tile rows (halves)
        { 3, 2, 6, 6, 16, 1 },    // 8 tiles per row: whole-vector loads
        { 5, 3, 3, 2, 8, 0 },     // 20 tiles: the last vector has one valid half; no padding
        { 1, 4, 4, 2, 24, 2 },    // 12 tiles per row: whole and split vectors; padding 2
        { 2, 9, 7, 8, 8, 1 },     // 8×8 maps (ResNet/VGG last stage), 16 tiles per image
        { 2, 16, 16, 16, 16, 1 },
        { 3, 5, 12, 6, 16, 1 },   // 3 panels: the Vector512 tile's last panel alone; 72 tiles = 48 + 24 columns
        { 1, 33, 8, 32, 32, 1 },  // batch 1, 256 tiles: several 48-column tiles per block
    };

    private static (float[] Xphase, double[] Xp, WinogradShape Shape, int H, int W) Input(int n, int c, int o, int oh, int ow, int padding, bool signs, float padValue)
    {
        int h = oh + 2 - 2 * padding, w = ow + 2 - 2 * padding;
        var shape = new WinogradShape(n, c, o, oh, ow);
        var x = Random(1, n * c * h * w, signs);
        var xphase = new float[n * shape.ImageLength];
        DirectConv.Pad(x, xphase, shape.PaddedLayout, h, w, padding, padValue, 0, n);
        return (xphase, PadDouble(x, n, c, h, w, padding, padValue), shape, h, w);
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Forward_VectorMatchesReferenceAndDoubleOracle(int n, int c, int o, int oh, int ow, int padding)
    {
        var (xphase, xp, shape, _, _) = Input(n, c, o, oh, ow, padding, false, 0f);
        var filters = Random(2, o * c * 9);
        var bias = Random(7, o);
        var u = new float[WinogradConv.FilterLength(o, c)];
        WinogradConv.TransformFilters(filters, o, c, false, u);
        // Panel by panel (as threads split it) into a buffer of garbage gives the same packing, padded rows zero.
        var byPanel = Enumerable.Repeat(float.NaN, u.Length).ToArray();
        for (int p = WinogradConv.RoundRows(o) / WinogradConv.PanelRows - 1; p >= 0; p--) WinogradConv.TransformFilters(filters, o, c, false, byPanel, p, p + 1);
        AssertBitwise(u, byPanel, "u (panel by panel)");
        var reference = new float[n * o * oh * ow];
        WinogradReference.Forward(xphase, u, shape, reference, 0, shape.Tiles, bias);
        foreach (int blockTiles in new[] { 24, 48, WinogradConv.ForwardPlan(shape).BlockTiles })
        {
            var plan = new WinogradPlan(blockTiles, 1);
            int blocks = WinogradConv.Blocks(shape, plan);
            var scratch = new float[WinogradConv.ScratchLength(shape, plan)];
            var vector = Enumerable.Repeat(float.NaN, reference.Length).ToArray();
            WinogradConv.ForwardVector256(xphase, u, shape, plan, vector, 0, shape.Tiles, scratch, bias);
            AssertBitwise(reference, vector, $"y (blocks of {blockTiles})");
            var wide = Enumerable.Repeat(float.NaN, reference.Length).ToArray();
            WinogradConv.ForwardVector512(xphase, u, shape, plan, wide, 0, shape.Tiles, scratch, bias);
            AssertBitwise(reference, wide, $"y (Vector512, blocks of {blockTiles})");
            var split = new float[reference.Length];
            for (int b = 0; b < blocks; b++) WinogradConv.Forward(xphase, u, shape, plan, split, b, b + 1, scratch, bias);
            AssertBitwise(reference, split, $"y (block by block, {blockTiles})");
            var images = Enumerable.Repeat(float.NaN, reference.Length).ToArray();
            for (int i = 0; i < n; i++) WinogradConv.ForwardImages(xphase, u, shape, plan, images, i, i + 1, scratch, bias);
            AssertBitwise(reference, images, $"y (image by image, {blockTiles})");
        }
        var (expected, bound) = ConvDouble(xp, filters, n, c, o, oh, ow);
        for (int i = 0; i < expected.Length; i++)
        {
            double e = expected[i] + bias[i / (oh * ow) % o], tolerance = bound[i] + Gamma(1) * Math.Abs(e);
            Assert.True(Math.Abs(e - reference[i]) <= tolerance, $"y[{i}]: double {e:R}, winograd {reference[i]:R}, bound {tolerance:R}");
        }
    }

    [Theory]
    [InlineData(1f)]
    [InlineData(-1f)]
    [InlineData(0f)]
    public void Forward_SignInputsAndFilters_AreExact(float padValue)
    {
        var (xphase, xp, shape, _, _) = Input(3, 24, 8, 8, 16, 1, true, padValue);
        var filters = Random(9, 8 * 24 * 9, signs: true);
        var u = new float[WinogradConv.FilterLength(8, 24)];
        WinogradConv.TransformFilters(filters, 8, 24, false, u);
        var plan = WinogradConv.ForwardPlan(shape);
        var y = new float[3 * 8 * 8 * 16];
        WinogradConv.Forward(xphase, u, shape, plan, y, 0, WinogradConv.Blocks(shape, plan), new float[WinogradConv.ScratchLength(shape, plan)]);
        var (expected, _) = ConvDouble(xp, filters, 3, 24, 8, 8, 16);
        for (int i = 0; i < y.Length; i++) Assert.True(expected[i] == y[i], $"y[{i}]: exact {expected[i]}, winograd {y[i]}");
    }

    [Theory]
    [InlineData(5, 3)]
    [InlineData(32, 32)]
    [InlineData(64, 16)]
    [InlineData(7, 13)]
    [InlineData(1, 1)]
    public void TransformFilters_Vector128_BitIdenticalToScalarOnAnyPanelRange(int o, int c)
    {
        var w = Random(12, o * c * 9);
        foreach (bool flip in new[] { false, true })
        {
            int rows = flip ? c : o, panels = WinogradConv.RoundRows(rows) / WinogradConv.PanelRows, length = WinogradConv.FilterLength(rows, flip ? o : c);
            var scalar = Enumerable.Repeat(float.NaN, length).ToArray();
            WinogradConv.TransformFiltersScalar(w, o, c, flip, scalar, 0, panels);
            var vector = Enumerable.Repeat(float.NaN, length).ToArray();
            // Last panel first, then the rest: each call writes its panels only.
            WinogradConv.TransformFiltersVector128(w, o, c, flip, vector, panels - 1, panels);
            WinogradConv.TransformFiltersVector128(w, o, c, flip, vector, 0, panels - 1);
            AssertBitwise(scalar, vector, $"u (flip {flip})");
            var dispatched = Enumerable.Repeat(float.NaN, length).ToArray();
            WinogradConv.TransformFilters(w, o, c, flip, dispatched);
            AssertBitwise(scalar, dispatched, $"u dispatched (flip {flip})");
        }
    }

    [Fact]
    public void TransformFilters_MatchesGgGtInDouble_AndTransposeFlipPacksFlippedTransposedFilters()
    {
        int o = 5, c = 3;
        var w = Random(11, o * c * 9);
        var u = new float[WinogradConv.FilterLength(o, c)];
        var ut = new float[WinogradConv.FilterLength(c, o)];
        WinogradConv.TransformFilters(w, o, c, false, u);
        WinogradConv.TransformFilters(w, o, c, true, ut);
        int panels = WinogradConv.RoundRows(o) / 4, panelsT = WinogradConv.RoundRows(c) / 4;
        for (int oc = 0; oc < o; oc++)
            for (int ic = 0; ic < c; ic++)
            {
                var g = new double[3, 3];
                var flipped = new double[3, 3];
                for (int t = 0; t < 9; t++)
                {
                    g[t / 3, t % 3] = w[(oc * c + ic) * 9 + t];
                    flipped[2 - t / 3, 2 - t % 3] = w[(oc * c + ic) * 9 + t];
                }
                var expected = Sandwich(G, g, G, false);
                var bound = Sandwich(G, g, G, true);
                var expectedT = Sandwich(G, flipped, G, false);
                for (int xi = 0; xi < 16; xi++)
                {
                    float actual = u[((xi * panels + oc / 4) * c + ic) * 4 + oc % 4], actualT = ut[((xi * panelsT + ic / 4) * o + oc) * 4 + ic % 4];
                    Assert.True(Math.Abs(actual - expected[xi / 4, xi % 4]) <= Gamma(4) * bound[xi / 4, xi % 4], $"u[{xi}] of ({oc}, {ic})");
                    Assert.True(Math.Abs(actualT - expectedT[xi / 4, xi % 4]) <= Gamma(4) * bound[xi / 4, xi % 4], $"uT[{xi}] of ({oc}, {ic})");
                }
            }
        // Rows past the last are zero.
        for (int xi = 0; xi < 16; xi++)
            for (int ic = 0; ic < c; ic++)
                for (int r = o; r < 8; r++) Assert.Equal(0f, u[((xi * panels + r / 4) * c + ic) * 4 + r % 4]);
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void InputGradient_ForwardOfPaddedGradientWithFlippedFilters_MatchesDoubleOracle(int n, int c, int o, int oh, int ow, int padding)
    {
        // Layer: input c × (oh + 2 − 2p) × (ow + 2 − 2p) → output o × oh × ow. Its input gradient is a Winograd forward from
        // o channels to c channels whose output is the layer's input size (when that is supported).
        int h = oh + 2 - 2 * padding, w = ow + 2 - 2 * padding, tp = 2 - padding;
        if (!WinogradConv.Supports(h, w)) return;
        var filters = Random(5, o * c * 9);
        var g = Random(6, n * o * oh * ow);
        var shape = new WinogradShape(n, o, c, h, w);
        var gphase = new float[n * shape.ImageLength];
        DirectConv.Pad(g, gphase, shape.PaddedLayout, oh, ow, tp, 0f, 0, n);
        var u = new float[WinogradConv.FilterLength(c, o)];
        WinogradConv.TransformFilters(filters, o, c, true, u);
        var plan = WinogradConv.ForwardPlan(shape);
        var dx = new float[n * c * h * w];
        WinogradConv.Forward(gphase, u, shape, plan, dx, 0, WinogradConv.Blocks(shape, plan), new float[WinogradConv.ScratchLength(shape, plan)]);
        var expected = new double[dx.Length];
        for (int b = 0; b < n; b++)
            for (int oc = 0; oc < o; oc++)
                for (int ic = 0; ic < c; ic++)
                    for (int t = 0; t < 9; t++)
                        for (int oy = 0; oy < oh; oy++)
                            for (int ox = 0; ox < ow; ox++)
                            {
                                int iy = oy + t / 3 - padding, ix = ox + t % 3 - padding;
                                if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
                                expected[((b * c + ic) * h + iy) * w + ix] += (double)g[((b * o + oc) * oh + oy) * ow + ox] * filters[(oc * c + ic) * 9 + t];
                            }
        var flippedT = new float[c * o * 9];
        for (int oc = 0; oc < o; oc++)
            for (int ic = 0; ic < c; ic++)
                for (int t = 0; t < 9; t++) flippedT[(ic * o + oc) * 9 + 8 - t] = filters[(oc * c + ic) * 9 + t];
        var (_, bound) = ConvDouble(PadDouble(g, n, o, oh, ow, tp, 0f), flippedT, n, o, c, h, w);
        for (int i = 0; i < dx.Length; i++)
            Assert.True(Math.Abs(expected[i] - dx[i]) <= bound[i], $"dx[{i}]: double {expected[i]:R}, winograd {dx[i]:R}, bound {bound[i]:R}");
    }

    [Theory]
    [InlineData(5, 37, 0)]
    [InlineData(6, 32, 1)]
    [InlineData(7, 33, 2)]
    [InlineData(4, 16, 1)]
    public void Pad_Stride2_PhasePlanesMatchTheDefinition(int h, int w, int padding)
    {
        // The stride-2 copy splits rows with vector shuffles; check every cell against xphase[c, py, px, i, j] = xpad[c, 2i + py, 2j + px].
        var x = Random(13, 2 * h * w);
        var layout = new DirectConvShape(1, 2, h + 2 * padding, w + 2 * padding, 1, 3, 3, 2);
        var xphase = new float[layout.ImageLength];
        DirectConv.Pad(x, xphase, layout, h, w, padding, -1f, 0, 1);
        var xp = PadDouble(x, 1, 2, h, w, padding, -1f);
        int hp = h + 2 * padding, wp = w + 2 * padding, hq = layout.PlaneH, wq = layout.PlaneW;
        for (int c = 0; c < 2; c++)
            for (int py = 0; py < 2; py++)
                for (int px = 0; px < 2; px++)
                    for (int i = 0; i < hq; i++)
                        for (int j = 0; j < wq; j++)
                        {
                            int y = 2 * i + py, z = 2 * j + px;
                            double expected = y < hp && z < wp ? xp[(c * hp + y) * wp + z] : -1;
                            Assert.True(expected == xphase[(((c * 2 + py) * 2 + px) * hq + i) * wq + j], $"c {c} phase ({py}, {px}) cell ({i}, {j})");
                        }
    }

    [Theory]
    [InlineData(1, 8)]
    [InlineData(2, 8)]
    [InlineData(5, 16)]
    [InlineData(8, 24)]
    [InlineData(7, 32)]
    [InlineData(16, 40)]
    public void PadPlanePhase2Padding1_BothWidths_MatchTheDefinition(int h, int w)
    {
        // The padding-1 copy writes pad cells and shuffled halves directly; check every cell of both widths' output
        // (stale destination contents first, so a cell left unwritten fails) against xpad[2i + py, 2j + px].
        var x = Random(14, h * w);
        var layout = new DirectConvShape(1, 1, h + 2, w + 2, 1, 3, 3, 2);
        int hp = h + 2, wp = w + 2, hq = layout.PlaneH, wq = layout.PlaneW;
        var xp = PadDouble(x, 1, 1, h, w, 1, -1f);
        foreach (bool vector512 in new[] { false, true })
        {
            var xphase = Enumerable.Repeat(float.NaN, layout.ImageLength).ToArray();
            DirectConv.PadPlanePhase2Padding1(x, xphase, h, w, -1f, hq, wq, vector512);
            for (int py = 0; py < 2; py++)
                for (int px = 0; px < 2; px++)
                    for (int i = 0; i < hq; i++)
                        for (int j = 0; j < wq; j++)
                        {
                            int y = 2 * i + py, z = 2 * j + px;
                            double expected = y < hp && z < wp ? xp[y * wp + z] : -1;
                            float actual = xphase[((py * 2 + px) * hq + i) * wq + j];
                            Assert.True(expected == actual,
                                $"vector512 {vector512}, {h}x{w}, phase ({py}, {px}) cell ({i}, {j}): expected {expected}, got {actual}");
                        }
        }
    }
}
