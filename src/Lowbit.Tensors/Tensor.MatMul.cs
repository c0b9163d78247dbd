using System.Numerics;
using Lowbit.Kernels.Gemm;
using Lowbit.Tensors.Autograd;

namespace Lowbit.Tensors;

public sealed partial class Tensor
{
    /// <summary>Matrix product op(a) · op(b) of rank-2 tensors, op = transpose when the flag is set.</summary>
    public static Tensor MatMul(Tensor a, Tensor b, bool transposeA = false, bool transposeB = false)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        RequireSameType(a, b, "MatMul");
        if (a.Rank != 2 || b.Rank != 2)
            throw new ArgumentException($"MatMul expects rank-2 tensors, got {ShapeUtil.Format(a.ShapeSpan)} and {ShapeUtil.Format(b.ShapeSpan)}.");
        int m = transposeA ? a._shape[1] : a._shape[0], k = transposeA ? a._shape[0] : a._shape[1];
        int kb = transposeB ? b._shape[1] : b._shape[0], n = transposeB ? b._shape[0] : b._shape[1];
        if (k != kb)
            throw new ArgumentException($"MatMul: inner dimensions differ: op(a) is [{m}, {k}] (from {ShapeUtil.Format(a.ShapeSpan)}{(transposeA ? "ᵀ" : "")}) and op(b) is [{kb}, {n}] (from {ShapeUtil.Format(b.ShapeSpan)}{(transposeB ? "ᵀ" : "")}).");
        var r = Uninitialized(a.DType, [m, n]);
        Gemm(transposeA, transposeB, m, n, k, a, b, 0f, r);
        return GradGraph.Record(r, "MatMul", [a, b], g => [
            a.TracksGrad ? (transposeA ? MatMul(b, g, transposeB, true) : MatMul(g, b, false, !transposeB)) : null,
            b.TracksGrad ? (transposeB ? MatMul(g, a, true, transposeA) : MatMul(a, g, !transposeA, false)) : null]);
    }

    /// <summary>C = op(A)·op(B) + beta·C on raw storage; float32 goes to the SGEMM kernel, float64 to the reference loop.</summary>
    internal static void Gemm(bool transA, bool transB, int m, int n, int k, Tensor a, Tensor b, float beta, Tensor c)
    {
        int lda = transA ? m : k, ldb = transB ? k : n;
        if (c.DType == DType.Float32 && beta == 0f && n < NarrowColumns && m >= 2 * n && k > 0)
        {
            GemmNarrow(transA, transB, m, n, k, a.AsSpan(), lda, b.AsSpan(), ldb, c.AsSpan());
            return;
        }
        if (c.DType == DType.Float32)
            Sgemm.Multiply(transA, transB, m, n, k, 1f, a.AsSpan(), Math.Max(lda, 1), b.AsSpan(), Math.Max(ldb, 1), beta, c.AsSpan(), Math.Max(n, 1), Compute.Threads);
        else
            GemmReference<double>(transA, transB, m, n, k, a.Span<double>(), lda, b.Span<double>(), ldb, beta, c.Span<double>(), n);
    }

    /// <summary>Below this many columns (and at most half as many as rows) C is computed as Cᵀ = op(B)ᵀ·op(A)ᵀ.</summary>
    internal const int NarrowColumns = 16;

    /// <summary>
    /// C [m, n] for a narrow C (n &lt; 16, e.g. 10 logits or a 3 × 3 single-channel filter gradient): a 32-column
    /// register tile would be mostly padding, so compute Cᵀ = op(B)ᵀ·op(A)ᵀ (n rows: at most one 8-row panel of
    /// padding) and transpose it. Each element is the same FMA chain over k (a·b = b·a), so the result is
    /// bit-identical to the direct product.
    /// </summary>
    internal static void GemmNarrow(bool transA, bool transB, int m, int n, int k, ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, Span<float> c)
    {
        float[] rent = System.Buffers.ArrayPool<float>.Shared.Rent(m * n);
        try
        {
            var cT = rent.AsSpan(0, m * n); // [n, m]
            Sgemm.Multiply(!transB, !transA, n, m, k, 1f, b, Math.Max(ldb, 1), a, Math.Max(lda, 1), 0f, cT, m, Compute.Threads);
            for (int j = 0; j < n; j++)
                for (int i = 0; i < m; i++) c[i * n + j] = cT[j * m + i];
        }
        finally
        {
            System.Buffers.ArrayPool<float>.Shared.Return(rent);
        }
    }

    /// <summary>
    /// C = op(A)·op(B) on sub-matrices of spans with explicit leading dimensions (beta = 0); float32 goes to the
    /// SGEMM kernel with <paramref name="threads"/> threads, float64 to the reference loop.
    /// </summary>
    internal static void GemmSpans<T>(bool transA, bool transB, int m, int n, int k, ReadOnlySpan<T> a, int lda, ReadOnlySpan<T> b, int ldb,
        Span<T> c, int ldc, int threads) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(float))
            Sgemm.Multiply(transA, transB, m, n, k, 1f, System.Runtime.InteropServices.MemoryMarshal.Cast<T, float>(a), lda,
                System.Runtime.InteropServices.MemoryMarshal.Cast<T, float>(b), ldb, 0f, System.Runtime.InteropServices.MemoryMarshal.Cast<T, float>(c), ldc, threads);
        else
            GemmReference(transA, transB, m, n, k, a, lda, b, ldb, 0f, c, ldc);
    }

    internal static void GemmReference<T>(bool transA, bool transB, int m, int n, int k, ReadOnlySpan<T> a, int lda, ReadOnlySpan<T> b, int ldb, float beta, Span<T> c, int ldc)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T tb = T.CreateChecked(beta);
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                T sum = T.Zero;
                for (int p = 0; p < k; p++)
                    sum += (transA ? a[p * lda + i] : a[i * lda + p]) * (transB ? b[j * ldb + p] : b[p * ldb + j]);
                c[i * ldc + j] = beta == 0f ? sum : sum + tb * c[i * ldc + j];
            }
    }

    /// <summary>Affine map x·Wᵀ + b: x [N, in], weight [out, in], bias [out] or null → [N, out].</summary>
    public static Tensor Linear(Tensor x, Tensor weight, Tensor? bias)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(weight);
        if (x.Rank != 2 || weight.Rank != 2 || x._shape[1] != weight._shape[1])
            throw new ArgumentException($"Linear expects input [batch, {(weight.Rank == 2 ? weight._shape[1] : -1)}] (inFeatures) but got input {ShapeUtil.Format(x.ShapeSpan)} and weight {ShapeUtil.Format(weight.ShapeSpan)}; flatten the input first.");
        var y = MatMul(x, weight, false, true);
        if (bias is null) return y;
        if (bias.Rank != 1 || bias._shape[0] != weight._shape[0])
            throw new ArgumentException($"Linear: bias shape {ShapeUtil.Format(bias.ShapeSpan)} must be [{weight._shape[0]}] (outFeatures).", nameof(bias));
        return Add(y, bias);
    }
}
