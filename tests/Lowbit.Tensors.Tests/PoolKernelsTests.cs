using Lowbit.Tensors.Ops;

namespace Lowbit.Tensors.Tests;

/// <summary>Max pooling (forward and backward) against the reference loop with stored argmax indices; average pooling against a
/// one-window-at-a-time loop at 1-3 threads.</summary>
public class PoolKernelsTests
{
    [Theory]
    [InlineData(2, 3, 28, 28, 2, 2)]
    [InlineData(1, 2, 7, 9, 2, 2)]   // odd sizes: the last row/column is not covered
    [InlineData(2, 2, 9, 9, 3, 2)]   // overlapping windows
    [InlineData(1, 3, 9, 6, 3, 3)]
    [InlineData(1, 1, 5, 5, 1, 1)]
    [InlineData(2, 3, 8, 8, 1, 2)]   // 1×1 window, stride 2: the residual shortcut's subsampling
    [InlineData(1, 2, 9, 7, 1, 2)]   // 1×1, stride 2, odd sizes
    [InlineData(2, 3, 32, 32, 1, 2)] // 1×1, stride 2, rows of 32: the vector pick and spread
    [InlineData(1, 2, 6, 40, 1, 2)]  // 1×1, stride 2, 20 outputs per row: two vector groups and a scalar tail
    [InlineData(1, 2, 4, 17, 1, 2)]  // 1×1, stride 2, 9 outputs per row from 17 columns: one vector group, one scalar output
    [InlineData(2, 2, 32, 32, 2, 2)] // vector path with whole rows of 4-window groups
    [InlineData(1, 1, 2, 34, 2, 2)]  // groups ending near the last element of the tensor (scalar fallback)
    [InlineData(3, 1, 6, 35, 2, 2)]  // odd width: vector forward, reference-order backward
    [InlineData(2, 3, 14, 14, 2, 2)] // 7 windows per row: one group plus an overlapping group
    [InlineData(1, 2, 6, 6, 2, 2)]   // 3 windows per row: scalar only
    public void MaxPool_MatchesReference(int n, int c, int h, int w, int kernel, int stride)
    {
        var rng = new Random(h * 31 + w + kernel);
        // Coarse values make ties common, which exercises the "first maximum" rule.
        var data = Enumerable.Range(0, n * c * h * w).Select(_ => (float)rng.Next(-3, 4)).ToArray();
        var geo = new ConvGeometry(n, c, h, w, kernel, kernel, stride, 0);
        int outLength = n * c * geo.OutH * geo.OutW;
        var expectedY = new float[outLength];
        var argmax = new int[outLength];
        Tensor.MaxPoolCoreReference<float>(data, expectedY, argmax, geo);
        var g = Enumerable.Range(0, outLength).Select(i => (float)rng.NextDouble() - 0.5f).ToArray();
        var expectedGx = new float[data.Length];
        for (int i = 0; i < outLength; i++) expectedGx[argmax[i]] += g[i];

        foreach (int threads in new[] { 1, 2 })
        {
            using var scope = Compute.UseThreads(threads);
            var x = Tensor.FromArray((float[])data.Clone(), n, c, h, w);
            x.RequiresGrad = true;
            var y = Tensor.MaxPool2d(x, kernel, stride);
            Assert.Equal(expectedY, y.ToArray());
            Tensor.Sum(Tensor.Mul(y, Tensor.FromArray(g, y.Shape.ToArray()))).Backward();
            var gx = x.Grad!.ToArray();
            for (int i = 0; i < gx.Length; i++)
                Assert.True(BitConverter.SingleToInt32Bits(expectedGx[i]) == BitConverter.SingleToInt32Bits(gx[i]),
                    $"gx[{i}] threads={threads}: expected {expectedGx[i]:R}, actual {gx[i]:R}");
        }
    }

    [Theory]
    [InlineData(2, 2)]
    [InlineData(4, 4)] // windows tile the input exactly but are not 2x2: the general backward loop
    [InlineData(8, 8)]
    [InlineData(1, 2)] // 1×1, stride 2 (the residual shortcut): most of gx is no window's maximum
    [InlineData(3, 2)] // overlapping windows
    [InlineData(3, 3)] // windows miss the last row and column
    public void MaxPoolBackward_RecycledArenaBuffer_NoStaleValues(int kernel, int stride)
    {
        // Step 1 leaves NaN in a pooled buffer of x's size; step 2's backward pass receives it as its gradient buffer.
        var arena = new TensorArena();
        var x = Tensor.FromArray(Enumerable.Range(0, 4096).Select(i => (float)((i * 37) % 101)).ToArray(), 1, 4, 32, 32);
        using (arena.BeginStep())
        {
            var poison = Tensor.Add(Tensor.FromArray(Enumerable.Repeat(float.NaN, 4096).ToArray(), 1, 4, 32, 32), Tensor.Zeros(1, 4, 32, 32));
            Assert.True(float.IsNaN(poison.ToArray()[0]));
        }

        using (arena.BeginStep())
        {
            x.RequiresGrad = true;
            var y = Tensor.MaxPool2d(x, kernel, stride);
            Tensor.Sum(y).Backward();
            float[] gx = x.Grad!.ToArray();
            Assert.All(gx, v => Assert.True(float.IsFinite(v) && v >= 0 && v == MathF.Floor(v), $"kernel {kernel}: gradient {v} (expected a count)"));
            Assert.Equal(y.Shape.ToArray().Aggregate(1, (a, b) => a * b), (int)gx.Sum());
        }
    }

    [Theory]
    [InlineData(2, 3, 8, 8, 8, 8)]   // global average pooling, ResNet's head
    [InlineData(2, 2, 9, 9, 3, 2)]   // overlapping windows
    [InlineData(3, 2, 7, 9, 2, 2)]   // odd sizes: the last row/column is in no window
    [InlineData(100, 8, 8, 8, 8, 8)] // enough planes for every thread count to split them
    public void AvgPool_MatchesReference_ForEveryThreadCount(int n, int c, int h, int w, int kernel, int stride)
    {
        var rng = new Random(h * 31 + w + kernel + n);
        var data = Enumerable.Range(0, n * c * h * w).Select(_ => (float)rng.NextDouble() - 0.5f).ToArray();
        var geo = new ConvGeometry(n, c, h, w, kernel, kernel, stride, 0);
        int outLength = n * c * geo.OutH * geo.OutW;
        var g = Enumerable.Range(0, outLength).Select(_ => (float)rng.NextDouble() - 0.5f).ToArray();
        // Reference: the same float operations in the same order, one window at a time.
        var expectedY = new float[outLength];
        var expectedGx = new float[data.Length];
        float scale = 1f / (kernel * kernel);
        for (int p = 0, o = 0; p < n * c; p++)
            for (int oy = 0; oy < geo.OutH; oy++)
                for (int ox = 0; ox < geo.OutW; ox++, o++)
                {
                    float acc = 0;
                    for (int ky = 0; ky < kernel; ky++)
                        for (int kx = 0; kx < kernel; kx++)
                        {
                            int idx = p * h * w + (oy * stride + ky) * w + ox * stride + kx;
                            acc += data[idx];
                            expectedGx[idx] += g[o] * scale;
                        }
                    expectedY[o] = acc * scale;
                }

        var arena = new TensorArena();
        foreach (int threads in new[] { 1, 2, 3 })
        {
            using var scope = Compute.UseThreads(threads);
            using (arena.BeginStep()) Tensor.Add(Tensor.Full(DType.Float32, float.NaN, [data.Length]), Tensor.Zeros(data.Length)); // stale buffers
            using var step = arena.BeginStep();
            var x = Tensor.FromArray((float[])data.Clone(), n, c, h, w);
            x.RequiresGrad = true;
            var y = Tensor.AvgPool2d(x, kernel, stride);
            var gx = Tensor.Sum(Tensor.Mul(y, Tensor.FromArray(g, y.Shape.ToArray())));
            gx.Backward();
            AssertBits(expectedY, y.ToArray(), $"y threads={threads}");
            AssertBits(expectedGx, x.Grad!.ToArray(), $"gx threads={threads}");
        }
    }

    private static void AssertBits(float[] expected, float[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(BitConverter.SingleToInt32Bits(expected[i]) == BitConverter.SingleToInt32Bits(actual[i]),
                $"{what} [{i}]: expected {expected[i]:R}, actual {actual[i]:R}");
    }
}
