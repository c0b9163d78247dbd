using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using Lowbit.Kernels.Gemm;
using Lowbit.Tensors;
using Tensor = Lowbit.Tensors.Tensor;

namespace Lowbit.Nn.Layers.Recurrent;

/// <summary>
/// Span-level helpers of the fused recurrent ops, generic over float (SGEMM kernel, the trainer's thread count) and
/// double (plain reference loops, for gradient checks).
/// </summary>
internal static class RecurrentMath
{
    /// <summary>C = op(A)·op(B) + beta·C on row-major spans (see <see cref="Sgemm.Multiply"/> for the layouts).</summary>
    public static void Gemm<T>(bool transA, bool transB, int m, int n, int k, ReadOnlySpan<T> a, int lda, ReadOnlySpan<T> b, int ldb, T beta, Span<T> c, int ldc)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (m == 0 || n == 0) return;
        if (typeof(T) == typeof(float))
        {
            Sgemm.Multiply(transA, transB, m, n, k, 1f, MemoryMarshal.Cast<T, float>(a), lda, MemoryMarshal.Cast<T, float>(b), ldb,
                float.CreateTruncating(beta), MemoryMarshal.Cast<T, float>(c), ldc, Compute.Threads);
            return;
        }

        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                T sum = T.Zero;
                for (int p = 0; p < k; p++)
                    sum += (transA ? a[p * lda + i] : a[i * lda + p]) * (transB ? b[j * ldb + p] : b[p * ldb + j]);
                int ci = i * ldc + j;
                c[ci] = beta == T.Zero ? sum : sum + beta * c[ci];
            }
        }
    }

    /// <summary>Logistic sigmoid of <paramref name="width"/> columns starting at <paramref name="start"/> of every row, in place.</summary>
    public static void Sigmoid<T>(Span<T> rows, int rowCount, int stride, int start, int width) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int r = 0; r < rowCount; r++)
        {
            var block = rows.Slice(r * stride + start, width);
            TensorPrimitives.Sigmoid<T>(block, block);
        }
    }

    /// <summary>tanh of <paramref name="width"/> columns starting at <paramref name="start"/> of every row, in place.</summary>
    public static void Tanh<T>(Span<T> rows, int rowCount, int stride, int start, int width) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int r = 0; r < rowCount; r++)
        {
            var block = rows.Slice(r * stride + start, width);
            TensorPrimitives.Tanh<T>(block, block);
        }
    }

    /// <summary>Copies column blocks (each <paramref name="width"/> wide, at the given starts) of every row into a dense [rows, blocks·width] buffer.</summary>
    public static void Gather<T>(ReadOnlySpan<T> rows, int rowCount, int stride, ReadOnlySpan<int> starts, int width, Span<T> dense)
    {
        int w = starts.Length * width;
        for (int r = 0; r < rowCount; r++)
            for (int s = 0; s < starts.Length; s++)
                rows.Slice(r * stride + starts[s], width).CopyTo(dense.Slice(r * w + s * width, width));
    }

    /// <summary>The inverse of <see cref="Gather"/>.</summary>
    public static void Scatter<T>(ReadOnlySpan<T> dense, int rowCount, int stride, ReadOnlySpan<int> starts, int width, Span<T> rows)
    {
        int w = starts.Length * width;
        for (int r = 0; r < rowCount; r++)
            for (int s = 0; s < starts.Length; s++)
                dense.Slice(r * w + s * width, width).CopyTo(rows.Slice(r * stride + starts[s], width));
    }

    /// <summary>Applies a step quantizer to column blocks of one step's rows (gathered, quantized, scattered back).</summary>
    public static QuantizedStep? QuantizeBlocks<T>(StepQuantizer? quantizer, Span<T> rows, int rowCount, int stride, ReadOnlySpan<int> starts, int width, bool record)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (quantizer is null) return null;
        var dense = new T[rowCount * starts.Length * width];
        Gather<T>(rows, rowCount, stride, starts, width, dense);
        var step = quantizer.Apply<T>(dense, rowCount, starts.Length * width, record);
        Scatter<T>(dense, rowCount, stride, starts, width, rows);
        return step;
    }

    /// <summary>Back-propagates column blocks of one step's gradient rows through a recorded step quantizer, in place.</summary>
    public static void BackwardBlocks<T>(StepQuantizer? quantizer, QuantizedStep? step, Span<T> rows, int rowCount, int stride, ReadOnlySpan<int> starts, int width)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (quantizer is null) return;
        var dense = new T[rowCount * starts.Length * width];
        Gather<T>(rows, rowCount, stride, starts, width, dense);
        StepQuantizer.Backward<T>(step, dense);
        Scatter<T>(dense, rowCount, stride, starts, width, rows);
    }

    /// <summary>The tensor's elements as a span of <typeparamref name="T"/> (float or double, matching its type).</summary>
    public static Span<T> Span<T>(Tensor t) where T : unmanaged => t.Span<T>();

    /// <summary>Wraps an array as a tensor of the matching type.</summary>
    public static Tensor ToTensor<T>(T[] data, params int[] shape) where T : unmanaged =>
        typeof(T) == typeof(double) ? Tensor.FromArray((double[])(object)data, shape) : Tensor.FromArray((float[])(object)data, shape);
}
