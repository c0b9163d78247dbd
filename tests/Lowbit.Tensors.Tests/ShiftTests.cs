using Lowbit.Testing;
using Lowbit.Tensors;

namespace Lowbit.Tensors.Tests;

/// <summary>
/// Shift2d and ShiftedPointwiseConv: against naive index loops, against convolutions with one-hot kernels (exactly, on
/// integer data), and finite differences in double precision.
/// </summary>
public class ShiftTests
{
    /// <summary>Naive reference: x[n, c, s·i + dy, s·j + dx] or the fill value.</summary>
    private static double Read(double[] x, int[] shape, int n, int c, long r, long col, double fill) =>
        r < 0 || r >= shape[2] || col < 0 || col >= shape[3] ? fill : x[((n * shape[1] + c) * shape[2] + r) * shape[3] + col];

    private static Tensor Integers(Random rng, int[] shape, DType type)
    {
        var t = Round(Tensor.RandomUniform(rng, -4, 5, shape, DType.Float64));
        return type == DType.Float64 ? t : t.To(DType.Float32);
    }

    private static Tensor Round(Tensor t)
    {
        var a = t.ToDoubleArray();
        for (int i = 0; i < a.Length; i++) a[i] = Math.Floor(a[i]);
        return Tensor.FromArray(a, t.Shape.ToArray());
    }

    [Theory]
    [InlineData(1, 5, 7, 0.0)]
    [InlineData(2, 3, 4, 0.0)]
    [InlineData(3, 2, 2, -1.0)]
    [InlineData(1, 6, 9, 1.5)]
    public void Shift2d_EqualsNaiveIndexing(int stride, int outH, int outW, double fill)
    {
        var rng = new Random(stride * 10 + outH);
        int[] shape = [2, 4, 5, 7];
        int[] dy = [-1, 0, 2, -6], dx = [1, -2, 0, 8];
        foreach (var type in new[] { DType.Float32, DType.Float64 })
        {
            var x = Tensor.RandomUniform(rng, -1, 1, shape, type);
            var y = Tensor.Shift2d(x, dy, dx, stride, outH, outW, fill).ToDoubleArray();
            var xs = x.ToDoubleArray();
            int k = 0;
            for (int n = 0; n < 2; n++)
                for (int c = 0; c < 4; c++)
                    for (int i = 0; i < outH; i++)
                        for (int j = 0; j < outW; j++, k++)
                        {
                            double expected = Read(xs, shape, n, c, (long)stride * i + dy[c], (long)stride * j + dx[c], fill);
                            Assert.True(expected == y[k], $"{type} n{n} c{c} ({i},{j}): expected {expected}, got {y[k]}");
                        }
        }
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 1)]
    [InlineData(1, 0)]
    public void Shift2d_EqualsDepthwiseConvolutionWithOneHotKernels(int stride, int padding)
    {
        // Channel c's kernel is one-hot at (py, px) = (c mod 3, c / 3 mod 3): offsets py − padding, px − padding.
        var rng = new Random(5);
        int c = 9, h = 6, w = 5, k = 3;
        var x = Integers(rng, [2, c, h, w], DType.Float32);
        var kernel = Tensor.Zeros(c, 1, k, k);
        int[] dy = new int[c], dx = new int[c];
        for (int ch = 0; ch < c; ch++)
        {
            int py = ch % k, px = ch / k % k;
            kernel.SetFlat(ch * k * k + py * k + px, 1);
            (dy[ch], dx[ch]) = (py - padding, px - padding);
        }
        var conv = Tensor.GroupedConv2d(x, kernel, null, stride, padding, c);
        var shifted = Tensor.Shift2d(x, dy, dx, stride, conv.Dim(2), conv.Dim(3));
        Assert.Equal(conv.ToArray(), shifted.ToArray());
    }

    [Theory]
    [InlineData(1, 0.0)]
    [InlineData(2, 0.0)]
    [InlineData(1, -1.0)]
    public void Shift2d_MatchesFiniteDifferences(int stride, double fill)
    {
        var rng = new Random(6);
        var x = GradCheck.Input(rng, [2, 3, 5, 4]);
        GradCheck.Check(t => Tensor.Shift2d(t[0], [1, -1, 0], [0, 2, -1], stride, 3, 3, fill), [x]);
    }

    [Theory]
    [InlineData(1, 1, 0.0)]
    [InlineData(2, 1, 0.0)]
    [InlineData(1, 0, 0.0)]
    [InlineData(1, 1, 1.0)]
    [InlineData(2, 2, -1.0)]
    public void ShiftedPointwiseConv_EqualsConvolutionWithOneHotKernels(int stride, int padding, double fill)
    {
        // A shifted 1×1 convolution is exactly the k×k convolution whose kernel (o, c) is w[o, c] at the connection's
        // position and 0 elsewhere. Integer data: every sum is exact, whatever order either side adds in.
        var rng = new Random(7);
        int inputs = 5, outputs = 4, k = 3, h = 7, w = 8;
        var x = Integers(rng, [3, inputs, h, w], DType.Float32);
        var weight = Integers(rng, [outputs, inputs], DType.Float32);
        var kernel = Tensor.Zeros(outputs, inputs, k, k);
        int[] dy = new int[outputs * inputs], dx = new int[outputs * inputs];
        var active = new bool[outputs * inputs];
        for (int i = 0; i < active.Length; i++)
        {
            int p = rng.Next(k * k), py = p / k, px = p % k;
            active[i] = rng.Next(5) != 0;
            (dy[i], dx[i]) = (py - padding, px - padding);
            if (active[i]) kernel.SetFlat(i * k * k + p, weight.GetFlat(i));
        }
        var conv = Tensor.Conv2d(x, kernel, null, stride, padding, fill);
        var shifted = Tensor.ShiftedPointwiseConv(x, weight, dy, dx, active, stride, conv.Dim(2), conv.Dim(3), fill);
        Assert.Equal(conv.ToArray(), shifted.ToArray());
    }

    [Fact]
    public void ShiftedPointwiseConv_EqualsNaiveSumInFloat64()
    {
        var rng = new Random(8);
        int inputs = 3, outputs = 2, h = 4, w = 5, stride = 2, outH = 2, outW = 3;
        int[] shape = [2, inputs, h, w];
        var x = Tensor.RandomUniform(rng, -1, 1, shape, DType.Float64);
        var weight = Tensor.RandomUniform(rng, -1, 1, [outputs, inputs], DType.Float64);
        int[] dy = [0, -1, 2, 1, 0, -3], dx = [1, 0, -1, 3, 0, 0];
        bool[] active = [true, true, false, true, true, true];
        double fill = 0.5;
        var y = Tensor.ShiftedPointwiseConv(x, weight, dy, dx, active, stride, outH, outW, fill).ToDoubleArray();
        var xs = x.ToDoubleArray();
        int idx = 0;
        for (int n = 0; n < 2; n++)
            for (int o = 0; o < outputs; o++)
                for (int i = 0; i < outH; i++)
                    for (int j = 0; j < outW; j++, idx++)
                    {
                        double sum = 0;
                        for (int c = 0; c < inputs; c++)
                        {
                            int q = o * inputs + c;
                            if (active[q]) sum += weight.GetFlat(q) * Read(xs, shape, n, c, stride * i + dy[q], stride * j + dx[q], fill);
                        }
                        Assert.True(Math.Abs(sum - y[idx]) <= 1e-12, $"n{n} o{o} ({i},{j}): expected {sum}, got {y[idx]}");
                    }
    }

    [Theory]
    [InlineData(1, 0.0)]
    [InlineData(2, 0.75)]
    public void ShiftedPointwiseConv_MatchesFiniteDifferences(int stride, double fill)
    {
        var rng = new Random(9);
        var x = GradCheck.Input(rng, [2, 3, 5, 4]);
        var weight = GradCheck.Input(rng, [2, 3]);
        int[] dy = [0, 1, -1, 2, 0, -2], dx = [-1, 0, 1, 0, 2, 0];
        bool[] active = [true, false, true, true, true, true];
        GradCheck.Check(t => Tensor.ShiftedPointwiseConv(t[0], t[1], dy, dx, active, stride, 3, 3, fill), [x, weight]);
    }

    [Fact]
    public void ShiftedPointwiseConv_ResultDoesNotDependOnThreads()
    {
        var rng = new Random(10);
        var x = Tensor.RandomUniform(rng, -1, 1, [6, 4, 9, 9]);
        var weight = Tensor.RandomUniform(rng, -1, 1, [5, 4]);
        int[] dy = Enumerable.Range(0, 20).Select(i => i % 3 - 1).ToArray(), dx = Enumerable.Range(0, 20).Select(i => i / 3 % 3 - 1).ToArray();
        var one = Tensor.ShiftedPointwiseConv(x, weight, dy, dx, null, 1, 9, 9).ToArray();
        using (Compute.UseThreads(3))
            Assert.Equal(one, Tensor.ShiftedPointwiseConv(x, weight, dy, dx, null, 1, 9, 9).ToArray());
    }

    [Fact]
    public void Shift2d_BadOffsets_NameTheCounts()
    {
        var x = Tensor.Zeros(1, 3, 4, 4);
        var e = Assert.Throws<ArgumentException>(() => Tensor.Shift2d(x, [0, 0], [0, 0, 0], 1, 4, 4));
        Assert.Contains("3 channels", e.Message, StringComparison.Ordinal);
    }
}
