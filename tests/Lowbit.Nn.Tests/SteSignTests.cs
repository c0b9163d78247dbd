using Lowbit.Quantization;
using Lowbit.Tensors;

namespace Lowbit.Nn.Tests;

public class SteSignTests
{
    [Theory]
    [InlineData(0.0, 1.0, 1.0)]
    [InlineData(1e-7, 1.0, 1.0)]
    [InlineData(-1e-7, -1.0, 1.0)]
    [InlineData(1.0, 1.0, 1.0)]
    [InlineData(-1.0, -1.0, 1.0)]
    [InlineData(1.0000001, 1.0, 0.0)]
    [InlineData(-3.0, -1.0, 0.0)]
    public void Quantize_ReferenceTable(double x, double expected, double expectedGrad)
    {
        var t = Tensor.FromArray(new double[] { x }, 1);
        t.RequiresGrad = true;
        var q = new SteSign().Quantize(t, QuantizerContext.Eval);
        Assert.Equal(expected, q.GetFlat(0));
        Tensor.Sum(q).Backward();
        Assert.Equal(expectedGrad, t.Grad!.GetFlat(0));
    }

    [Fact]
    public void Quantize_NegativeZero_IsPlusOne()
    {
        var q = new SteSign().Quantize(Tensor.FromArray(new float[] { -0f }, 1), QuantizerContext.Eval);
        Assert.Equal(1f, q.ToArray()[0]);
    }

    [Fact]
    public void Backward_EqualsClosedFormExactly_OnRandomInputs()
    {
        var rng = new Random(11);
        var x = Tensor.RandomUniform(rng, -3, 3, [1000]);
        x.RequiresGrad = true;
        var upstream = Tensor.RandomUniform(rng, -1, 1, [1000]);
        var q = new SteSign(clip: 1.5).Quantize(x, QuantizerContext.Eval);
        Tensor.Sum(Tensor.Mul(q, upstream)).Backward();
        var g = x.Grad!.ToArray();
        var xs = x.ToArray();
        var us = upstream.ToArray();
        for (int i = 0; i < xs.Length; i++)
        {
            float expected = MathF.Abs(xs[i]) <= 1.5f ? us[i] : 0f;
            Assert.True(g[i] == expected, $"index {i}: x={xs[i]}, grad {g[i]}, expected {expected}");
            Assert.Equal(xs[i] >= 0 ? 1f : -1f, q.ToArray()[i]);
        }
    }

    [Fact]
    public void Registry_UnknownQuantizerAndOption_AreErrors()
    {
        var e1 = Assert.Throws<QuantizerConfigException>(() => QuantizerRegistry.Create("no_such"));
        Assert.Contains("ste_sign", e1.Message);
        var e2 = Assert.Throws<QuantizerConfigException>(() => QuantizerRegistry.Create(new QuantizerSpec("ste_sign", new Dictionary<string, object> { ["clipp"] = 1.0 })));
        Assert.Contains("clipp", e2.Message);
        Assert.Throws<QuantizerConfigException>(() => QuantizerRegistry.Create(new QuantizerSpec("ste_sign", new Dictionary<string, object> { ["clip"] = -1.0 })));
    }
}
