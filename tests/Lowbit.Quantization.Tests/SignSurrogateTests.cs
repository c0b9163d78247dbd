using Lowbit.Quantization;
using static Lowbit.Quantization.Tests.QuantizerHarness;

namespace Lowbit.Quantization.Tests;

public class SwishSignTests
{
    private static double ClosedForm(double x, double b) => b * (2 - b * x * Math.Tanh(b * x / 2)) / (1 + Math.Cosh(b * x));

    [Theory]
    [InlineData(5.0)]
    [InlineData(1.0)]
    [InlineData(10.0)]
    public void Quantize_GradientEqualsClosedForm(double beta)
    {
        double[] x = [0, 0.01, -0.01, 0.2, -0.2, 0.5, -1, 1, 3, -3, 1000];
        var (values, grad) = Run(new SwishSign(beta), x);
        Equal(x.Select(v => v >= 0 ? 1.0 : -1.0).ToArray(), values);
        var expected = x.Select((v, i) => (i + 1) * ClosedForm(v, beta)).ToArray();
        expected[^1] = 0; // cosh overflows: the derivative is 0
        Equal(expected, grad, 1e-13, "SignSwish gradient"); // Derivatives: one exp instead of cosh and tanh
    }

    [Theory]
    [InlineData(1.0)]
    [InlineData(5.0)]
    [InlineData(10.0)]
    public void Derivatives_MatchScalarClosedFormOnAGrid(double beta)
    {
        // −3..3 in steps of 0.001 (through both zeros of 2 − βx·tanh(βx/2)), plus far tails and exact zero.
        var x = Enumerable.Range(-3000, 6001).Select(i => i / 1000.0).Concat([0.0, -0.0, 40, -40, 200, 1e6, -1e6]).ToArray();
        var d = new double[x.Length];
        SwishSign.Derivatives(x, beta, d);
        for (int i = 0; i < x.Length; i++)
        {
            double reference = SwishSign.Derivative(x[i], beta);
            Assert.True(Math.Abs(d[i] - reference) <= 1e-14 * beta + 1e-13 * Math.Abs(reference), $"x {x[i]} beta {beta}: {d[i]} vs closed form {reference}");
        }
        Assert.Equal(beta, d[3000]); // x = 0: exactly β
        Assert.Equal(0.0, d[^2]); // e underflows: 0
    }

    [Fact]
    public void Derivatives_ValueDoesNotDependOnPositionOrLength()
    {
        // Lanes and the padded tail go through the same operations: every length 0..9 and offset gives the same values.
        var rng = new Random(5);
        var x = Enumerable.Range(0, 9).Select(_ => rng.NextDouble() * 4 - 2).ToArray();
        var single = x.Select(v =>
        {
            var one = new double[1];
            SwishSign.Derivatives([v], 5, one);
            return one[0];
        }).ToArray();
        for (int start = 0; start < x.Length; start++)
            for (int length = 0; start + length <= x.Length; length++)
            {
                var d = new double[length];
                SwishSign.Derivatives(x.AsSpan(start, length), 5, d);
                Assert.Equal(single.AsSpan(start, length).ToArray(), d);
            }
        Assert.Throws<ArgumentException>("result", () => SwishSign.Derivatives(x, 5, new double[3]));
    }

    /// <summary>The float32 gradient (slopes computed in backward, in blocks) equals g times the stored float slopes, bit for bit.</summary>
    [Theory]
    [InlineData(1)]
    [InlineData(255)]
    [InlineData(257)]
    [InlineData(1000)]
    public void Quantize_Float32Gradient_EqualsStoredSlopesBitForBit(int n)
    {
        var rng = new Random(n);
        var xs = Enumerable.Range(0, n).Select(_ => (float)(rng.NextDouble() * 4 - 2)).ToArray();
        var gs = Enumerable.Range(0, n).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
        var x = Lowbit.Tensors.Tensor.FromArray(xs, n);
        x.RequiresGrad = true;
        var y = new SwishSign(5).Quantize(x, QuantizerContext.Eval with { Training = true });
        Lowbit.Tensors.Tensor.Sum(Lowbit.Tensors.Tensor.Mul(y, Lowbit.Tensors.Tensor.FromArray(gs, n))).Backward();
        var slopes = new double[n];
        SwishSign.Derivatives(xs.Select(v => (double)v).ToArray(), 5, slopes);
        var grad = x.Grad!.ToArray();
        for (int i = 0; i < n; i++)
        {
            float expected = gs[i] * (float)slopes[i];
            Assert.True(BitConverter.SingleToInt32Bits(expected) == BitConverter.SingleToInt32Bits(grad[i]), $"element {i} of {n}: expected {expected:R}, actual {grad[i]:R}");
        }
    }

    [Fact]
    public void Derivative_AtZero_IsBeta() => Assert.Equal(5.0, SwishSign.Derivative(0, 5.0));

    [Theory]
    [InlineData(0.0)]
    [InlineData(0.13)]
    [InlineData(-0.4)]
    [InlineData(0.9)]
    public void Derivative_MatchesFiniteDifferenceOfSignSwish(double x)
    {
        // SS_β(x) = 2σ(βx)(1 + βx(1 − σ(βx))) − 1, an independent form of the surrogate.
        const double Beta = 5;
        static double Ss(double v)
        {
            double s = 1 / (1 + Math.Exp(-Beta * v));
            return 2 * s * (1 + Beta * v * (1 - s)) - 1;
        }
        double h = 1e-6;
        double numeric = (Ss(x + h) - Ss(x - h)) / (2 * h);
        Assert.True(Math.Abs(numeric - SwishSign.Derivative(x, Beta)) < 1e-7, $"x {x}: numeric {numeric}, closed form {SwishSign.Derivative(x, Beta)}");
    }

    [Fact]
    public void Constructor_BadBeta_Throws() => Assert.Throws<ArgumentOutOfRangeException>("beta", () => new SwishSign(0));
}

public class ApproxSignTests
{
    [Fact]
    public void Quantize_ReferenceTable()
    {
        double[] x = [0, 0.25, -0.25, 0.5, 1, -1, 1.5, -2];
        var (values, grad) = Run(new ApproxSign(), x, Enumerable.Repeat(1.0, x.Length).ToArray());
        Equal([1, 1, -1, 1, 1, -1, 1, -1], values);
        Equal([2, 1.5, 1.5, 1, 0, 0, 0, 0], grad, 0, "2 − 2|x| inside |x| ≤ 1");
    }
}
