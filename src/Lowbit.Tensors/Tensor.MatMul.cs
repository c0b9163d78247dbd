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
        if (c.DType == DType.Float32)
            Sgemm.Multiply(transA, transB, m, n, k, 1f, a.AsSpan(), Math.Max(lda, 1), b.AsSpan(), Math.Max(ldb, 1), beta, c.AsSpan(), Math.Max(n, 1), Compute.Threads);
        else
            GemmReference<double>(transA, transB, m, n, k, a.Span<double>(), lda, b.Span<double>(), ldb, beta, c.Span<double>(), n);
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
