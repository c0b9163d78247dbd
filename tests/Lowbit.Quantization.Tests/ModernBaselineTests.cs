using Lowbit.Quantization;
using Lowbit.Tensors;
using static Lowbit.Quantization.Tests.QuantizerHarness;

namespace Lowbit.Quantization.Tests;

public class TernaryThresholdTests
{
    [Fact]
    public void Quantize_ReferenceTable()
    {
        // mean|w| = 3/6 = 0.5 → Δ = 0.35; |w| > Δ: 0.5, 0.9, 1.3 → α = 0.9
        double[] w = [0.1, -0.5, 0.9, -1.3, 0, 0.35];
        var (values, grad) = Run(new TernaryThreshold(), w);
        Equal([0, -0.9, 0.9, -0.9, 0, 0], values, 1e-15);
        Equal(Upstream(6), grad);
    }

    [Fact]
    public void Quantize_PerChannel_ReferenceTable()
    {
        // row 0: mean 0.5, Δ 0.35, α = mean(0.6, 0.8) = 0.7; row 1: mean 2, Δ 1.4, α = mean(3, 2, 2) = 7/3
        double[] w = [0.6, -0.1, -0.8, 0, 1, 3, -2, 2];
        Equal([0.7, 0, -0.7, 0, 0, 7.0 / 3, -7.0 / 3, 7.0 / 3], Forward(new TernaryThreshold(perChannel: true), w, shape: [2, 4]), 1e-15);
    }

    [Fact]
    public void Quantize_Properties()
    {
        var rng = new Random(8);
        var w = Enumerable.Range(0, 300).Select(_ => rng.NextDouble() * 2 - 1).Order().ToArray();
        var q = new TernaryThreshold();
        var values = Forward(q, w);
        Assert.True(values.Distinct().Count() <= 3);
        Equal(values, Forward(q, values), 1e-14, "idempotence (α is recomputed as a mean: rounding only)");
        for (int i = 1; i < w.Length; i++) Assert.True(values[i] >= values[i - 1]);
        Equal(values.Select(v => -v).Reverse().ToArray(), Forward(q, w.Select(v => -v).Reverse().ToArray()), 1e-15, "odd symmetry");
    }

    [Fact]
    public void Quantize_AllZero_GivesZero() => Equal([0, 0], Forward(new TernaryThreshold(), [0, 0]));
}

public class PactTests
{
    [Fact]
    public void Quantize_TwoBits_ReferenceTableAndClosedFormGradients()
    {
        var q = new Pact(2, alpha: 3);
        q.ConvertTo(DType.Float64);
        // step α/3 = 1; 0.5 is a tie → 1
        double[] x = [-1, 0, 0.5, 1.4, 2.9, 3, 5];
        double[] up = [1, 2, 3, 4, 5, 6, 7];
        var (values, grad) = Run(q, x, up);
        Equal([0, 0, 1, 1, 3, 3, 3], values, 1e-15);
        Equal([0, 2, 3, 4, 5, 0, 0], grad, 0, "g_x = g·1[0 ≤ x < α]");
        Assert.Equal(6 + 7, q.Alpha.Grad!.GetFlat(0));
    }

    [Fact]
    public void Quantize_Properties()
    {
        var q = new Pact(3, alpha: 2);
        q.ConvertTo(DType.Float64);
        var rng = new Random(2);
        var x = Enumerable.Range(0, 300).Select(_ => rng.NextDouble() * 3 - 0.5).Order().ToArray();
        var values = Forward(q, x);
        Assert.True(values.Distinct().Count() <= 8);
        Equal(values, Forward(q, values), 1e-15, "idempotence");
        for (int i = 1; i < x.Length; i++) Assert.True(values[i] >= values[i - 1]);
    }

    [Fact]
    public void Quantize_TypeMismatch_Throws() =>
        Assert.Throws<ArgumentException>("x", () => new Pact().Quantize(Tensor.Zeros(DType.Float64, 2), QuantizerContext.Eval));

    [Fact]
    public void Quantize_NonPositiveAlpha_Throws()
    {
        var q = new Pact();
        q.Alpha.SetFlat(0, -1);
        Assert.Throws<InvalidOperationException>(() => q.Quantize(Tensor.Zeros(2), QuantizerContext.Eval));
    }
}

public class LsqQuantizerTests
{
    [Fact]
    public void Quantize_Signed2Bit_ReferenceTableAndClosedFormGradients()
    {
        var q = new LsqQuantizer(2, step: 0.5); // Q_N = 2, Q_P = 1: levels {−1, −0.5, 0, 0.5}
        q.ConvertTo(DType.Float64);
        double[] x = [-2, -1, -0.3, 0.25, 0.1, 0.5, 3];
        double[] up = [1, 2, 3, 4, 5, 6, 7];
        var (values, grad) = Run(q, x, up);
        Equal([-1, -1, -0.5, 0.5, 0, 0.5, 0.5], values, 1e-15);
        Equal([0, 0, 3, 4, 5, 0, 0], grad, 0, "g_x = g·1[−Q_N < v/s < Q_P]");
        // ∂q/∂s: −2, −2, round(−0.6) + 0.6 = −0.4, 1 − 0.5 = 0.5, −0.2, 1, 1
        double expected = (1 * -2 + 2 * -2 + 3 * -0.4 + 4 * 0.5 + 5 * -0.2 + 6 * 1 + 7 * 1) / Math.Sqrt(7 * 1);
        Assert.Equal(expected, q.Step.Grad!.GetFlat(0), 12);
    }

    [Fact]
    public void Quantize_FirstUse_InitialisesStepFromMeanAbs()
    {
        var q = new LsqQuantizer(3); // Q_P = 3
        q.ConvertTo(DType.Float64);
        Forward(q, [0.5, -1, 1.5, -3]);
        Assert.Equal(2 * 1.5 / Math.Sqrt(3), q.Step.GetFlat(0), 15);
        q.Step.SetFlat(0, 0.7);
        Forward(q, [10, 20]);
        Assert.Equal(0.7, q.Step.GetFlat(0));
    }

    [Fact]
    public void Quantize_UnsignedActivation_GradScaleUsesFeaturesPerSample()
    {
        var q = new LsqQuantizer(2, signed: false, role: "activation", step: 1); // Q_P = 3
        q.ConvertTo(DType.Float64);
        var (values, _) = Run(q, [-1, 0.4, 2.6, 5, 1.5, 1], [1, 1, 1, 1, 1, 1], shape: [2, 3]);
        Equal([0, 0, 3, 3, 2, 1], values);
        // ∂q/∂s: 0 (r ≤ −Q_N = 0), 0 − 0.4, 3 − 2.6, 3, 2 − 1.5, 1 − 1; N = 3 features
        Assert.Equal((-0.4 + 0.4 + 3 + 0.5) / Math.Sqrt(3 * 3), q.Step.Grad!.GetFlat(0), 12);
    }

    [Fact]
    public void Quantize_PerChannel_OneStepPerRow()
    {
        var q = new LsqQuantizer(3, perChannel: true, channels: 2);
        q.ConvertTo(DType.Float64);
        Forward(q, [0.3, -0.3, 3, -3], shape: [2, 2]);
        Equal([2 * 0.3 / Math.Sqrt(3), 2 * 3 / Math.Sqrt(3)], q.Step.ToDoubleArray(), 1e-15);
    }

    [Theory]
    [InlineData(2, true)]
    [InlineData(4, true)]
    [InlineData(2, false)]
    public void Quantize_Properties(int bits, bool signed)
    {
        var q = new LsqQuantizer(bits, signed, step: 0.25);
        q.ConvertTo(DType.Float64);
        var rng = new Random(bits);
        var x = Enumerable.Range(0, 300).Select(_ => rng.NextDouble() * 6 - 3).Order().ToArray();
        var values = Forward(q, x);
        Assert.True(values.Distinct().Count() <= 1 << bits);
        Equal(values, Forward(q, values), 1e-15, "idempotence");
        for (int i = 1; i < x.Length; i++) Assert.True(values[i] >= values[i - 1]);
    }

    [Fact]
    public void Constructor_PerChannelActivation_Throws() =>
        Assert.Throws<ArgumentOutOfRangeException>("perChannel", () => new LsqQuantizer(role: "activation", perChannel: true, channels: 2));
}
