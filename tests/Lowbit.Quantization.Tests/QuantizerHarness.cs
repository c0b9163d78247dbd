using Lowbit.Quantization;
using Lowbit.Tensors;

namespace Lowbit.Quantization.Tests;

/// <summary>Runs a quantizer on Float64 data and returns forward values and the input gradient.</summary>
internal static class QuantizerHarness
{
    public static QuantizerContext Train(int seed) => new(true, new Random(seed));

    public static Tensor Input(double[] values, int[]? shape = null)
    {
        var t = Tensor.FromArray((double[])values.Clone(), shape ?? [values.Length]);
        t.RequiresGrad = true;
        return t;
    }

    public static double[] Forward(Quantizer q, double[] x, QuantizerContext? context = null, int[]? shape = null) =>
        q.Quantize(Input(x, shape), context ?? QuantizerContext.Eval).ToDoubleArray();

    /// <summary>Forward values and dL/dx for L = Σ q(x) ⊙ upstream (upstream defaults to 1, 2, 3, …).</summary>
    public static (double[] Values, double[] Grad) Run(Quantizer q, double[] x, double[]? upstream = null, QuantizerContext? context = null, int[]? shape = null)
    {
        var input = Input(x, shape);
        var y = q.Quantize(input, context ?? QuantizerContext.Eval);
        var g = upstream ?? Enumerable.Range(1, x.Length).Select(i => (double)i).ToArray();
        y.Backward(Tensor.FromArray((double[])g.Clone(), y.Shape.ToArray()));
        return (y.ToDoubleArray(), input.Grad?.ToDoubleArray() ?? new double[x.Length]);
    }

    public static void Equal(double[] expected, double[] actual, double tolerance = 0, string what = "value")
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            if (!(Math.Abs(expected[i] - actual[i]) <= tolerance))
                Assert.Fail($"{what} at index {i}: expected {expected[i]:R}, actual {actual[i]:R}, tolerance {tolerance}.");
    }

    public static double[] Upstream(int n) => Enumerable.Range(1, n).Select(i => (double)i).ToArray();
}
