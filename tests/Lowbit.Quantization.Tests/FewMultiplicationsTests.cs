using Lowbit.Quantization;
using Lowbit.Tensors;
using static Lowbit.Quantization.Tests.QuantizerHarness;

namespace Lowbit.Quantization.Tests;

public class FewMultiplicationsBinaryTests
{
    [Fact]
    public void Quantize_W0FromDenseShape_IsHalfGlorotBound()
    {
        double w0 = Math.Sqrt(6.0 / (6 + 4)) / 2;
        var values = Forward(new FewMultiplicationsBinary(evalMode: "sign"), [0.1, -0.1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, -3], shape: [4, 6]);
        Assert.Equal(w0, values[0]);
        Assert.Equal(-w0, values[1]);
    }

    [Fact]
    public void Quantize_W0FromConvShape_UsesKernelFans()
    {
        // [out 2, in 3, 2, 2]: fan_in 12, fan_out 8
        var values = Forward(new FewMultiplicationsBinary(evalMode: "sign"), new double[24], shape: [2, 3, 2, 2]);
        Assert.Equal(Math.Sqrt(6.0 / 20) / 2, values[0]);
    }

    [Fact]
    public void Quantize_VectorWithoutW0_Throws() =>
        Assert.Throws<ArgumentException>("w", () => new FewMultiplicationsBinary().Quantize(Tensor.Zeros(DType.Float64, 3), Train(1)));

    [Fact]
    public void Quantize_Training_UnbiasedOnPlusMinusW0WithIdentityGradient()
    {
        const int N = 20000;
        var (values, grad) = Run(new FewMultiplicationsBinary(0.5), Enumerable.Repeat(0.15, N).ToArray(), Enumerable.Repeat(1.0, N).ToArray(), Train(9));
        Assert.All(values, v => Assert.True(Math.Abs(v) == 0.5));
        double sigma = 0.5 * Math.Sqrt(1 - 0.09) / Math.Sqrt(N);
        Assert.True(Math.Abs(values.Average() - 0.15) <= 5 * sigma, $"mean {values.Average()} (seed 9)");
        Assert.All(grad, g => Assert.Equal(1.0, g));
    }

    [Fact]
    public void Quantize_EvalReal_ReturnsInput() => Equal([0.3, -0.9], Forward(new FewMultiplicationsBinary(0.5), [0.3, -0.9]));
}

public class FewMultiplicationsTernaryTests
{
    [Fact]
    public void Quantize_Training_UnbiasedTernary()
    {
        const int N = 20000;
        var values = Forward(new FewMultiplicationsTernary(0.5), Enumerable.Repeat(-0.15, N).ToArray(), Train(4));
        Assert.All(values, v => Assert.Contains(v, new[] { -0.5, 0.0 }));
        double p = values.Count(v => v != 0) / (double)N;
        Assert.True(Math.Abs(p - 0.3) <= 5 * Math.Sqrt(0.3 * 0.7 / N), $"P(non-zero) {p} vs 0.3 (seed 4)");
        Assert.True(Math.Abs(values.Average() + 0.15) <= 5 * 0.5 * Math.Sqrt(0.3 * 0.7 / N));
    }

    [Fact]
    public void Quantize_OutsideRange_AlwaysNonZero() =>
        Equal([0.5, -0.5], Forward(new FewMultiplicationsTernary(0.5), [0.5, -2], Train(1)));

    [Fact]
    public void Quantize_EvalRound_ReferenceTable() =>
        Equal([0, 0.5, -0.5, 0, 0.5], Forward(new FewMultiplicationsTernary(0.5, "round"), [0, 0.25, -0.3, 0.2, 4]));
}

public class PowerOfTwoBackpropTests
{
    [Fact]
    public void Quantize_IsIdentity()
    {
        var (values, grad) = Run(new PowerOfTwoBackprop(), [0.3, -5]);
        Equal([0.3, -5], values);
        Equal([1, 2], grad);
    }

    [Fact]
    public void WeightGradientInput_Eval_IsNull() =>
        Assert.Null(new PowerOfTwoBackprop().WeightGradientInput(Tensor.Ones(2), QuantizerContext.Eval));

    [Fact]
    public void WeightGradientInput_PowersOfTwo_AreExactAndRangeSaturates()
    {
        var xq = new PowerOfTwoBackprop(-3, 0).WeightGradientInput(Input([0.25, -0.5, 1, 4, -3, 0]), Train(1))!;
        Equal([0.25, -0.5, 1, 1, -1, 0], xq.ToDoubleArray());
    }

    [Theory]
    [InlineData(0.3)]
    [InlineData(-0.7)]
    [InlineData(0.001)]
    public void WeightGradientInput_IsUnbiasedOnTwoNeighbouringLevels(double x)
    {
        const int N = 20000;
        var xq = new PowerOfTwoBackprop().WeightGradientInput(Input(Enumerable.Repeat(x, N).ToArray()), Train(5))!.ToDoubleArray();
        double a = Math.Abs(x);
        double lo = a < 1.0 / 256 ? 0 : Math.Pow(2, Math.Floor(Math.Log2(a))), hi = a < 1.0 / 256 ? 1.0 / 256 : 2 * lo;
        Assert.All(xq, v => Assert.True(Math.Abs(v) == lo || Math.Abs(v) == hi, $"{v} not ±{lo} or ±{hi}"));
        double sigma = (hi - lo) / 2 / Math.Sqrt(N);
        Assert.True(Math.Abs(xq.Average() - x) <= 5 * sigma, $"mean {xq.Average()} vs {x} (seed 5)");
    }

    [Fact]
    public void Linear_ForwardAndInputGradientExact_WeightGradientUsesQuantizedInput()
    {
        double[] x = [0.3, -0.6, 0.9, 0.1, 0.2, -0.5];          // [2, 3]
        double[] xq = [0.25, -0.5, 1, 0.125, 0.25, -0.5];       // a hand-chosen stand-in [2, 3]
        double[] w = [1, -2, 0.5, 0.25, 3, -1];                 // [2 out, 3 in]
        double[] b = [0.1, -0.2];
        double[] delta = [1, 2, -3, 0.5];                       // [2, 2]
        var xt = Input(x, [2, 3]);
        var wt = Input(w, [2, 3]);
        var bt = Input(b, [2]);
        var y = QuantizedBackprop.Linear(xt, Tensor.FromArray(xq, 2, 3), wt, bt);
        var yRef = Tensor.Linear(Tensor.FromArray(x, 2, 3), Tensor.FromArray(w, 2, 3), Tensor.FromArray(b, 2));
        Equal(yRef.ToDoubleArray(), y.ToDoubleArray(), 0, "forward");
        y.Backward(Tensor.FromArray(delta, 2, 2));
        var gx = new double[6];
        var gw = new double[6];
        for (int n = 0; n < 2; n++)
            for (int o = 0; o < 2; o++)
                for (int i = 0; i < 3; i++)
                {
                    gx[n * 3 + i] += delta[n * 2 + o] * w[o * 3 + i];
                    gw[o * 3 + i] += delta[n * 2 + o] * xq[n * 3 + i];
                }
        Equal(gx, xt.Grad!.ToDoubleArray(), 1e-15, "g_x = δ·W");
        Equal(gw, wt.Grad!.ToDoubleArray(), 1e-15, "g_W = δᵀ·x_q");
        Equal([1 - 3, 2 + 0.5], bt.Grad!.ToDoubleArray(), 1e-15, "g_b");
    }

    [Fact]
    public void Constructor_EmptyRange_Throws() => Assert.Throws<ArgumentOutOfRangeException>("maxExponent", () => new PowerOfTwoBackprop(0, -1));
}
