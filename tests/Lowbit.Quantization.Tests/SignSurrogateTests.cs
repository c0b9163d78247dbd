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
        Equal(expected, grad, 0, "SignSwish gradient");
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
