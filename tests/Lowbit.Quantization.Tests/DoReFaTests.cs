using Lowbit.Quantization;
using Lowbit.Tensors;
using Lowbit.Testing;
using static Lowbit.Quantization.Tests.QuantizerHarness;

namespace Lowbit.Quantization.Tests;

public class DoReFaWeightTests
{
    [Fact]
    public void Quantize_OneBit_SignTimesMeanAbsIdentityGradient()
    {
        double[] w = [0.5, -1, 0, -4.5]; // E = 6/4 = 1.5
        var (values, grad) = Run(new DoReFaWeight(1), w);
        Equal([1.5, -1.5, 1.5, -1.5], values);
        Equal([1, 2, 3, 4], grad);
    }

    [Fact]
    public void Quantize_TwoBits_ReferenceTable()
    {
        // a with tanh(a) = 0.9 is the max: u(a) = 1 → 1, u(−a) = 0 → −1, u(0) = 1/2 → 3/2 rounds away to 2 → 1/3.
        double a = Math.Atanh(0.9);
        double b = Math.Atanh(0.3); // u = 0.3/1.8 + 0.5 = 2/3 → 3u = 2 → 1/3
        double c = Math.Atanh(-0.6); // u = −0.6/1.8 + 0.5 = 1/6 → 0.5 → rounds away to 1 → −1/3
        var values = Forward(new DoReFaWeight(2), [0, a, -a, b, c]);
        Equal([1.0 / 3, 1, -1, 1.0 / 3, -1.0 / 3], values, 1e-15);
    }

    [Fact]
    public void Normalize_MatchesFiniteDifferences()
    {
        var w = GradCheck.Input(new Random(5), [3, 4], -1.5, 1.5);
        GradCheck.Check(t => DoReFaWeight.Normalize(t[0], 1), [w]);
        GradCheck.Check(t => DoReFaWeight.Normalize(t[0], 3), [w]);
    }

    [Fact]
    public void Quantize_TwoBits_GradientIsTwiceTheNormalisationGradient()
    {
        double[] w = [0.3, -0.8, 1.2, 0.05, -0.4, 0.9];
        var (_, grad) = Run(new DoReFaWeight(2), w);
        var x = Input(w);
        var u = DoReFaWeight.Normalize(x, 1);
        Tensor.Sum(Tensor.Mul(Tensor.MulScalar(u, 2), Tensor.FromArray(Upstream(6), 6))).Backward();
        Equal(x.Grad!.ToDoubleArray(), grad, 0, "STE through quantize_k only");
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public void Quantize_LevelSetAndMonotone(int bits)
    {
        var rng = new Random(11);
        var w = Enumerable.Range(0, 500).Select(_ => rng.NextDouble() * 4 - 2).Order().ToArray();
        var values = Forward(new DoReFaWeight(bits), w);
        Assert.True(values.Distinct().Count() <= 1 << bits);
        for (int i = 1; i < values.Length; i++) Assert.True(values[i] >= values[i - 1], $"not monotone at {i} (seed 11)");
        Assert.All(values, v => Assert.InRange(v, -1, 1));
    }

    [Fact]
    public void Constructor_BadBits_Throws() => Assert.Throws<ArgumentOutOfRangeException>("bits", () => new DoReFaWeight(0));
}

public class DoReFaActivationTests
{
    [Fact]
    public void Quantize_TwoBits_ReferenceTable()
    {
        // levels {0, 1/3, 2/3, 1}; 0.5 → 3·0.5 = 1.5 is a tie → away from zero → 2/3
        double[] x = [-0.5, 0, 0.1, 0.5, 0.7, 1, 1.2];
        var (values, grad) = Run(new DoReFaActivation(2), x, Enumerable.Repeat(1.0, x.Length).ToArray());
        Equal([0, 0, 0, 2.0 / 3, 2.0 / 3, 1, 1], values, 1e-15);
        Equal([0, 1, 1, 1, 1, 1, 0], grad, 0, "1[0 ≤ x ≤ 1]");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(4)]
    public void Quantize_Properties(int bits)
    {
        var rng = new Random(bits);
        var x = Enumerable.Range(0, 400).Select(_ => rng.NextDouble() * 1.6 - 0.3).Order().ToArray();
        var q = new DoReFaActivation(bits);
        var values = Forward(q, x);
        double step = 1 / (Math.Pow(2, bits) - 1);
        Assert.True(values.Distinct().Count() <= 1 << bits);
        Equal(values, Forward(q, values), 1e-15, "idempotence");
        for (int i = 0; i < x.Length; i++)
        {
            if (i > 0) Assert.True(values[i] >= values[i - 1], $"monotone at {i}");
            if (x[i] >= 0 && x[i] <= 1) Assert.True(Math.Abs(values[i] - x[i]) <= step / 2 + 1e-15, $"|q − x| ≤ step/2 at {x[i]}");
        }
    }
}

public class DoReFaGradientTests
{
    [Fact]
    public void Quantize_Forward_IsIdentity() => Equal([0.3, -2], Forward(new DoReFaGradient(), [0.3, -2], Train(1)));

    [Fact]
    public void Quantize_Eval_PassesGradientUnchanged()
    {
        var (_, grad) = Run(new DoReFaGradient(2), [1, 2, 3], [0.3, -0.1, 0.7]);
        Equal([0.3, -0.1, 0.7], grad);
    }

    [Fact]
    public void Quantize_Training_GradientIsUnbiasedOnLevelsAndKeepsTheMax()
    {
        const int Rows = 20000;
        double[] row = [0.3, -0.7, 1.0, 0.05, 0];
        var up = Enumerable.Range(0, Rows).SelectMany(_ => row).ToArray();
        var (_, grad) = Run(new DoReFaGradient(2), new double[up.Length], up, Train(7), [Rows, row.Length]);
        double m = 1.0, step = 2 * m / 3;
        for (int j = 0; j < row.Length; j++)
        {
            double mean = 0;
            for (int r = 0; r < Rows; r++)
            {
                double v = grad[r * row.Length + j];
                double level = (v / (2 * m) + 0.5) * 3;
                Assert.True(Math.Abs(level - Math.Round(level)) < 1e-9, $"row {r} col {j}: {v} not on the 2-bit grid (seed 7)");
                mean += v / Rows;
            }
            Assert.True(Math.Abs(mean - row[j]) <= 5 * step / 2 / Math.Sqrt(Rows), $"column {j}: mean {mean} vs {row[j]} (seed 7)");
        }
        for (int r = 0; r < Rows; r++) Assert.Equal(1.0, grad[r * row.Length + 2], 12);
    }

    [Fact]
    public void QuantizeGradient_ZeroRow_StaysZero()
    {
        var g = DoReFaGradient.QuantizeGradient(Tensor.FromArray(new double[] { 0, 0, 1, -1 }, 2, 2), 3, new Random(1));
        Equal([0, 0, 1, -1], g.ToDoubleArray(), 1e-15);
    }
}
