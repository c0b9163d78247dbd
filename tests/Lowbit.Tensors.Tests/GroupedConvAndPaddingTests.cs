using Lowbit.Testing;
using Lowbit.Tensors;

namespace Lowbit.Tensors.Tests;

/// <summary>Grouped convolution and padding ops: finite differences in double precision and independent references.</summary>
public class GroupedConvAndPaddingTests
{
    [Theory]
    [InlineData(4, 6, 2, 3, 1, 1)]  // grouped
    [InlineData(3, 6, 3, 3, 2, 1)]  // depthwise, multiplier 2, stride 2
    [InlineData(4, 4, 4, 1, 1, 0)]  // depthwise 1×1
    [InlineData(2, 4, 2, 2, 1, 0)]  // even kernel
    public void GroupedConv2d_MatchesFiniteDifferences(int channels, int outChannels, int groups, int kernel, int stride, int padding)
    {
        var rng = new Random(3);
        var x = GradCheck.Input(rng, [2, channels, 5, 4]);
        var w = GradCheck.Input(rng, [outChannels, channels / groups, kernel, kernel]);
        var b = GradCheck.Input(rng, [outChannels]);
        GradCheck.Check(t => Tensor.GroupedConv2d(t[0], t[1], t[2], stride, padding, groups), [x, w, b]);
    }

    [Theory]
    [InlineData(4, 6, 2, 3, 1, 1)]
    [InlineData(3, 6, 3, 3, 2, 1)]
    [InlineData(6, 6, 6, 3, 1, 1)]
    public void GroupedConv2d_Float32_EqualsOrdinaryConvolutionPerGroup(int channels, int outChannels, int groups, int kernel, int stride, int padding)
    {
        // Reference: each group as an ordinary (im2col + GEMM) convolution on its own channel slice, outputs stacked.
        var rng = new Random(4);
        int n = 3, h = 7, wd = 6, cg = channels / groups, og = outChannels / groups;
        var x = Tensor.RandomUniform(rng, -1, 1, [n, channels, h, wd]);
        var w = Tensor.RandomUniform(rng, -1, 1, [outChannels, cg, kernel, kernel]);
        var y = Tensor.GroupedConv2d(x, w, null, stride, padding, groups);
        var xs = x.ToArray();
        for (int g = 0; g < groups; g++)
        {
            var slice = new float[n * cg * h * wd];
            for (int i = 0; i < n; i++)
                Array.Copy(xs, (i * channels + g * cg) * h * wd, slice, i * cg * h * wd, cg * h * wd);
            var reference = Tensor.Conv2d(Tensor.FromArray(slice, n, cg, h, wd), w.Narrow(g * og, og).Clone(), null, stride, padding).ToArray();
            int ohw = y.Dim(2) * y.Dim(3);
            for (int i = 0; i < n; i++)
                for (int o = 0; o < og; o++)
                    for (int p = 0; p < ohw; p++)
                    {
                        float expected = reference[(i * og + o) * ohw + p], actual = (float)y.GetFlat((i * outChannels + g * og + o) * ohw + p);
                        Assert.True(Math.Abs(expected - actual) <= 1e-5f * Math.Max(1, Math.Abs(expected)), $"group {g} image {i} out {o} position {p}: expected {expected}, got {actual}");
                    }
        }
    }

    [Fact]
    public void GroupedConv2d_ThreadCount_DoesNotChangeResults()
    {
        var rng = new Random(5);
        var x = Tensor.RandomUniform(rng, -1, 1, [8, 4, 6, 6]);
        var w = Tensor.RandomUniform(rng, -1, 1, [4, 1, 3, 3]);
        float[] Run(int threads)
        {
            using var _ = Compute.UseThreads(threads);
            var xi = x.Clone();
            xi.RequiresGrad = true;
            var wi = w.Clone();
            wi.RequiresGrad = true;
            var y = Tensor.GroupedConv2d(xi, wi, null, 1, 1, 4);
            Tensor.Sum(Tensor.Mul(y, y)).Backward();
            return [.. y.ToArray(), .. xi.Grad!.ToArray(), .. wi.Grad!.ToArray()];
        }
        Assert.Equal(Run(1), Run(2));
    }

    [Fact]
    public void GroupedConv2d_GroupsNotDividingChannels_Throws()
    {
        var x = Tensor.Zeros(1, 3, 4, 4);
        var e = Assert.Throws<ArgumentException>(() => Tensor.GroupedConv2d(x, Tensor.Zeros(4, 1, 3, 3), null, 1, 1, 2));
        Assert.Contains("2 groups", e.Message);
    }

    [Theory]
    [InlineData(1, -1.0)]
    [InlineData(2, 0.5)]
    public void Pad2d_MatchesFiniteDifferencesAndFillsBorder(int padding, double value)
    {
        var rng = new Random(6);
        var x = GradCheck.Input(rng, [2, 3, 3, 4]);
        GradCheck.Check(t => Tensor.Pad2d(t[0], padding, value), [x]);
        var y = Tensor.Pad2d(x, padding, value);
        Assert.Equal([2, 3, 3 + 2 * padding, 4 + 2 * padding], y.Shape.ToArray());
        Assert.Equal(value, y.GetFlat(0));
        int pw = 4 + 2 * padding;
        Assert.Equal(x.GetFlat(0), y.GetFlat(padding * pw + padding)); // first interior pixel
        Assert.Equal(value, y.GetFlat(y.Length - 1));
    }

    [Fact]
    public void PadChannels_MatchesFiniteDifferencesAndPlacesChannels()
    {
        var rng = new Random(7);
        var x = GradCheck.Input(rng, [2, 2, 2, 3]);
        GradCheck.Check(t => Tensor.PadChannels(t[0], 1, 2), [x]);
        var y = Tensor.PadChannels(x, 1, 2);
        Assert.Equal([2, 5, 2, 3], y.Shape.ToArray());
        for (int i = 0; i < 2; i++)
            for (int c = 0; c < 5; c++)
                for (int p = 0; p < 6; p++)
                {
                    double expected = c is >= 1 and <= 2 ? x.GetFlat((i * 2 + c - 1) * 6 + p) : 0;
                    Assert.Equal(expected, y.GetFlat((i * 5 + c) * 6 + p));
                }
    }
}
