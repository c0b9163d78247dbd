using Lowbit.Tensors.Ops;

namespace Lowbit.Tensors.Tests;

/// <summary>
/// The float32 [N, C, H·W] batch-norm passes: vector plane sums bit-identical to the scalar reference at every length
/// around the 32-lane blocks, and statistics, gradient sums and input gradients against double-precision formulas.
/// </summary>
public class BatchNormPlaneKernelsTests
{
    private static float[] Random(int seed, int length, double low, double high)
    {
        var rng = new System.Random(seed);
        var r = new float[length];
        for (int i = 0; i < r.Length; i++) r[i] = (float)(low + (high - low) * rng.NextDouble());
        return r;
    }

    [Fact]
    public void PlaneSums_VectorMatchReferenceAtEveryLength()
    {
        for (int length = 0; length <= 4 * 32 + 3; length++)
        {
            var x = Random(length, length, -3, 5);
            var g = Random(length + 1000, length, -1, 1);
            var (s, q) = BatchNormPlaneKernels.ShiftedSums(x, 0.75f);
            var (rs, rq) = BatchNormPlaneReference.ShiftedSums(x, 0.75f);
            Assert.True(BitConverter.SingleToInt32Bits(s) == BitConverter.SingleToInt32Bits(rs), $"sum, length {length}: {s:R} vs {rs:R}");
            Assert.True(BitConverter.SingleToInt32Bits(q) == BitConverter.SingleToInt32Bits(rq), $"squares, length {length}: {q:R} vs {rq:R}");
            var (sg, sgx) = BatchNormPlaneKernels.GradientPlaneSums(g, x, 0.5f);
            var (rsg, rsgx) = BatchNormPlaneReference.GradientPlaneSums(g, x, 0.5f);
            Assert.True(BitConverter.SingleToInt32Bits(sg) == BitConverter.SingleToInt32Bits(rsg), $"Σg, length {length}");
            Assert.True(BitConverter.SingleToInt32Bits(sgx) == BitConverter.SingleToInt32Bits(rsgx), $"Σg·x, length {length}");
        }
    }

    [Theory]
    [InlineData(3, 4, 64)]
    [InlineData(2, 3, 1024)]
    [InlineData(4, 2, 33)]
    public void Passes_MatchDoubleFormulas(int n, int c, int inner)
    {
        // Channel 1 sits far from zero with a small spread: one-pass raw sums would cancel; the shifted sums must not.
        var x = Random(1, n * c * inner, -2, 3);
        for (int b = 0; b < n; b++)
            for (int i = 0; i < inner; i++) x[(b * c + 1) * inner + i] = 1000f + x[(b * c + 1) * inner + i] * 0.01f;
        var g = Random(2, n * c * inner, -1, 1);
        double[] mean = new double[c], variance = new double[c];
        BatchNormPlaneKernels.Stats(x, n, c, inner, 0, c, mean, variance);
        double count = n * inner;
        var invStd = new double[c];
        var gamma = new double[c];
        double[] sumG = new double[c], sumGX = new double[c];
        BatchNormPlaneKernels.Stats(x, n, c, inner, 0, c, mean, variance);
        for (int ch = 0; ch < c; ch++)
        {
            double m = 0, v = 0;
            for (int b = 0; b < n; b++)
                for (int i = 0; i < inner; i++) m += x[(b * c + ch) * inner + i];
            m /= count;
            for (int b = 0; b < n; b++)
                for (int i = 0; i < inner; i++) v += Math.Pow(x[(b * c + ch) * inner + i] - m, 2);
            v /= count;
            Assert.True(Math.Abs(mean[ch] - m) <= 1e-6 * (Math.Abs(m) + Math.Sqrt(v)), $"mean[{ch}]: {mean[ch]:R} vs {m:R}");
            Assert.True(Math.Abs(variance[ch] - v) <= 1e-4 * v, $"variance[{ch}]: {variance[ch]:R} vs {v:R}");
            invStd[ch] = 1 / Math.Sqrt(v + 1e-5);
            gamma[ch] = 0.5 + ch;
        }
        var center = new float[c];
        var scale = new float[c];
        var shift = new float[c];
        for (int ch = 0; ch < c; ch++) (center[ch], scale[ch], shift[ch]) = BatchNormPlaneKernels.AffineCoefficients(mean[ch], invStd[ch], gamma[ch], 0.25);
        var y = new float[x.Length];
        BatchNormPlaneKernels.Affine(x, y, center, scale, shift, c, inner, 0, n);
        for (int i = 0; i < y.Length; i++)
        {
            int ch = i / inner % c;
            double expected = gamma[ch] * (x[i] - mean[ch]) * invStd[ch] + 0.25;
            Assert.True(Math.Abs(y[i] - expected) <= 1e-6 * (Math.Abs(expected) + gamma[ch]), $"y[{i}]: {y[i]:R} vs {expected:R}");
        }
        BatchNormPlaneKernels.GradientSums(g, x, mean, invStd, n, c, inner, 0, c, sumG, sumGX);
        for (int ch = 0; ch < c; ch++)
        {
            double eg = 0, egx = 0, magnitude = 0;
            for (int b = 0; b < n; b++)
                for (int i = 0; i < inner; i++)
                {
                    int at = (b * c + ch) * inner + i;
                    eg += g[at];
                    egx += g[at] * (x[at] - mean[ch]) * invStd[ch];
                    magnitude += Math.Abs(g[at] * (x[at] - mean[ch]) * invStd[ch]);
                }
            Assert.True(Math.Abs(sumG[ch] - eg) <= 1e-5 * count, $"Σg[{ch}]: {sumG[ch]:R} vs {eg:R}");
            Assert.True(Math.Abs(sumGX[ch] - egx) <= 1e-5 * magnitude, $"Σg·x̂[{ch}]: {sumGX[ch]:R} vs {egx:R}");
        }
        foreach (bool training in new[] { true, false })
        {
            var gx = new float[x.Length];
            BatchNormPlaneKernels.InputGradient(g, x, gx, mean, invStd, gamma, training, n, c, inner, sumG, sumGX, 0, n);
            for (int b = 0; b < n; b++)
                for (int ch = 0; ch < c; ch++)
                    for (int i = 0; i < inner; i++)
                    {
                        int at = (b * c + ch) * inner + i;
                        double xhat = (x[at] - mean[ch]) * invStd[ch], a = gamma[ch] * invStd[ch];
                        double expected = training ? a * (g[at] - sumG[ch] / count - xhat * sumGX[ch] / count) : a * g[at];
                        double size = a * (Math.Abs(g[at]) + Math.Abs(sumG[ch] / count) + Math.Abs(xhat * sumGX[ch] / count));
                        Assert.True(Math.Abs(gx[at] - expected) <= 1e-5 * size + 1e-30, $"gx[{at}] training={training}: {gx[at]:R} vs {expected:R}");
                    }
        }
    }

    private static bool Same(double a, double b) => BitConverter.DoubleToInt64Bits(a) == BitConverter.DoubleToInt64Bits(b);

    [Theory]
    [InlineData(5, 16, 64, 8)]
    [InlineData(3, 19, 32, 7)]
    [InlineData(4, 6, 1024, 3)]
    [InlineData(2, 3, 33, 1)]
    public void ChannelPasses_AnyChannelSplit_MatchChannelByChannelPlaneSumsBitwise(int n, int c, int inner, int split)
    {
        var x = Random(3, n * c * inner, -2, 3);
        var g = Random(4, n * c * inner, -1, 1);
        var r = Random(5, n * c * inner, -1, 1);
        // Channel by channel, images in order: the plane sums added in double as the type remarks define.
        double[] mean = new double[c], variance = new double[c], invStd = new double[c];
        double[] sumG = new double[c], sumGX = new double[c], reluG = new double[c], reluGX = new double[c], resG = new double[c], resGX = new double[c];
        float[] scale = new float[c], shift = new float[c];
        var gOutExpected = new float[g.Length];
        for (int ch = 0; ch < c; ch++)
        {
            float k0 = x[ch * inner];
            double s1 = 0, s2 = 0;
            for (int b = 0; b < n; b++)
            {
                var (d, d2) = BatchNormPlaneReference.ShiftedSums(x.AsSpan((b * c + ch) * inner, inner), k0);
                s1 += d;
                s2 += d2;
            }
            double m = s1 / ((double)n * inner);
            mean[ch] = k0 + m;
            variance[ch] = Math.Max(0, s2 / ((double)n * inner) - m * m);
            invStd[ch] = 1 / Math.Sqrt(variance[ch] + 1e-5);
            (_, scale[ch], shift[ch]) = BatchNormPlaneKernels.AffineCoefficients(mean[ch], invStd[ch], 0.5 + ch, 0.1 * ch - 0.3);
            float mf = (float)mean[ch];
            for (int b = 0; b < n; b++)
            {
                int off = (b * c + ch) * inner;
                var (sg, sgx) = BatchNormPlaneReference.GradientPlaneSums(g.AsSpan(off, inner), x.AsSpan(off, inner), mf);
                sumG[ch] += sg;
                sumGX[ch] += (sgx - (mean[ch] - mf) * sg) * invStd[ch];
                (sg, sgx) = BatchNormPlaneReference.GradientPlaneSums(g.AsSpan(off, inner), x.AsSpan(off, inner), mf, new ReluMask(scale[ch], shift[ch]));
                reluG[ch] += sg;
                reluGX[ch] += (sgx - (mean[ch] - mf) * sg) * invStd[ch];
                var mask = new ResidualClampMask(r.AsSpan(off, inner), gOutExpected.AsSpan(off, inner), scale[ch], shift[ch], 0f, 1f, false);
                (sg, sgx) = BatchNormPlaneReference.GradientPlaneSums(g.AsSpan(off, inner), x.AsSpan(off, inner), mf, mask);
                resG[ch] += sg;
                resGX[ch] += (sgx - (mean[ch] - mf) * sg) * invStd[ch];
            }
        }
        double[] aMean = new double[c], aVar = new double[c], aG = new double[c], aGX = new double[c], aReluG = new double[c], aReluGX = new double[c];
        double[] aResG = new double[c], aResGX = new double[c];
        var gOut = Enumerable.Repeat(float.NaN, g.Length).ToArray();
        var relu = new ReluMaskCoefficients(scale, shift);
        foreach (var (c0, c1) in new[] { (0, split), (split, c) })
        {
            BatchNormPlaneKernels.Stats(x, n, c, inner, c0, c1, aMean, aVar);
            BatchNormPlaneKernels.GradientSums(g, x, mean, invStd, n, c, inner, c0, c1, aG, aGX);
            BatchNormPlaneKernels.GradientSums(g, x, mean, invStd, n, c, inner, c0, c1, aReluG, aReluGX, relu);
            BatchNormPlaneKernels.GradientSumsResidualClamp(g, x, r, gOut, mean, invStd, scale, shift, 0f, 1f, false, n, c, inner, c0, c1, aResG, aResGX);
        }
        for (int ch = 0; ch < c; ch++)
        {
            Assert.True(Same(mean[ch], aMean[ch]) && Same(variance[ch], aVar[ch]), $"statistics of channel {ch}: ({aMean[ch]:R}, {aVar[ch]:R}) vs ({mean[ch]:R}, {variance[ch]:R})");
            Assert.True(Same(sumG[ch], aG[ch]) && Same(sumGX[ch], aGX[ch]), $"gradient sums of channel {ch}");
            Assert.True(Same(reluG[ch], aReluG[ch]) && Same(reluGX[ch], aReluGX[ch]), $"ReLU-masked gradient sums of channel {ch}");
            Assert.True(Same(resG[ch], aResG[ch]) && Same(resGX[ch], aResGX[ch]), $"residual-clamp gradient sums of channel {ch}");
        }
        for (int i = 0; i < g.Length; i++)
            Assert.True(BitConverter.SingleToInt32Bits(gOutExpected[i]) == BitConverter.SingleToInt32Bits(gOut[i]), $"masked gradient [{i}]: {gOut[i]:R} vs {gOutExpected[i]:R}");
        // Input gradient: the per-channel coefficients of GradientCoefficients applied plane by plane (images split as threads do).
        var gamma = Enumerable.Range(0, c).Select(ch => 0.5 + ch).ToArray();
        var gx = new float[g.Length];
        BatchNormPlaneKernels.InputGradient(g, x, gx, mean, invStd, gamma, true, n, c, inner, sumG, sumGX, 0, 1);
        BatchNormPlaneKernels.InputGradient(g, x, gx, mean, invStd, gamma, true, n, c, inner, sumG, sumGX, 1, n);
        for (int b = 0; b < n; b++)
            for (int ch = 0; ch < c; ch++)
            {
                var (a, bx, k) = BatchNormPlaneKernels.GradientCoefficients(mean[ch], invStd[ch], gamma[ch], true, (double)n * inner, sumG[ch], sumGX[ch]);
                float mf = (float)mean[ch];
                for (int i = 0; i < inner; i++)
                {
                    int at = (b * c + ch) * inner + i;
                    float d = x[at] - mf, expected = MathF.FusedMultiplyAdd(g[at], a, MathF.FusedMultiplyAdd(d, bx, k));
                    Assert.True(BitConverter.SingleToInt32Bits(expected) == BitConverter.SingleToInt32Bits(gx[at]), $"gx[{at}]: {gx[at]:R} vs {expected:R}");
                }
            }
    }
}
