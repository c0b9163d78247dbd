using System.Numerics;
using System.Numerics.Tensors;
using Lowbit.Tensors;
using Lowbit.Tensors.Autograd;
using Tensor = Lowbit.Tensors.Tensor;

namespace Lowbit.Nn.Losses;

/// <summary>
/// Softmax cross-entropy of language-model logits [N, V] against N target token ids, fused and vectorised for large
/// vocabularies: the mean loss (with gradient) and the summed negative log-likelihood in nats (for perplexity).
/// </summary>
/// <remarks>
/// Per row: ℓ_n = log Σ_v exp(x_nv − m_n) + m_n − x_n,target with m_n = max_v x_nv; mean = Σ ℓ_n / N;
/// perplexity = exp(Σ ℓ_n / N). Backward: ∂mean/∂x_nv = (softmax(x_n)_v − 1[v = target]) / N.
/// Rows are spread over <see cref="Compute.Threads"/>; each row is computed whole by one thread and the row losses
/// are summed in order in double precision, so the result is the same for every thread count.
/// </remarks>
public static class TokenCrossEntropy
{
    /// <summary>Rows per parallel chunk.</summary>
    private const int RowGrain = 16;

    /// <summary>Computes the loss.</summary>
    /// <param name="logits">Logits [N, V], float32 or float64.</param>
    /// <param name="targets">N token ids in 0..V−1.</param>
    /// <returns>The mean loss (rank 0, carries the gradient) and the sum of the row losses.</returns>
    /// <exception cref="ArgumentException">Shapes disagree or a target is out of range.</exception>
    public static (Tensor Mean, double Sum) Compute(Tensor logits, ReadOnlySpan<int> targets)
    {
        ArgumentNullException.ThrowIfNull(logits);
        if (logits.Rank != 2 || logits.Dim(0) != targets.Length || logits.Dim(0) == 0)
            throw new ArgumentException($"TokenCrossEntropy expects logits [tokens, vocabulary] for {targets.Length} targets, got {ShapeUtil.Format(logits.ShapeSpan)}.", nameof(logits));
        int n = logits.Dim(0), v = logits.Dim(1);
        var ids = targets.ToArray();
        for (int i = 0; i < ids.Length; i++)
            if ((uint)ids[i] >= (uint)v) throw new ArgumentException($"TokenCrossEntropy: target {ids[i]} at row {i} is outside 0..{v - 1}.", nameof(targets));
        return logits.DType == DType.Float64 ? Compute<double>(logits, ids, n, v) : Compute<float>(logits, ids, n, v);
    }

    private static (Tensor Mean, double Sum) Compute<T>(Tensor logits, int[] ids, int n, int v) where T : unmanaged, IFloatingPointIeee754<T>
    {
        // exp(x − max) per row, unnormalised: backward divides by the row sum while it scales (one pass fewer).
        // A step buffer: recycled by the trainer's TensorArena at the next step instead of fresh memory each step.
        var probabilities = Tensor.Empty(logits.DType, n, v);
        var rowLoss = new double[n];
        var inverseSum = new double[n];
        Lowbit.Tensors.Compute.For(n, RowGrain, 1, (start, end) =>
        {
            ReadOnlySpan<T> x = logits.Span<T>();
            Span<T> all = probabilities.Span<T>();
            for (int r = start; r < end; r++)
            {
                var row = x.Slice(r * v, v);
                var p = all.Slice(r * v, v);
                T max = TensorPrimitives.Max<T>(row);
                TensorPrimitives.Subtract(row, max, p);
                TensorPrimitives.Exp<T>(p, p);
                double sum = double.CreateTruncating(TensorPrimitives.Sum<T>(p));
                rowLoss[r] = Math.Log(sum) + double.CreateTruncating(max) - double.CreateTruncating(row[ids[r]]);
                inverseSum[r] = 1.0 / sum;
            }
        });
        double total = 0;
        foreach (double l in rowLoss) total += l;
        var mean = Tensor.Scalar(total / n, logits.DType);
        bool consumed = false;
        var result = GradGraph.Record(mean, "TokenCrossEntropy", [logits], g =>
        {
            if (consumed) throw new InvalidOperationException("TokenCrossEntropy: backward ran twice on the same loss; compute the loss again.");
            consumed = true;
            double scale = g.GetFlat(0) / n;
            Lowbit.Tensors.Compute.For(n, RowGrain, 1, (start, end) =>
            {
                Span<T> all = probabilities.Span<T>();
                for (int r = start; r < end; r++)
                {
                    // (softmax − onehot)·scale = exp(x − max)·(scale / sum) − scale at the target.
                    var p = all.Slice(r * v, v);
                    TensorPrimitives.Multiply(p, T.CreateTruncating(scale * inverseSum[r]), p);
                    p[ids[r]] -= T.CreateTruncating(scale);
                }
            });
            return [probabilities];
        });
        return (result, total);
    }
}
