using Lowbit.Kernels.Gemm;
using Lowbit.Tensors.Ops;

namespace Lowbit.Tensors.Tests;

/// <summary>
/// The image-by-image convolution and the transposed narrow GEMM against the whole-batch formulation (one im2col,
/// one SGEMM per product, layout swaps): every element must be bit-identical, for 1 and 2 threads.
/// </summary>
public class ConvPathTests
{
    private static float[] Random(int seed, int length, double scale = 1)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, length).Select(_ => (float)((rng.NextDouble() * 2 - 1) * scale)).ToArray();
    }

    /// <summary>C = op(A)·op(B) by the SGEMM kernel on one thread, without any of Tensor's shortcuts.</summary>
    private static void Direct(bool transA, bool transB, int m, int n, int k, float[] a, int lda, float[] b, int ldb, float[] c, int ldc)
        => Sgemm.Multiply(transA, transB, m, n, k, 1f, a, lda, b, ldb, 0f, c, ldc, 1);

    private static void AssertBitwise(float[] expected, float[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(BitConverter.SingleToInt32Bits(expected[i]) == BitConverter.SingleToInt32Bits(actual[i]),
                $"{what}[{i}]: expected {expected[i]:R}, actual {actual[i]:R}");
    }

    [Theory]
    [InlineData(6, 1, 12, 12, 8, 3, 1, 1)]   // single input channel: dW is 8 × 9 (narrow GEMM)
    [InlineData(5, 4, 9, 9, 6, 3, 2, 1)]
    [InlineData(4, 3, 8, 7, 5, 2, 1, 0)]
    [InlineData(3, 40, 6, 6, 7, 3, 1, 1)]   // C·kh·kw = 360 > one 256-deep GEMM block
    public void Conv2d_MatchesWholeBatchFormulation(int n, int c, int h, int w, int outC, int kernel, int stride, int padding)
    {
        var geo = new ConvGeometry(n, c, h, w, kernel, kernel, stride, padding);
        int ohw = geo.OutH * geo.OutW, rows = geo.ColumnRows, colCols = geo.ColumnCols;
        var xData = Random(1, n * c * h * w);
        var wData = Random(2, outC * rows, 0.3);
        var gData = Random(3, n * outC * ohw);

        // Whole-batch reference: cols = im2col(x); yT = W·cols; y = swap(yT); dW = gT·colsᵀ; dx = col2im(Wᵀ·gT).
        var cols = new float[rows * colCols];
        ConvKernels.Im2Col<float>(xData, cols, geo);
        var yT = new float[outC * colCols];
        Direct(false, false, outC, colCols, rows, wData, rows, cols, colCols, yT, colCols);
        var y = new float[n * outC * ohw];
        ConvKernels.SwapLeading<float>(yT, y, outC, n, ohw);
        var gT = new float[outC * colCols];
        ConvKernels.SwapLeading<float>(gData, gT, n, outC, ohw);
        var dW = new float[outC * rows];
        Direct(false, true, outC, rows, colCols, gT, colCols, cols, colCols, dW, rows);
        var gCols = new float[rows * colCols];
        Direct(true, false, rows, colCols, outC, wData, rows, gT, colCols, gCols, colCols);
        var dx = new float[xData.Length];
        ConvKernels.Col2Im<float>(gCols, dx, geo);

        foreach (int threads in new[] { 1, 2 })
        {
            using var scope = Compute.UseThreads(threads);
            var x = Tensor.FromArray((float[])xData.Clone(), n, c, h, w);
            var weight = Tensor.FromArray((float[])wData.Clone(), outC, c, kernel, kernel);
            x.RequiresGrad = true;
            weight.RequiresGrad = true;
            var result = Tensor.Conv2d(x, weight, null, stride, padding);
            AssertBitwise(y, result.ToArray(), $"y (threads {threads})");
            Tensor.Sum(Tensor.Mul(result, Tensor.FromArray((float[])gData.Clone(), result.Shape.ToArray()))).Backward();
            AssertBitwise(dW, weight.Grad!.ToArray(), $"dW (threads {threads})");
            AssertBitwise(dx, x.Grad!.ToArray(), $"dx (threads {threads})");
        }
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(false, true)]
    [InlineData(true, false)]
    [InlineData(true, true)]
    public void MatMul_NarrowResult_MatchesDirectSgemm(bool transA, bool transB)
    {
        foreach (var (m, n, k) in new[] { (100, 10, 1024), (32, 9, 3000), (37, 1, 5), (20, 15, 300) })
        {
            var aData = Random(m + k, m * k);
            var bData = Random(n + k, k * n);
            var a = transA ? Tensor.FromArray(aData, k, m) : Tensor.FromArray(aData, m, k);
            var b = transB ? Tensor.FromArray(bData, n, k) : Tensor.FromArray(bData, k, n);
            var expected = new float[m * n];
            Direct(transA, transB, m, n, k, aData, transA ? m : k, bData, transB ? k : n, expected, n);
            AssertBitwise(expected, Tensor.MatMul(a, b, transA, transB).ToArray(), $"C {m}x{n}x{k} {transA}/{transB}");
        }
    }
}
