using Lowbit.Kernels.Conv;

namespace Lowbit.Kernels.Tests.Conv;

/// <summary>
/// WinogradConv's weight gradient: chunk partials of the Vector256 path bit for bit against the scalar reference for
/// several plans and chunk splits, and the reduced gradient against dw = Σ g·x in double within the forward error
/// bound (γ_n times the absolute-value transformed-domain sum, n = tiles of a block + blocks + chunks + transforms).
/// </summary>
public class WinogradWeightGradientTests
{
    private const double Unit = 1.0 / (1 << 24);

    private static readonly double[,] Bt = { { 1, 0, -1, 0 }, { 0, 1, 1, 0 }, { 0, -1, 1, 0 }, { 0, 1, 0, -1 } };
    private static readonly double[,] At = { { 1, 1, 1, 0 }, { 0, 1, -1, -1 } };
    private static readonly double[,] Gt = { { 1, 0.5, 0.5, 0 }, { 0, 0.5, -0.5, 0 }, { 0, 0.5, 0.5, 1 } };

    private static float[] Random(int seed, int length)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, length).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
    }

    private static double Gamma(int n) => n * Unit / (1 - n * Unit);

    public static TheoryData<int, int, int, int, int, int> Shapes => new()
    {
        // n, c, o, oh, ow, padding
        { 1, 1, 1, 2, 8, 1 },
        { 2, 3, 5, 4, 8, 1 },
        { 3, 2, 6, 6, 16, 1 },
        { 5, 3, 3, 2, 8, 0 },
        { 1, 4, 4, 2, 24, 2 },
        { 4, 9, 7, 8, 8, 1 },
        { 2, 16, 8, 16, 16, 1 },
        { 3, 33, 13, 6, 8, 1 },   // C' = 48: a 32-channel Vector512 tile and a 16-channel tail; 13 = 2·6 + 1 rows
        { 1, 64, 6, 8, 8, 0 },    // batch 1, C' = 64, no padding
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void WeightGradient_VectorMatchesReferenceAndDoubleOracle(int n, int c, int o, int oh, int ow, int padding)
    {
        int h = oh + 2 - 2 * padding, w = ow + 2 - 2 * padding;
        var shape = new WinogradShape(n, c, o, oh, ow);
        var x = Random(3, n * c * h * w);
        var g = Random(4, n * o * oh * ow);
        var xphase = new float[n * shape.ImageLength];
        DirectConv.Pad(x, xphase, shape.PaddedLayout, h, w, padding, 0f, 0, n);
        int maxBlocks = (shape.Tiles + 23) / 24;
        var plans = new List<WinogradPlan> { new(24, 1), new(24, Math.Min(3, maxBlocks)), new(48, Math.Min(2, (shape.Tiles + 47) / 48)), WinogradConv.WeightGradientPlan(shape) };
        var (expected, absolute) = Oracle(x, g, n, c, o, h, w, oh, ow, padding);
        foreach (var plan in plans)
        {
            var reference = new float[WinogradConv.PartialsLength(shape, plan)];
            WinogradReference.WeightGradientChunks(xphase, g, shape, plan, reference, 0, plan.Chunks);
            var scratch = new float[WinogradConv.WeightGradientScratchLength(shape, plan)];
            var vector = Enumerable.Repeat(float.NaN, reference.Length).ToArray();
            WinogradConv.WeightGradientChunksVector256(xphase, g, shape, plan, vector, 0, plan.Chunks, scratch);
            AssertBitwise(reference, vector, $"partials {plan}");
            var wide = Enumerable.Repeat(float.NaN, reference.Length).ToArray();
            WinogradConv.WeightGradientChunksVector512(xphase, g, shape, plan, wide, 0, plan.Chunks, scratch);
            AssertBitwise(reference, wide, $"partials (Vector512) {plan}");
            var split = new float[reference.Length];
            for (int k = plan.Chunks - 1; k >= 0; k--) WinogradConv.WeightGradientChunks(xphase, g, shape, plan, split, k, k + 1, scratch);
            AssertBitwise(reference, split, $"partials chunk by chunk {plan}");

            var dw = Enumerable.Repeat(float.NaN, o * c * 9).ToArray();
            WinogradConv.ReduceWeightGradient(reference, shape, plan, dw, 0, o);
            int blocks = WinogradConv.Blocks(shape, plan);
            int depth = plan.BlockTiles + blocks + plan.Chunks + 12;
            for (int i = 0; i < dw.Length; i++)
                Assert.True(Math.Abs(expected[i] - dw[i]) <= Gamma(depth) * absolute[i], $"dw[{i}] {plan}: double {expected[i]:R}, winograd {dw[i]:R}, bound {Gamma(depth) * absolute[i]:R}");
        }
    }

    private static void AssertBitwise(float[] expected, float[] actual, string what)
    {
        for (int i = 0; i < expected.Length; i++)
            Assert.True(BitConverter.SingleToInt32Bits(expected[i]) == BitConverter.SingleToInt32Bits(actual[i]),
                $"{what}[{i}]: expected {expected[i]:R}, actual {actual[i]:R}");
    }

    /// <summary>dw = Σ g·x in double, and |Gᵀ|·Σ_tiles (|A||dY||Aᵀ| ⊙ |Bᵀ||d||B|)·|G| (the magnitude the float error is bounded by).</summary>
    private static (double[] Dw, double[] Absolute) Oracle(float[] x, float[] g, int n, int c, int o, int h, int w, int oh, int ow, int padding)
    {
        var dw = new double[o * c * 9];
        var absolute = new double[dw.Length];
        double X(int b, int ic, int iy, int ix) => iy < 0 || iy >= h || ix < 0 || ix >= w ? 0 : x[((b * c + ic) * h + iy) * w + ix];
        for (int b = 0; b < n; b++)
            for (int oc = 0; oc < o; oc++)
                for (int ic = 0; ic < c; ic++)
                    for (int t = 0; t < 9; t++)
                        for (int oy = 0; oy < oh; oy++)
                            for (int ox = 0; ox < ow; ox++)
                                dw[(oc * c + ic) * 9 + t] += g[((b * o + oc) * oh + oy) * ow + ox] * X(b, ic, oy + t / 3 - padding, ox + t % 3 - padding);
        var du = new double[o * c, 4, 4];
        for (int b = 0; b < n; b++)
            for (int ti = 0; ti < oh / 2; ti++)
                for (int tj = 0; tj < ow / 2; tj++)
                {
                    var v = new double[c][,];
                    for (int ic = 0; ic < c; ic++)
                    {
                        var d = new double[4, 4];
                        for (int r = 0; r < 4; r++)
                            for (int s = 0; s < 4; s++) d[r, s] = Math.Abs(X(b, ic, 2 * ti + r - padding, 2 * tj + s - padding));
                        v[ic] = AbsSandwich(Bt, d, Bt);
                    }
                    for (int oc = 0; oc < o; oc++)
                    {
                        var dy = new double[2, 2];
                        for (int a = 0; a < 2; a++)
                            for (int e = 0; e < 2; e++) dy[a, e] = Math.Abs(g[((b * o + oc) * oh + 2 * ti + a) * ow + 2 * tj + e]);
                        var q = AbsSandwich(Transpose(At), dy, Transpose(At));
                        for (int ic = 0; ic < c; ic++)
                            for (int i = 0; i < 4; i++)
                                for (int j = 0; j < 4; j++) du[oc * c + ic, i, j] += q[i, j] * v[ic][i, j];
                    }
                }
        for (int k = 0; k < o * c; k++)
        {
            var m = new double[4, 4];
            for (int i = 0; i < 4; i++)
                for (int j = 0; j < 4; j++) m[i, j] = du[k, i, j];
            var r = AbsSandwich(Gt, m, Gt);
            for (int t = 0; t < 9; t++) absolute[k * 9 + t] = r[t / 3, t % 3];
        }
        return (dw, absolute);
    }

    private static double[,] Transpose(double[,] a)
    {
        var t = new double[a.GetLength(1), a.GetLength(0)];
        for (int i = 0; i < a.GetLength(0); i++)
            for (int j = 0; j < a.GetLength(1); j++) t[j, i] = a[i, j];
        return t;
    }

    /// <summary>|M|·X·|N|ᵀ for a non-negative X.</summary>
    private static double[,] AbsSandwich(double[,] m, double[,] x, double[,] nt)
    {
        int r = m.GetLength(0), k = m.GetLength(1), l = x.GetLength(1), cols = nt.GetLength(0);
        var t = new double[r, l];
        for (int i = 0; i < r; i++)
            for (int j = 0; j < l; j++)
                for (int q = 0; q < k; q++) t[i, j] += Math.Abs(m[i, q]) * x[q, j];
        var result = new double[r, cols];
        for (int i = 0; i < r; i++)
            for (int j = 0; j < cols; j++)
                for (int q = 0; q < l; q++) result[i, j] += t[i, q] * Math.Abs(nt[j, q]);
        return result;
    }
}
