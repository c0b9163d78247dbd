using Lowbit.Quantization;
using Lowbit.Tensors;
using static Lowbit.Quantization.Tests.QuantizerHarness;

namespace Lowbit.Quantization.Tests;

public class XnorWeightTests
{
    [Fact]
    public void Quantize_PerChannel_ReferenceTableAndPaperGradient()
    {
        // rows: [0.5, −1.5, 0] → α = 2/3; [2, −2, 0.2] → α = 1.4
        double[] w = [0.5, -1.5, 0, 2, -2, 0.2];
        var (values, grad) = Run(new XnorWeight(), w, Enumerable.Repeat(1.0, 6).ToArray(), shape: [2, 3]);
        double a0 = 2.0 / 3, a1 = 4.2 / 3;
        Equal([a0, -a0, a0, a1, -a1, a1], values, 1e-15);
        Equal([1.0 / 3 + a0, 1.0 / 3, 1.0 / 3 + a0, 1.0 / 3, 1.0 / 3, 1.0 / 3 + a1], grad, 1e-15, "1/n + α·1[|w| ≤ 1]");
    }

    [Fact]
    public void Quantize_PerTensor_UsesOneAlpha()
    {
        double[] w = [0.5, -1.5, 0, 2, -2, 0.2];
        double a = 6.2 / 6;
        Equal([a, -a, a, a, -a, a], Forward(new XnorWeight(perChannel: false), w, shape: [2, 3]), 1e-15);
    }

    [Fact]
    public void Quantize_PerChannelOnVector_Throws() =>
        Assert.Throws<ArgumentException>("x", () => new XnorWeight().Quantize(Tensor.Ones(3), QuantizerContext.Eval));
}

public class XnorActivationTests
{
    [Fact]
    public void Quantize_Dense_ScalesByPerSampleMeanAbsAndExactProductRuleGradient()
    {
        double[] x = [1, -2, 0.5, -0.5, 0, 0.25];
        double[] up = [1, 2, 3, 4, 5, 6];
        var (values, grad) = Run(new XnorActivation(), x, up, shape: [2, 3]);
        double[] k = [3.5 / 3, 0.75 / 3];
        double[] s = x.Select(v => v >= 0 ? 1.0 : -1.0).ToArray();
        Equal(s.Select((v, i) => v * k[i / 3]).ToArray(), values, 1e-15);
        // g_x_i = g_i·K·1[|x_i| ≤ 1] + Σ_j g_j·s_j · sign(x_i)/C   (Abs has subgradient 0 at 0)
        var expected = new double[6];
        for (int i = 0; i < 6; i++)
        {
            int n = i / 3;
            double cross = 0;
            for (int j = n * 3; j < n * 3 + 3; j++) cross += up[j] * s[j];
            expected[i] = up[i] * k[n] * (Math.Abs(x[i]) <= 1 ? 1 : 0) + cross * Math.Sign(x[i]) / 3;
        }
        Equal(expected, grad, 1e-14, "gradient");
    }

    [Fact]
    public void Quantize_Spatial_KIsChannelMeanPerPosition()
    {
        // [1, 2, 1, 2]: channel 0 = [1, −3], channel 1 = [−1, 1] → K = [1, 2]
        double[] x = [1, -3, -1, 1];
        Equal([1, -2, -1, 2], Forward(new XnorActivation(), x, shape: [1, 2, 1, 2]));
    }

    [Fact]
    public void Quantize_NoScale_IsSign() => Equal([1, -1, 1], Forward(new XnorActivation(scale: false), [0.3, -5, 0], shape: [1, 3]));
}
