using Lowbit.Tensors.Ops;

namespace Lowbit.Tensors.Tests;

/// <summary>
/// Conv2d's direct path (float32, square kernel, output width a multiple of 8) against the im2col + GEMM path with a separate bias
/// add on the same data (values and the gradients of input, weights and bias within float tolerance), and bit-identical for 1, 2 and 3 threads.
/// </summary>
public class ConvDirectTests
{
    private static float[] Random(int seed, int length)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, length).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
    }

    private static (float[] Y, float[] Dw, float[] Dx, float[] Db) Run(bool direct, int n, int c, int h, int w, int o, int k, int padding, int stride, int threads)
    {
        using var scope = Compute.UseThreads(threads);
        var x = Tensor.FromArray(Random(1, n * c * h * w), n, c, h, w);
        var weight = Tensor.FromArray(Random(2, o * c * k * k), o, c, k, k);
        var bias = Tensor.FromArray(Random(4, o), o);
        x.RequiresGrad = weight.RequiresGrad = bias.RequiresGrad = true;
        var geo = new ConvGeometry(n, c, h, w, k, k, stride, padding);
        var y = direct ? Tensor.Conv2d(x, weight, bias, stride, padding) : Tensor.Add(Tensor.Conv2dIm2Col(x, weight, geo), bias.Reshape(1, o, 1, 1));
        var g = Tensor.FromArray(Random(3, y.Length), y.Shape.ToArray());
        Tensor.Sum(Tensor.Mul(y, g)).Backward();
        return (y.ToArray(), weight.Grad!.ToArray(), x.Grad!.ToArray(), bias.Grad!.ToArray());
    }

    [Theory]
    [InlineData(4, 3, 8, 8, 5, 3, 1, 1)]
    [InlineData(5, 6, 16, 16, 8, 3, 1, 1)]
    [InlineData(3, 4, 10, 18, 4, 3, 0, 1)]   // OW = 16 but W = 18: input gradient falls back to im2col
    [InlineData(6, 8, 8, 8, 12, 1, 0, 1)]    // 1×1
    [InlineData(5, 4, 16, 16, 8, 3, 1, 2)]   // stride 2: direct forward and weight gradient, input gradient by phases
    [InlineData(4, 6, 16, 16, 4, 1, 0, 2)]   // 1×1 stride 2
    [InlineData(3, 32, 8, 16, 10, 3, 1, 1)]  // Winograd F(2×2, 3×3): forward, weight gradient, input gradient (O = 10 < 32: direct)
    [InlineData(3, 32, 8, 8, 36, 3, 1, 1)]   // Winograd including the input gradient (O ≥ 32), panel tail (36 = 9 × 4)
    [InlineData(2, 33, 10, 18, 32, 3, 0, 1)] // Winograd without padding (OH 8, OW 16); input width 18: input gradient im2col
    [InlineData(7, 16, 32, 32, 16, 3, 1, 1)] // direct input gradient padded in runs of one image, several runs per thread
    [InlineData(7, 32, 16, 16, 32, 3, 1, 1)] // Winograd input gradient padded in runs of three images (tail run of one)
    [InlineData(7, 16, 32, 32, 32, 3, 1, 2)] // stride-2 input gradient by exact phases in runs of three images (tail runs)
    public void Conv2d_DirectPath_MatchesIm2ColAndIsThreadInvariant(int n, int c, int h, int w, int o, int k, int padding, int stride)
    {
        Assert.True(Tensor.UsesDirectConv(DType.Float32, new ConvGeometry(n, c, h, w, k, k, stride, padding)));
        var reference = Run(false, n, c, h, w, o, k, padding, stride, 1);
        var one = Run(true, n, c, h, w, o, k, padding, stride, 1);
        foreach (var (expected, actual, what) in new[] { (reference.Y, one.Y, "y"), (reference.Dw, one.Dw, "dw"), (reference.Dx, one.Dx, "dx"), (reference.Db, one.Db, "db") })
            for (int i = 0; i < expected.Length; i++)
                Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-4f * (1 + Math.Abs(expected[i])), $"{what}[{i}]: im2col {expected[i]:R}, direct {actual[i]:R}");
        foreach (int threads in new[] { 2, 3 })
        {
            var other = Run(true, n, c, h, w, o, k, padding, stride, threads);
            Assert.Equal(one.Y, other.Y);
            Assert.Equal(one.Dw, other.Dw);
            Assert.Equal(one.Dx, other.Dx);
            Assert.Equal(one.Db, other.Db);
        }
    }

    [Fact]
    public void UsesWinograd_ThreeByThreeStrideOneWideEnough()
    {
        Assert.True(Tensor.UsesWinograd(new ConvGeometry(3, 32, 8, 16, 3, 3, 1, 1), 10));
        Assert.True(Tensor.UsesWinograd(new ConvGeometry(2, 33, 10, 18, 3, 3, 1, 0), 32));
        Assert.False(Tensor.UsesWinograd(new ConvGeometry(3, 16, 8, 16, 3, 3, 1, 1), 16));   // too few channels to pay
        Assert.False(Tensor.UsesWinograd(new ConvGeometry(3, 32, 16, 16, 3, 3, 2, 1), 32));  // stride 2
        Assert.False(Tensor.UsesWinograd(new ConvGeometry(3, 32, 7, 16, 3, 3, 1, 1), 32));   // odd output height
    }

    [Theory]
    [InlineData(1, 4)]
    [InlineData(2, 4)]
    [InlineData(1, 32)] // Winograd
    public void Conv2d_PadValue_MatchesExplicitPadThenUnpaddedConv(int stride, int c)
    {
        const int n = 3, h = 16, w = 16, o = 8, k = 3;
        var geo = new ConvGeometry(n, c, h, w, k, k, stride, 1);
        Assert.True(Tensor.UsesDirectConv(DType.Float32, geo));
        var results = new List<float[]>();
        foreach (bool direct in new[] { true, false })
        {
            var x = Tensor.FromArray(Random(5, n * c * h * w), n, c, h, w);
            var weight = Tensor.FromArray(Random(6, o * c * k * k), o, c, k, k);
            x.RequiresGrad = weight.RequiresGrad = true;
            var y = direct ? Tensor.Conv2d(x, weight, null, stride, 1, padValue: 1.0)
                : Tensor.Conv2dIm2Col(Tensor.Pad2d(x, 1, 1.0), weight, geo with { Height = h + 2, Width = w + 2, Padding = 0 });
            Tensor.Sum(Tensor.Mul(y, Tensor.FromArray(Random(7, y.Length), y.Shape.ToArray()))).Backward();
            results.AddRange([y.ToArray(), weight.Grad!.ToArray(), x.Grad!.ToArray()]);
        }
        for (int r = 0; r < 3; r++)
            for (int i = 0; i < results[r].Length; i++)
                Assert.True(Math.Abs(results[r][i] - results[r + 3][i]) <= 1e-4f * (1 + Math.Abs(results[r + 3][i])),
                    $"result {r} [{i}]: direct {results[r][i]:R}, pad + im2col {results[r + 3][i]:R}");
    }

    [Theory]
    [InlineData(1, 3, 32, 32, 16, 1, 0.0)]   // batch 1, first-layer shape
    [InlineData(3, 16, 15, 16, 16, 1, 0.0)]  // odd height, 16 channels (direct)
    [InlineData(5, 8, 16, 16, 16, 2, -1.0)]  // stride 2 with pad value −1: direct forward and weight gradient, input gradient by phases
    [InlineData(3, 32, 8, 8, 36, 1, 1.0)]    // Winograd (forward, weight and input gradients), odd panel count, pad value 1
    [InlineData(2, 32, 16, 16, 32, 1, 0.0)]  // Winograd with 48-tile blocks
    public void Conv2d_Vector256AndVector512Paths_BitIdentical(int n, int c, int h, int w, int o, int stride, double padValue)
    {
        // DirectConv.Vector512Enabled off runs the Vector256 kernels; on, the Vector512 kernels where the hardware has them
        // (elsewhere both runs take the Vector256 path). Every kernel performs the same operations in the same order.
        foreach (int threads in new[] { 1, 2, 3 })
        {
            var wide = RunPadded(n, c, h, w, o, stride, padValue, threads, true);
            var narrow = RunPadded(n, c, h, w, o, stride, padValue, threads, false);
            for (int r = 0; r < wide.Length; r++)
                for (int i = 0; i < wide[r].Length; i++)
                    Assert.True(BitConverter.SingleToInt32Bits(wide[r][i]) == BitConverter.SingleToInt32Bits(narrow[r][i]),
                        $"threads {threads}, result {r} (y, dw, dx, db) [{i}]: Vector512 {wide[r][i]:R}, Vector256 {narrow[r][i]:R}");
        }
    }

    private static float[][] RunPadded(int n, int c, int h, int w, int o, int stride, double padValue, int threads, bool vector512)
    {
        bool previous = Lowbit.Kernels.Conv.DirectConv.Vector512Enabled;
        Lowbit.Kernels.Conv.DirectConv.Vector512Enabled = vector512;
        try
        {
            using var scope = Compute.UseThreads(threads);
            var x = Tensor.FromArray(Random(8, n * c * h * w), n, c, h, w);
            var weight = Tensor.FromArray(Random(9, o * c * 9), o, c, 3, 3);
            var bias = Tensor.FromArray(Random(10, o), o);
            x.RequiresGrad = weight.RequiresGrad = bias.RequiresGrad = true;
            var y = Tensor.Conv2d(x, weight, bias, stride, 1, padValue);
            Tensor.Sum(Tensor.Mul(y, Tensor.FromArray(Random(11, y.Length), y.Shape.ToArray()))).Backward();
            return [y.ToArray(), weight.Grad!.ToArray(), x.Grad!.ToArray(), bias.Grad!.ToArray()];
        }
        finally
        {
            Lowbit.Kernels.Conv.DirectConv.Vector512Enabled = previous;
        }
    }
}
