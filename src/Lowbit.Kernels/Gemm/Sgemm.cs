using System.Runtime.Intrinsics;

namespace Lowbit.Kernels.Gemm;

/// <summary>
/// Single-precision general matrix multiply on row-major matrices:
/// <c>C = alpha · op(A) · op(B) + beta · C</c>, where <c>op(X)</c> is X or its transpose.
/// </summary>
/// <remarks>
/// Shapes: op(A) is [m, k], op(B) is [k, n], C is [m, n]. A is stored [m, k] (lda ≥ k) when not transposed,
/// [k, m] (lda ≥ m) when transposed; likewise B. beta = 0 overwrites C without reading it (NaN in C is
/// discarded); alpha = 0 or k = 0 gives C = beta·C without reading A or B.
/// <para>
/// Dispatch: the Vector512 path (8 × 32 register tile) when <see cref="System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated"/>,
/// else the Vector256 path (6 × 16), else the scalar reference. The vector paths pack op(A) and op(B) into
/// micro-panels (transposes are handled while packing) in Kc × Nc cache blocks; see <c>Sgemm.Blocked.cs</c>.
/// </para>
/// <para>
/// Determinism: threads own disjoint whole tiles of C and the reduction over k is never split, and every
/// element is computed with the same operation sequence wherever its tile lies, so on a given path the result is
/// bit-identical for every thread count (and run to run).
/// </para>
/// <para>
/// Why hand-written: .NET has no matrix multiply (TensorPrimitives stops at vector operations), and a native BLAS
/// (OpenBLAS, MKL) would add a native dependency per platform and split the k reduction differently per thread count,
/// breaking the reproducibility above. This kernel is measured against numpy's BLAS side by side
/// (benchmarks/sgemm-ratio.sh, BENCHMARKS.md).
/// </para>
/// </remarks>
public static partial class Sgemm
{
    /// <summary>Computes C = alpha·op(A)·op(B) + beta·C. See the type remarks for layouts.</summary>
    /// <param name="transA">Whether op(A) = Aᵀ (A stored [k, m]).</param>
    /// <param name="transB">Whether op(B) = Bᵀ (B stored [n, k]).</param>
    /// <param name="threads">Maximum worker threads (≥ 1); small products (m·n·k &lt; 2²¹) run on the calling thread.</param>
    /// <exception cref="ArgumentOutOfRangeException">m, n or k is negative, or threads &lt; 1.</exception>
    /// <exception cref="ArgumentException">A leading dimension is smaller than its row length, or a span is too
    /// short for its matrix; the message names the matrix, its shape and the element count needed.</exception>
    public static void Multiply(bool transA, bool transB, int m, int n, int k, float alpha,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc, int threads = 1)
    {
        Validate(transA, transB, m, n, k, a.Length, lda, b.Length, ldb, c.Length, ldc);
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        if (m == 0 || n == 0) return;
        if (Vector512.IsHardwareAccelerated)
            MultiplyVector512(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, threads);
        else if (Vector256.IsHardwareAccelerated)
            MultiplyVector256(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, threads);
        else
            MultiplyScalar(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    }

    internal static void Validate(bool transA, bool transB, int m, int n, int k, int aLength, int lda, int bLength, int ldb, int cLength, int ldc)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(m);
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        ArgumentOutOfRangeException.ThrowIfNegative(k);
        int aRows = transA ? k : m, aCols = transA ? m : k;
        int bRows = transB ? n : k, bCols = transB ? k : n;
        CheckMatrix("a", aRows, aCols, aLength, lda);
        CheckMatrix("b", bRows, bCols, bLength, ldb);
        CheckMatrix("c", m, n, cLength, ldc);
    }

    private static void CheckMatrix(string name, int rows, int cols, int length, int ld)
    {
        if (ld < Math.Max(1, cols))
            throw new ArgumentException($"Leading dimension of {name} is {ld} but the matrix has {cols} columns; it must be at least {Math.Max(1, cols)}.", name);
        long needed = rows == 0 ? 0 : (long)(rows - 1) * ld + cols;
        if (length < needed)
            throw new ArgumentException($"Matrix {name} ([{rows}, {cols}], leading dimension {ld}) needs {needed} elements but the span has {length}.", name);
    }

    /// <summary>Reference path: plain loops, double accumulation is NOT used (matches float kernels' rounding class).</summary>
    internal static void MultiplyScalar(bool transA, bool transB, int m, int n, int k, float alpha,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc)
    {
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                float sum = 0f;
                for (int p = 0; p < k; p++)
                {
                    float av = transA ? a[p * lda + i] : a[i * lda + p];
                    float bv = transB ? b[j * ldb + p] : b[p * ldb + j];
                    sum += av * bv;
                }
                int ci = i * ldc + j;
                c[ci] = beta == 0f ? alpha * sum : alpha * sum + beta * c[ci];
            }
        }
    }
}
