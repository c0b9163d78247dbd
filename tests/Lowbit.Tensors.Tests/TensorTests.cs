using Lowbit.Tensors;
using Lowbit.Tensors.Autograd;

namespace Lowbit.Tensors.Tests;

public class TensorTests
{
    [Fact]
    public void Add_BroadcastRowVector_HandValues()
    {
        var a = Tensor.FromArray(new float[] { 1, 2, 3, 4, 5, 6 }, 2, 3);
        var b = Tensor.FromArray(new float[] { 10, 20, 30 }, 3);
        Assert.Equal(new float[] { 11, 22, 33, 14, 25, 36 }, (a + b).ToArray());
        var col = Tensor.FromArray(new float[] { 100, 200 }, 2, 1);
        Assert.Equal(new float[] { 101, 102, 103, 204, 205, 206 }, (a + col).ToArray());
        Assert.Equal(new float[] { -99, -98, -97, -196, -195, -194 }, (a - col).ToArray());
        Assert.Equal(new float[] { 99, 98, 97, 196, 195, 194 }, (col - a).ToArray());
    }

    [Fact]
    public void Broadcast_IncompatibleShapes_ThrowsNamingBoth()
    {
        var a = Tensor.Zeros(2, 3);
        var b = Tensor.Zeros(4);
        var ex = Assert.Throws<ArgumentException>(() => a + b);
        Assert.Contains("[2, 3]", ex.Message);
        Assert.Contains("[4]", ex.Message);
    }

    [Fact]
    public void MatMul_HandValues_AndShapeError()
    {
        var a = Tensor.FromArray(new float[] { 1, 2, 3, 4, 5, 6 }, 2, 3);
        var b = Tensor.FromArray(new float[] { 1, 0, 0, 1, 1, 1 }, 3, 2);
        Assert.Equal(new float[] { 4, 5, 10, 11 }, Tensor.MatMul(a, b).ToArray());
        Assert.Equal(new float[] { 4, 10, 5, 11 }, Tensor.MatMul(b, a, true, true).ToArray());
        var ex = Assert.Throws<ArgumentException>(() => Tensor.MatMul(a, a));
        Assert.Contains("inner dimensions", ex.Message);
    }

    [Fact]
    public void Linear_WrongInputShape_MessageSuggestsFlatten()
    {
        var x = Tensor.Zeros(32, 28, 28);
        var w = Tensor.Zeros(10, 784);
        var ex = Assert.Throws<ArgumentException>(() => Tensor.Linear(x, w, null));
        Assert.Contains("784", ex.Message);
        Assert.Contains("[32, 28, 28]", ex.Message);
        Assert.Contains("flatten", ex.Message);
    }

    [Fact]
    public void Conv2d_HandValues()
    {
        // 1 channel 3x3 input, 2x2 kernel of ones, stride 1, no padding: window sums.
        var x = Tensor.FromArray(new float[] { 1, 2, 3, 4, 5, 6, 7, 8, 9 }, 1, 1, 3, 3);
        var w = Tensor.Ones(1, 1, 2, 2);
        Assert.Equal(new float[] { 12, 16, 24, 28 }, Tensor.Conv2d(x, w, null).ToArray());
        // padding 1, stride 2: corners see one 2x2 patch each
        var y = Tensor.Conv2d(x, w, Tensor.FromArray(new float[] { 0.5f }, 1), 2, 1);
        Assert.Equal(new[] { 1, 1, 2, 2 }, y.Shape);
        Assert.Equal(new float[] { 1.5f, 5.5f, 11.5f, 28.5f }, y.ToArray());
    }

    [Fact]
    public void Pooling_HandValues()
    {
        var x = Tensor.FromArray(new float[] { 1, 5, 2, 0, 3, 4, 8, 1, 0, 0, 1, 1, 9, 0, 1, 2 }, 1, 1, 4, 4);
        Assert.Equal(new float[] { 5, 8, 9, 2 }, Tensor.MaxPool2d(x, 2).ToArray());
        Assert.Equal(new float[] { 13 / 4f, 11 / 4f, 9 / 4f, 5 / 4f }, Tensor.AvgPool2d(x, 2).ToArray());
    }

    [Fact]
    public void CrossEntropy_HandValue()
    {
        var logits = Tensor.FromArray(new double[] { 0, 0, Math.Log(2), 0 }, 2, 2);
        double expected = (Math.Log(2) + Math.Log(3) - Math.Log(2)) / 2; // -log(1/2) and -log(2/3)
        Assert.Equal(expected, Tensor.CrossEntropy(logits, [1, 0]).Item(), 12);
        Assert.Throws<ArgumentException>(() => Tensor.CrossEntropy(logits, [2, 0]));
    }

    [Fact]
    public void BatchNorm_Training_NormalisesAndUpdatesRunningStats()
    {
        var x = Tensor.FromArray(new double[] { 1, 10, 3, 30 }, 2, 2);
        var rm = Tensor.Zeros(DType.Float64, 2);
        var rv = Tensor.Full(DType.Float64, 1.0, 2);
        var y = Tensor.BatchNorm(x, null, null, rm, rv, new BatchNormOptions(true, 0.1, 0.0));
        Assert.Equal(new[] { -1.0, -1.0, 1.0, 1.0 }, y.ToDoubleArray().Select(v => Math.Round(v, 12)).ToArray());
        Assert.Equal(0.1 * 2, rm.GetFlat(0), 12);
        Assert.Equal(0.9 + 0.1 * 2.0, rv.GetFlat(0), 12); // unbiased variance of {1,3} is 2
    }

    [Fact]
    public void Backward_SharedSubexpression_AccumulatesGradients()
    {
        var x = Tensor.FromArray(new double[] { 3 }, 1);
        x.RequiresGrad = true;
        var y = Tensor.Mul(x, x) + x; // dy/dx = 2x + 1 = 7
        y.Backward(Tensor.FromArray(new double[] { 1 }, 1));
        Assert.Equal(7.0, x.Grad!.GetFlat(0));
    }

    [Fact]
    public void GradMode_Disabled_RecordsNothing()
    {
        var x = Tensor.Ones(2);
        x.RequiresGrad = true;
        Tensor y;
        using (GradMode.Disable()) y = Tensor.Mul(x, x);
        Assert.False(y.TracksGrad);
        Assert.Throws<InvalidOperationException>(() => Tensor.Sum(y).Backward());
    }

    [Fact]
    public void StraightThrough_ForwardValuesBackwardFactor()
    {
        var x = Tensor.FromArray(new float[] { -2, 0.5f }, 2);
        x.RequiresGrad = true;
        var values = Tensor.FromArray(new float[] { -1, 1 }, 2);
        var factor = Tensor.FromArray(new float[] { 0, 1 }, 2);
        var y = Tensor.StraightThrough(x, values, factor);
        Assert.Equal(new float[] { -1, 1 }, y.ToArray());
        Tensor.Sum(Tensor.MulScalar(y, 3)).Backward();
        Assert.Equal(new float[] { 0, 3 }, x.Grad!.ToArray());
    }

    /// <summary>The window STE against the stored-factor STE: the same forward and the same gradient bits, both types, bounds on and between floats.</summary>
    [Theory]
    [InlineData(false, -1.0, 1.0)]
    [InlineData(false, 0.0, 1.0)]
    [InlineData(false, -0.1, 0.7)]
    [InlineData(true, -1.0, 1.0)]
    [InlineData(true, -0.1, 0.7)]
    public void StraightThroughWindow_EqualsStoredFactorBitForBit(bool float64, double lo, double hi)
    {
        var rng = new Random(11);
        int n = 1000;
        var type = float64 ? DType.Float64 : DType.Float32;
        var x1 = Tensor.RandomUniform(rng, -1.5, 1.5, [n], type);
        x1.SetFlat(0, lo);
        x1.SetFlat(1, hi);
        x1.SetFlat(2, double.NaN);
        x1.SetFlat(3, -0.0);
        x1.SetFlat(4, (float)lo); // the float next to a bound that is not a float
        var x2 = x1.Clone();
        x1.RequiresGrad = true;
        x2.RequiresGrad = true;
        var values = Tensor.RandomUniform(rng, -1, 1, [n], type);
        var upstream = Tensor.RandomUniform(rng, -2, 2, [n], type);
        upstream.SetFlat(5, -3.0);
        upstream.SetFlat(6, double.PositiveInfinity);
        var factor = Tensor.Zeros(type, n);
        for (int i = 0; i < n; i++) factor.SetFlat(i, x1.GetFlat(i) >= lo && x1.GetFlat(i) <= hi ? 1 : 0);

        var y1 = Tensor.StraightThrough(x1, values, factor);
        var y2 = Tensor.StraightThroughWindow(x2, values, lo, hi);
        Assert.Equal(values.ToDoubleArray(), y2.ToDoubleArray());
        Tensor.Sum(Tensor.Mul(y1, upstream)).Backward();
        Tensor.Sum(Tensor.Mul(y2, upstream)).Backward();
        var g1 = x1.Grad!.ToDoubleArray();
        var g2 = x2.Grad!.ToDoubleArray();
        for (int i = 0; i < n; i++)
            Assert.True(BitConverter.DoubleToInt64Bits(g1[i]) == BitConverter.DoubleToInt64Bits(g2[i]), $"element {i} (x {x1.GetFlat(i):R}): stored factor {g1[i]:R}, window {g2[i]:R}");
        Assert.True(g2.Count(v => v == 0) > 50, "the window must clip some elements");
    }

    [Fact]
    public void StraightThroughWindow_ShapeMismatchOrEmptyWindow_Throws()
    {
        var x = Tensor.Zeros(4);
        Assert.Throws<ArgumentException>(() => Tensor.StraightThroughWindow(x, Tensor.Zeros(3), -1, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => Tensor.StraightThroughWindow(x, Tensor.Zeros(4), 1, -1));
    }

    [Fact]
    public void Reshape_InferredDimension_AndErrors()
    {
        var x = Tensor.Zeros(2, 3, 4);
        Assert.Equal(new[] { 6, 4 }, x.Reshape(-1, 4).Shape);
        Assert.Throws<ArgumentException>(() => x.Reshape(5, -1));
        Assert.Throws<ArgumentException>(() => x.Reshape(2, 2));
    }

    [Fact]
    public void Float32MatMul_UsesKernel_MatchesDoubleReference()
    {
        var rng = new Random(3);
        var a = Tensor.RandomUniform(rng, -1, 1, [37, 65]);
        var b = Tensor.RandomUniform(rng, -1, 1, [65, 19]);
        var r32 = Tensor.MatMul(a, b).ToArray();
        var r64 = Tensor.MatMul(a.To(DType.Float64), b.To(DType.Float64)).ToDoubleArray();
        for (int i = 0; i < r32.Length; i++) Assert.True(Math.Abs(r32[i] - r64[i]) <= 1e-4 * Math.Max(1, Math.Abs(r64[i])), $"index {i}: {r32[i]} vs {r64[i]}");
    }
}

public class SignSteTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(8)]
    [InlineData(17)]
    [InlineData(67)]
    public void SignSte_VectorAndTail_MatchScalarRule(int n)
    {
        var rng = new Random(n);
        var x = Tensor.RandomUniform(rng, -2, 2, [n]);
        if (n > 3) { x.SetFlat(0, 0.0); x.SetFlat(1, 1.0); x.SetFlat(2, -1.0); x.SetFlat(3, -0.0); }
        x.RequiresGrad = true;
        var g = Tensor.RandomUniform(rng, -1, 1, [n]);
        var y = Tensor.SignSte(x, 1.0);
        if (n > 0) Tensor.Sum(Tensor.Mul(y, g)).Backward();
        var xs = x.ToArray();
        for (int i = 0; i < n; i++)
        {
            Assert.Equal(xs[i] >= 0 ? 1f : -1f, y.ToArray()[i]);
            Assert.Equal(MathF.Abs(xs[i]) <= 1f ? g.ToArray()[i] : 0f, x.Grad!.ToArray()[i]);
        }
    }
}

public class ConvKernelTests
{
    /// <summary>The fast im2col/col2im (valid-range copies) against a plain per-element reference, many geometries.</summary>
    [Theory]
    [InlineData(5, 6, 3, 1, 0)]
    [InlineData(5, 6, 3, 1, 1)]
    [InlineData(5, 6, 3, 2, 1)]
    [InlineData(7, 4, 2, 3, 2)]
    [InlineData(3, 3, 3, 1, 2)]
    [InlineData(8, 9, 5, 2, 0)]
    public void Im2ColCol2Im_MatchElementwiseReference(int h, int w, int k, int stride, int pad)
    {
        var g = new Lowbit.Tensors.Ops.ConvGeometry(2, 3, h, w, k, k, stride, pad);
        var rng = new Random(h * 100 + w);
        var x = Enumerable.Range(0, 2 * 3 * h * w).Select(_ => rng.NextDouble()).ToArray();
        var cols = new double[g.ColumnRows * g.ColumnCols];
        Lowbit.Tensors.Ops.ConvKernels.Im2Col<double>(x, cols, g);
        var back = new double[x.Length];
        Lowbit.Tensors.Ops.ConvKernels.Col2Im<double>(cols, back, g);
        var refBack = new double[x.Length];
        for (int c = 0; c < 3; c++)
            for (int ky = 0; ky < k; ky++)
                for (int kx = 0; kx < k; kx++)
                    for (int n = 0; n < 2; n++)
                        for (int oy = 0; oy < g.OutH; oy++)
                            for (int ox = 0; ox < g.OutW; ox++)
                            {
                                int iy = oy * stride - pad + ky, ix = ox * stride - pad + kx;
                                int row = (c * k + ky) * k + kx, col = (n * g.OutH + oy) * g.OutW + ox;
                                bool inside = iy >= 0 && iy < h && ix >= 0 && ix < w;
                                double expected = inside ? x[((n * 3 + c) * h + iy) * w + ix] : 0;
                                Assert.Equal(expected, cols[row * g.ColumnCols + col]);
                                if (inside) refBack[((n * 3 + c) * h + iy) * w + ix] += cols[row * g.ColumnCols + col];
                            }
        for (int i = 0; i < back.Length; i++) Assert.Equal(refBack[i], back[i], 12);
    }
}
