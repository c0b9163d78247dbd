using Lowbit.Testing;
using Lowbit.Tensors;

namespace Lowbit.Tensors.Tests;

/// <summary>Finite-difference (double precision) checks for every differentiable op.</summary>
public class GradientTests
{
    private static Random Rng(int seed) => new(seed);

    [Theory]
    [InlineData(new[] { 3, 4 }, new[] { 3, 4 })]
    [InlineData(new[] { 3, 4 }, new[] { 4 })]
    [InlineData(new[] { 2, 3, 4 }, new[] { 1, 3, 1 })]
    [InlineData(new[] { 1 }, new[] { 2, 5 })]
    public void Arithmetic_Broadcast_MatchesFiniteDifferences(int[] aShape, int[] bShape)
    {
        var rng = Rng(1);
        var a = GradCheck.Input(rng, aShape);
        var b = GradCheck.Input(rng, bShape, 0.5, 2.0);
        GradCheck.Check(t => Tensor.Add(t[0], t[1]), [a, b]);
        GradCheck.Check(t => Tensor.Sub(t[0], t[1]), [a, b]);
        GradCheck.Check(t => Tensor.Mul(t[0], t[1]), [a, b]);
        GradCheck.Check(t => Tensor.Div(t[0], t[1]), [a, b]);
    }

    [Fact]
    public void AbsAndSquare_Float32Backward_EqualScalarFormulas()
    {
        // The span (vectorised, chunked) backward of Abs and Square against the per-element formulas, bit for bit:
        // a length that is neither a vector multiple nor below the parallel grain, zeros included (Abs' → +0).
        const int n = 70_001;
        var rng = Rng(9);
        var xs = Enumerable.Range(0, n).Select(i => i % 13 == 0 ? 0f : (float)(rng.NextDouble() * 4 - 2)).ToArray();
        var gs = Enumerable.Range(0, n).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
        foreach (bool square in new[] { false, true })
        {
            var x = Tensor.FromArray((float[])xs.Clone(), n);
            x.RequiresGrad = true;
            var y = square ? Tensor.Square(x) : Tensor.Abs(x);
            y.Backward(Tensor.FromArray((float[])gs.Clone(), n));
            var grad = x.Grad!.ToArray();
            for (int i = 0; i < n; i++)
            {
                float v = xs[i], g = gs[i];
                float expected = square ? 2 * v * g : v > 0 ? g : v < 0 ? -g : 0;
                Assert.True(BitConverter.SingleToInt32Bits(expected) == BitConverter.SingleToInt32Bits(grad[i]), $"{(square ? "Square" : "Abs")} grad[{i}] {grad[i]} vs {expected}");
            }
        }
    }

    [Fact]
    public void Unary_MatchesFiniteDifferences()
    {
        var rng = Rng(2);
        var x = GradCheck.InputAwayFrom(rng, [4, 5], [0.0, -1.0, 1.0]);
        GradCheck.Check(t => Tensor.Exp(t[0]), [x]);
        GradCheck.Check(t => Tensor.Tanh(t[0]), [x]);
        GradCheck.Check(t => Tensor.Sigmoid(t[0]), [x]);
        GradCheck.Check(t => Tensor.Abs(t[0]), [x]);
        GradCheck.Check(t => Tensor.Square(t[0]), [x]);
        GradCheck.Check(t => Tensor.Relu(t[0]), [x]);
        GradCheck.Check(t => Tensor.HardTanh(t[0]), [x]);
        GradCheck.Check(t => Tensor.Clamp(t[0], -0.5, 1.5), [GradCheck.InputAwayFrom(rng, [9], [-0.5, 1.5])]);
        GradCheck.Check(t => Tensor.MulScalar(t[0], -2.5), [x]);
        GradCheck.Check(t => Tensor.AddScalar(t[0], 3), [x]);
        var pos = GradCheck.Input(rng, [6], 0.2, 3);
        GradCheck.Check(t => Tensor.Log(t[0]), [pos]);
        GradCheck.Check(t => Tensor.Sqrt(t[0]), [pos]);
    }

    [Fact]
    public void Reductions_MatchFiniteDifferences()
    {
        var rng = Rng(3);
        var x = GradCheck.Input(rng, [2, 3, 4]);
        GradCheck.Check(t => Tensor.Sum(t[0]), [x]);
        GradCheck.Check(t => Tensor.Mean(t[0]), [x]);
        for (int d = -3; d < 3; d++)
        {
            int dim = d;
            GradCheck.Check(t => Tensor.Sum(t[0], dim), [x]);
            GradCheck.Check(t => Tensor.Mean(t[0], dim, keepDim: true), [x]);
        }
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    [InlineData(true, true)]
    public void MatMul_AllTransposes_MatchFiniteDifferences(bool ta, bool tb)
    {
        var rng = Rng(4);
        var a = GradCheck.Input(rng, ta ? [5, 3] : [3, 5]);
        var b = GradCheck.Input(rng, tb ? [4, 5] : [5, 4]);
        GradCheck.Check(t => Tensor.MatMul(t[0], t[1], ta, tb), [a, b]);
    }

    [Fact]
    public void Linear_ShapeOps_MatchFiniteDifferences()
    {
        var rng = Rng(5);
        var x = GradCheck.Input(rng, [3, 6]);
        var w = GradCheck.Input(rng, [4, 6]);
        var b = GradCheck.Input(rng, [4]);
        GradCheck.Check(t => Tensor.Linear(t[0], t[1], t[2]), [x, w, b]);
        GradCheck.Check(t => Tensor.Transpose(t[0]), [x]);
        GradCheck.Check(t => t[0].Reshape(2, -1).Flatten(), [x]);
        GradCheck.Check(t => Tensor.Mul(t[0].Narrow(1, 2), t[0].Narrow(0, 2)), [x]);
    }

    [Theory]
    [InlineData(1, 0)]
    [InlineData(1, 1)]
    [InlineData(2, 1)]
    [InlineData(2, 0)]
    public void Conv2d_MatchesFiniteDifferences(int stride, int padding)
    {
        var rng = Rng(6);
        var x = GradCheck.Input(rng, [2, 3, 6, 5]);
        var w = GradCheck.Input(rng, [4, 3, 3, 2]);
        var b = GradCheck.Input(rng, [4]);
        GradCheck.Check(t => Tensor.Conv2d(t[0], t[1], t[2], stride, padding), [x, w, b]);
    }

    [Fact]
    public void Pooling_MatchesFiniteDifferences()
    {
        var rng = Rng(7);
        // distinct values so the max is unique within a step
        var x = GradCheck.Input(rng, [2, 2, 4, 6]);
        var perm = Enumerable.Range(0, x.Length).OrderBy(_ => rng.Next()).ToArray();
        for (int i = 0; i < x.Length; i++) x.SetFlat(i, perm[i] * 0.01);
        GradCheck.Check(t => Tensor.MaxPool2d(t[0], 2), [x]);
        GradCheck.Check(t => Tensor.MaxPool2d(t[0], 3, 1), [x]);
        GradCheck.Check(t => Tensor.AvgPool2d(t[0], 2), [x]);
        GradCheck.Check(t => Tensor.AvgPool2d(t[0], 3, 1), [x]);
    }

    [Fact]
    public void Softmax_LogSoftmax_CrossEntropy_MatchFiniteDifferences()
    {
        var rng = Rng(8);
        var x = GradCheck.Input(rng, [4, 5], -3, 3);
        GradCheck.Check(t => Tensor.Softmax(t[0]), [x]);
        GradCheck.Check(t => Tensor.LogSoftmax(t[0]), [x]);
        int[] labels = [0, 4, 2, 2];
        GradCheck.Check(t => Tensor.CrossEntropy(t[0], labels), [x]);
    }

    [Theory]
    [InlineData(true, 2)]
    [InlineData(false, 2)]
    [InlineData(true, 4)]
    [InlineData(false, 4)]
    public void BatchNorm_MatchesFiniteDifferences(bool training, int rank)
    {
        var rng = Rng(9);
        int[] shape = rank == 2 ? [6, 3] : [3, 2, 2, 3];
        var x = GradCheck.Input(rng, shape, -2, 2);
        var gamma = GradCheck.Input(rng, [shape[1]], 0.5, 1.5);
        var beta = GradCheck.Input(rng, [shape[1]]);
        var rm = Tensor.RandomUniform(rng, -0.1, 0.1, [shape[1]], DType.Float64);
        var rv = Tensor.RandomUniform(rng, 0.5, 1.5, [shape[1]], DType.Float64);
        // momentum 0 keeps the running statistics fixed across the repeated forward passes of the check
        var options = new BatchNormOptions(training, Momentum: 0.0, Epsilon: 1e-4);
        GradCheck.Check(t => Tensor.BatchNorm(t[0], t[1], t[2], rm, rv, options), [x, gamma, beta], tolerance: 1e-5);
    }

    [Fact]
    public void Conversion_PassesGradientThroughUnchanged()
    {
        // Finite differences cannot resolve a float32 round trip; check the rule directly: d(To(x))/dx = 1.
        var x = GradCheck.Input(Rng(10), [3]);
        var w = Tensor.FromArray(new float[] { 2f, -3f, 0.5f }, 3);
        Tensor.Sum(Tensor.Mul(x.To(DType.Float32), w)).Backward();
        Assert.Equal(new[] { 2.0, -3.0, 0.5 }, x.Grad!.ToDoubleArray());
        Assert.Equal(DType.Float64, x.Grad!.DType);
    }
}

public class BatchNormWideTests
{
    /// <summary>The vectorised spatial path (inner ≥ 16) against finite differences in double precision.</summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void BatchNorm_LargeSpatial_MatchesFiniteDifferences(bool training)
    {
        var rng = new Random(21);
        var x = Lowbit.Testing.GradCheck.Input(rng, [2, 3, 5, 6], -2, 2);
        var gamma = Lowbit.Testing.GradCheck.Input(rng, [3], 0.5, 1.5);
        var beta = Lowbit.Testing.GradCheck.Input(rng, [3]);
        var rm = Tensor.RandomUniform(rng, -0.1, 0.1, [3], DType.Float64);
        var rv = Tensor.RandomUniform(rng, 0.5, 1.5, [3], DType.Float64);
        var options = new BatchNormOptions(training, Momentum: 0.0, Epsilon: 1e-4);
        Lowbit.Testing.GradCheck.Check(t => Tensor.BatchNorm(t[0], t[1], t[2], rm, rv, options), [x, gamma, beta], tolerance: 1e-5);
    }

    [Fact]
    public void BatchNorm_Float32LargeSpatial_MatchesFloat64()
    {
        var rng = new Random(22);
        var x = Tensor.RandomUniform(rng, -3, 5, [4, 2, 7, 9]);
        var g = Tensor.RandomUniform(rng, -1, 1, [4, 2, 7, 9]);
        Tensor Run(DType t, out double[] gradX)
        {
            var xi = x.To(t).Detach();
            xi.RequiresGrad = true;
            var y = Tensor.BatchNorm(xi, null, null, Tensor.Zeros(t, 2), Tensor.Full(t, 1, 2), new BatchNormOptions(true));
            Tensor.Sum(Tensor.Mul(y, g.To(t))).Backward();
            gradX = xi.Grad!.ToDoubleArray();
            return y;
        }
        var y32 = Run(DType.Float32, out var g32).ToDoubleArray();
        var y64 = Run(DType.Float64, out var g64).ToDoubleArray();
        for (int i = 0; i < y32.Length; i++)
        {
            Assert.True(Math.Abs(y32[i] - y64[i]) < 1e-4, $"y[{i}] {y32[i]} vs {y64[i]}");
            Assert.True(Math.Abs(g32[i] - g64[i]) < 1e-4, $"gx[{i}] {g32[i]} vs {g64[i]}");
        }
    }
}
