using Lowbit.Quantization;
using Lowbit.Tensors;
using Lowbit.Testing;
using static Lowbit.Quantization.Tests.QuantizerHarness;

namespace Lowbit.Quantization.Tests;

public class BnnPlusWeightTests
{
    [Fact]
    public void Quantize_GivenAlpha_ForwardAndClosedFormGradients()
    {
        var q = new BnnPlusWeight(beta: 5, alpha: 0.5);
        q.ConvertTo(DType.Float64);
        double[] w = [0, -0.1, 0.3, -2];
        double[] up = [1, 2, 3, 4];
        var (values, grad) = Run(q, w, up);
        Equal([0.5, -0.5, 0.5, -0.5], values);
        Equal(w.Select((v, i) => up[i] * 0.5 * SwishSign.Derivative(v, 5)).ToArray(), grad, 1e-13, "g_w = g·α·SS'"); // vectorised SS' (SwishSignTests)
        Assert.Equal(1 - 2 + 3 - 4, q.Alpha.Grad!.GetFlat(0));
    }

    [Fact]
    public void Quantize_Float32_MatchesElementwiseReference()
    {
        // Float32 path (blocks of 4,096 weights) against a plain per-element evaluation of the same formulas:
        // 3 channels of 5,000 (groups straddle the blocks), weights including exact zeros.
        const int channels = 3, size = 5000;
        var rng = new Random(4);
        var w = Enumerable.Range(0, channels * size).Select(i => i % 997 == 0 ? 0f : (float)(rng.NextDouble() * 2 - 1)).ToArray();
        var up = Enumerable.Range(0, w.Length).Select(_ => (float)(rng.NextDouble() - 0.5)).ToArray();
        var q = new BnnPlusWeight(beta: 5, perChannel: true, channels: channels);
        var input = Tensor.FromArray((float[])w.Clone(), channels, size);
        input.RequiresGrad = true;
        var y = q.Quantize(input, QuantizerContext.Eval);
        y.Backward(Tensor.FromArray((float[])up.Clone(), channels, size));
        var alpha = q.Alpha.ToDoubleArray();
        var values = y.ToArray();
        var grad = input.Grad!.ToArray();
        var gAlpha = q.Alpha.Grad!.ToDoubleArray();
        for (int c = 0; c < channels; c++)
        {
            Assert.Equal(w.Skip(c * size).Take(size).Select(v => (double)Math.Abs(v)).Average(), alpha[c], 6); // α init = mean|W|
            double sum = 0;
            for (int i = c * size; i < (c + 1) * size; i++)
            {
                Assert.Equal((float)(alpha[c] * (w[i] >= 0 ? 1 : -1)), values[i]);
                float expected = (float)(up[i] * alpha[c] * SwishSign.Derivative(w[i], 5));
                Assert.True(Math.Abs(grad[i] - expected) <= 1e-6f * Math.Abs(expected) + 1e-12f, $"g_w[{i}] {grad[i]} vs {expected}");
                sum += up[i] * (double)(w[i] >= 0 ? 1 : -1);
            }
            Assert.True(Math.Abs(sum - gAlpha[c]) <= 1e-6 * Math.Abs(sum) + 1e-9, $"g_α[{c}] {gAlpha[c]} vs {sum}"); // float32 α; lane sums
        }
    }

    [Fact]
    public void Quantize_PerChannel_InitialisesAlphaFromMeanAbsAndSumsPerChannel()
    {
        var q = new BnnPlusWeight(perChannel: true, channels: 2);
        q.ConvertTo(DType.Float64);
        double[] w = [0.2, -0.4, 1, -3];
        var (values, _) = Run(q, w, [1, 1, 1, 2], shape: [2, 2]);
        Equal([0.3, -0.3, 2, -2], values, 1e-15);
        Equal([0.3, 2], q.Alpha.ToDoubleArray(), 1e-15, "α init = mean|W| per channel");
        Equal([0, -1], q.Alpha.Grad!.ToDoubleArray(), 0, "g_α");
    }

    [Fact]
    public void Quantize_ChannelMismatch_Throws()
    {
        var q = new BnnPlusWeight(perChannel: true, channels: 3);
        q.ConvertTo(DType.Float64);
        Assert.Throws<ArgumentException>("w", () => q.Quantize(Input([1, 2, 3, 4], [2, 2]), QuantizerContext.Eval));
    }

    [Theory]
    [InlineData("l2")]
    [InlineData("l1")]
    public void Regularization_MatchesHandValueAndFiniteDifferences(string kind)
    {
        var q = new BnnPlusWeight(perChannel: true, channels: 2, alpha: 0.5, regularizer: kind, lambda: 0.1);
        q.ConvertTo(DType.Float64);
        var w = Input([0.2, -0.9, 0.7, -0.35, 1.3, 0.05], [2, 3]);
        // α = 0.5 both channels: gaps α − |w| = 0.3, −0.4, −0.2, 0.15, −0.8, 0.45
        double[] gaps = [0.3, -0.4, -0.2, 0.15, -0.8, 0.45];
        double expected = 0.1 * gaps.Sum(g => kind == "l2" ? g * g : Math.Abs(g));
        Assert.Equal(expected, q.Regularization(w)!.Item(), 12);
        GradCheck.Check(t => q.Regularization(t[0])!, [w, q.Alpha]);
    }

    [Fact]
    public void Regularization_None_ReturnsNull() =>
        Assert.Null(new BnnPlusWeight(regularizer: "none").Regularization(Tensor.Ones(2, 2)));

    [Theory]
    [InlineData("regularizer")]
    [InlineData("lambda")]
    [InlineData("channels")]
    public void Constructor_BadOption_Throws(string option)
    {
        Action a = option switch
        {
            "regularizer" => () => _ = new BnnPlusWeight(regularizer: "l3"),
            "lambda" => () => _ = new BnnPlusWeight(lambda: -1),
            _ => () => _ = new BnnPlusWeight(perChannel: true),
        };
        Assert.Throws<ArgumentOutOfRangeException>(option, a);
    }
}
