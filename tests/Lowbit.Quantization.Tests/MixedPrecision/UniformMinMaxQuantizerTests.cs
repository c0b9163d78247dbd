using Lowbit.Quantization.MixedPrecision;
using Lowbit.Tensors;

namespace Lowbit.Quantization.Tests.MixedPrecision;

public class UniformMinMaxQuantizerTests
{
    [Fact]
    public void Quantize_HandExampleTwoBits_RoundHalfAwayAndIdentityGradient()
    {
        // min −1, max 2, Δ = 1: 0.5 → (1.5 → 2) → 1.
        var (values, grad) = QuantizerHarness.Run(new UniformMinMaxQuantizer(2), [-1, 0, 0.5, 2, 0.4]);
        QuantizerHarness.Equal([-1, 0, 1, 2, 0], values, 1e-15);
        QuantizerHarness.Equal(QuantizerHarness.Upstream(5), grad, 0, "gradient");
    }

    [Fact]
    public void Quantize_Constant_ReturnsInput()
    {
        QuantizerHarness.Equal([0.3, 0.3], QuantizerHarness.Forward(new UniformMinMaxQuantizer(3), [0.3, 0.3]), 0);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(4)]
    public void Quantize_Random_WithinHalfStepAtMostTwoToTheKLevelsIdempotent(int bits)
    {
        var x = MixedPrecisionReference.Normal(new Random(bits), 500);
        var q = new UniformMinMaxQuantizer(bits);
        var values = QuantizerHarness.Forward(q, x);
        double step = (x.Max() - x.Min()) / ((1 << bits) - 1);
        for (int i = 0; i < x.Length; i++) Assert.True(Math.Abs(values[i] - x[i]) <= step / 2 + 1e-12, $"index {i}");
        Assert.True(values.Distinct().Count() <= 1 << bits);
        QuantizerHarness.Equal(values, QuantizerHarness.Forward(q, values), 1e-12, "q(q(x))");
    }

    [Fact]
    public void Codes_Gaussian_UnbalancedUnlikeBalancedQuantization()
    {
        // The comparison BQ motivates: on bell-shaped data the outer uniform codes are rare.
        var x = MixedPrecisionReference.Normal(new Random(12), 10_000);
        var t = Tensor.FromArray(x, x.Length);
        var uniform = new UniformMinMaxQuantizer(2).Codes(t);
        var balanced = new BalancedQuantizer(2).Codes(t);
        Assert.True(uniform.Count(c => c == 0) < 0.05 * x.Length);
        Assert.Equal(2500, balanced.Count(c => c == 0));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(8)]
    public void Quantize_Float32Path_EqualsDoublePathRoundedOnce(int bits)
    {
        // The float32 fast path must give exactly float(q) of the double reference on the same values.
        var rng = new Random(bits);
        var x = Enumerable.Range(0, 1037).Select(_ => (double)(float)(rng.NextDouble() * 3 - 1)).ToArray();
        var q = new UniformMinMaxQuantizer(bits);
        var reference = QuantizerHarness.Forward(q, x);
        var f = Tensor.FromArray(x.Select(v => (float)v).ToArray(), x.Length);
        var fast = q.Quantize(f, new Lowbit.Quantization.QuantizerContext(true, null)).ToArray();
        for (int i = 0; i < x.Length; i++) Assert.Equal((float)reference[i], fast[i]);
    }

    [Fact]
    public void VectorPath_EqualsScalarPath_OnHalfSteps()
    {
        // Values on and beside every half step of a 4-bit grid on [−1.5, 6] (ties round away from zero, i.e. up here),
        // plus spread values, with a tail that is not a whole vector block.
        var grid = Enumerable.Range(0, 31).Select(j => -1.5f + j * 0.25f).ToList();
        var x = grid.SelectMany(g => new[] { g, MathF.BitDecrement(g), MathF.BitIncrement(g) }).Concat(new[] { 6f, -1.5f }).ToArray();
        double min = -1.5, step = 7.5 / 15;
        var scalar = new float[x.Length];
        var vector = new float[x.Length];
        UniformMinMaxQuantizer.QuantizeScalar(x, scalar, min, step);
        int done = UniformMinMaxQuantizer.QuantizeVector256(x, vector, min, step);
        Assert.Equal(x.Length / 8 * 8, done);
        for (int i = 0; i < done; i++) Assert.True(scalar[i].Equals(vector[i]), $"x[{i}] = {x[i]}: scalar {scalar[i]}, vector {vector[i]}");
    }

    [Fact]
    public void Quantize_Float32NaN_ThrowsNamingTheIndex()
    {
        var f = Tensor.FromArray(new[] { 0.5f, float.NaN, 1f }, 3);
        var e = Assert.Throws<ArgumentException>(() => new UniformMinMaxQuantizer(2).Quantize(f, new Lowbit.Quantization.QuantizerContext(true, null)));
        Assert.Contains("flat index 1", e.Message);
    }
}
