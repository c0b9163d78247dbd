using Lowbit.Nn;
using Lowbit.Tensors;
using Lowbit.Training.Optimizers;

namespace Lowbit.Training.Tests;

public class ShiftAdaMaxTests
{
    private static (Parameter P, List<(string, Parameter)> List) One(float value)
    {
        var p = new Parameter(Tensor.FromArray(new[] { value }, 1));
        return (p, [("w", p)]);
    }

    [Fact]
    public void Step_Defaults_TwoStepsByHand()
    {
        var (p, list) = One(1f);
        var opt = new ShiftAdaMax(list);
        p.Value.Grad = Tensor.FromArray(new[] { 0.5f }, 1);
        opt.Step();
        // m = 2^−3·0.5 = 2^−4; v = 0.5; AP2(2^−10/(1 − 0.875)) = 2^−7; AP2(1/0.5) = 2 → Δ = 2^−7·2^−4·2 = 2^−10
        Assert.Equal(1 - Math.Pow(2, -10), p.Value.GetFlat(0));
        p.Value.Grad = Tensor.FromArray(new[] { -0.25f }, 1);
        opt.Step();
        // m = 0.875·2^−4 − 2^−3·0.25 = 0.0234375; v = 0.5·(1 − 2^−10) = 0.49951…; AP2(1/v) = 2;
        // AP2(2^−10/(1 − 0.875²)) = AP2(0.0041667) = 2^−8 → Δ = 2^−8·0.0234375·2
        double expected = 1 - Math.Pow(2, -10) - Math.Pow(2, -8) * 0.0234375 * 2;
        Assert.True(Math.Abs(p.Value.GetFlat(0) - expected) < 1e-7, $"{p.Value.GetFlat(0)} vs {expected}");
    }

    [Fact]
    public void Step_MatchesDoubleReferenceAndStepsArePowersOfTwoTimesM()
    {
        var rng = new Random(6);
        var init = Enumerable.Range(0, 50).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
        var p = new Parameter(Tensor.FromArray((float[])init.Clone(), 50));
        var opt = new ShiftAdaMax([("w", p)], learningRate: 0.01);
        double[] w = init.Select(v => (double)v).ToArray(), m = new double[50], v2 = new double[50];
        for (int t = 1; t <= 5; t++)
        {
            var g = Enumerable.Range(0, 50).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
            p.Value.Grad = Tensor.FromArray(g, 50);
            opt.Step();
            double step = Pow2(0.01 / (1 - Math.Pow(0.875, t)));
            for (int i = 0; i < 50; i++)
            {
                m[i] = 0.875 * m[i] + 0.125 * g[i];
                v2[i] = Math.Max((1 - 1.0 / 1024) * v2[i], Math.Abs(g[i]));
                w[i] -= step * m[i] * Pow2(1 / (v2[i] + 1e-8));
                Assert.True(Math.Abs(p.Value.GetFlat(i) - w[i]) < 1e-5, $"step {t} index {i}: {p.Value.GetFlat(i)} vs {w[i]} (seed 6)");
            }
        }
    }

    private static double Pow2(double x) => Math.Pow(2, Math.Round(Math.Log2(x), MidpointRounding.AwayFromZero));

    [Fact]
    public void Constructor_BadBeta_Throws()
    {
        var (_, list) = One(0f);
        Assert.Throws<ArgumentOutOfRangeException>("beta1", () => new ShiftAdaMax(list, beta1: 1));
    }
}
