using Lowbit.Tensors.Ops;

namespace Lowbit.Tensors.Tests;

/// <summary>The vectorised [N, C] batch-norm paths against the scalar reference loops: bit-identical.</summary>
public class BatchNormKernelsTests
{
    public static TheoryData<int, int> Shapes => new() { { 2, 1 }, { 3, 7 }, { 2, 8 }, { 5, 9 }, { 4, 16 }, { 7, 33 }, { 100, 1024 }, { 3, 1027 } };

    private static float[] Random(int seed, int length, float low, float high)
    {
        var rng = new System.Random(seed);
        var r = new float[length];
        for (int i = 0; i < r.Length; i++) r[i] = low + (high - low) * (float)rng.NextDouble();
        return r;
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void StatsRows_MatchesReferenceExactly(int n, int c)
    {
        var x = Random(n * 31 + c, n * c, -3, 5);
        double[] mean = new double[c], variance = new double[c], refMean = new double[c], refVariance = new double[c];
        BatchNormKernels.StatsRows(x, n, c, 0, c, mean, variance);
        BatchNormKernels.Stats<float>(x, n, c, 1, 0, c, refMean, refVariance);
        for (int ch = 0; ch < c; ch++)
        {
            Assert.True(refMean[ch] == mean[ch], $"mean[{ch}] n={n} c={c}: expected {refMean[ch]:R}, actual {mean[ch]:R}");
            Assert.True(refVariance[ch] == variance[ch], $"variance[{ch}] n={n} c={c}: expected {refVariance[ch]:R}, actual {variance[ch]:R}");
        }
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void GradientRows_MatchReferenceExactly(int n, int c)
    {
        var x = Random(n * 17 + c, n * c, -3, 5);
        var g = Random(n * 19 + c, n * c, -1, 1);
        double[] mean = new double[c], variance = new double[c], invStd = new double[c], gamma = new double[c];
        BatchNormKernels.Stats<float>(x, n, c, 1, 0, c, mean, variance);
        var rng = new System.Random(c);
        for (int ch = 0; ch < c; ch++)
        {
            invStd[ch] = 1.0 / Math.Sqrt(variance[ch] + 1e-5);
            gamma[ch] = 0.5 + rng.NextDouble();
        }
        double[] sumG = new double[c], sumGX = new double[c], refSumG = new double[c], refSumGX = new double[c];
        BatchNormKernels.GradientSumsRows(g, x, mean, invStd, n, c, 0, c, sumG, sumGX);
        BatchNormKernels.GradientSums<float>(g, x, mean, invStd, n, c, 1, 0, c, refSumG, refSumGX);
        for (int ch = 0; ch < c; ch++)
        {
            Assert.True(refSumG[ch] == sumG[ch], $"sumG[{ch}] n={n} c={c}: expected {refSumG[ch]:R}, actual {sumG[ch]:R}");
            Assert.True(refSumGX[ch] == sumGX[ch], $"sumGXhat[{ch}] n={n} c={c}: expected {refSumGX[ch]:R}, actual {sumGX[ch]:R}");
        }
        foreach (bool training in new[] { true, false })
        {
            var gx = new float[n * c];
            var refGx = new float[n * c];
            BatchNormKernels.InputGradientRows(g, x, gx, mean, invStd, gamma, training, n, c, sumG, sumGX, 0, n);
            BatchNormKernels.InputGradient<float>(g, x, refGx, mean, invStd, gamma, training, n, c, 1, refSumG, refSumGX, 0, n);
            for (int i = 0; i < gx.Length; i++)
                Assert.True(BitConverter.SingleToInt32Bits(refGx[i]) == BitConverter.SingleToInt32Bits(gx[i]),
                    $"gx[{i}] n={n} c={c} training={training}: expected {refGx[i]:R}, actual {gx[i]:R}");
        }
    }
}
