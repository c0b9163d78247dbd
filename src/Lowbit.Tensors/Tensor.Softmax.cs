using System.Numerics;
using Lowbit.Tensors.Autograd;

namespace Lowbit.Tensors;

public sealed partial class Tensor
{
    /// <summary>Softmax over the last dimension.</summary>
    public static Tensor Softmax(Tensor x)
    {
        ArgumentNullException.ThrowIfNull(x);
        var y = Uninitialized(x.DType, x.Shape.ToArray());
        int n = x.Dim(-1);
        if (x.DType == DType.Float64) SoftmaxRows<double>(x.Span<double>(), y.Span<double>(), n, log: false);
        else SoftmaxRows<float>(x.AsSpan(), y.AsSpan(), n, log: false);
        return GradGraph.Record(y, "Softmax", [x], g =>
        {
            // dx = y ⊙ (g − Σ g⊙y) per row
            var gx = Uninitialized(g.DType, g.Shape.ToArray());
            if (g.DType == DType.Float64) SoftmaxBackward<double>(g.Span<double>(), y.Span<double>(), gx.Span<double>(), n);
            else SoftmaxBackward<float>(g.AsSpan(), y.AsSpan(), gx.AsSpan(), n);
            return [gx];
        });
    }

    /// <summary>Log-softmax over the last dimension (numerically stable).</summary>
    public static Tensor LogSoftmax(Tensor x)
    {
        ArgumentNullException.ThrowIfNull(x);
        var y = Uninitialized(x.DType, x.Shape.ToArray());
        int n = x.Dim(-1);
        if (x.DType == DType.Float64) SoftmaxRows<double>(x.Span<double>(), y.Span<double>(), n, log: true);
        else SoftmaxRows<float>(x.AsSpan(), y.AsSpan(), n, log: true);
        return GradGraph.Record(y, "LogSoftmax", [x], g =>
        {
            // dx = g − softmax · Σ g per row
            var gx = Uninitialized(g.DType, g.Shape.ToArray());
            if (g.DType == DType.Float64) LogSoftmaxBackward<double>(g.Span<double>(), y.Span<double>(), gx.Span<double>(), n);
            else LogSoftmaxBackward<float>(g.AsSpan(), y.AsSpan(), gx.AsSpan(), n);
            return [gx];
        });
    }

    private static void SoftmaxRows<T>(ReadOnlySpan<T> x, Span<T> y, int n, bool log) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int r = 0; r + n <= x.Length && n > 0; r += n)
        {
            var row = x.Slice(r, n);
            var dst = y.Slice(r, n);
            T max = row[0];
            for (int i = 1; i < n; i++) if (row[i] > max) max = row[i];
            T sum = T.Zero;
            for (int i = 0; i < n; i++) { dst[i] = T.Exp(row[i] - max); sum += dst[i]; }
            if (log)
            {
                T logSum = T.Log(sum) + max;
                for (int i = 0; i < n; i++) dst[i] = row[i] - logSum;
            }
            else
            {
                for (int i = 0; i < n; i++) dst[i] /= sum;
            }
        }
    }

    private static void SoftmaxBackward<T>(ReadOnlySpan<T> g, ReadOnlySpan<T> y, Span<T> gx, int n) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int r = 0; r + n <= g.Length && n > 0; r += n)
        {
            T dot = T.Zero;
            for (int i = 0; i < n; i++) dot += g[r + i] * y[r + i];
            for (int i = 0; i < n; i++) gx[r + i] = y[r + i] * (g[r + i] - dot);
        }
    }

    private static void LogSoftmaxBackward<T>(ReadOnlySpan<T> g, ReadOnlySpan<T> y, Span<T> gx, int n) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int r = 0; r + n <= g.Length && n > 0; r += n)
        {
            T sum = T.Zero;
            for (int i = 0; i < n; i++) sum += g[r + i];
            for (int i = 0; i < n; i++) gx[r + i] = g[r + i] - T.Exp(y[r + i]) * sum;
        }
    }

    /// <summary>Mean softmax cross-entropy of logits [N, K] against integer labels (fused, stable).</summary>
    public static Tensor CrossEntropy(Tensor logits, ReadOnlySpan<int> labels)
    {
        ArgumentNullException.ThrowIfNull(logits);
        if (logits.Rank != 2) throw new ArgumentException($"CrossEntropy expects logits [batch, classes], got {ShapeUtil.Format(logits.ShapeSpan)}.", nameof(logits));
        int batch = logits._shape[0], k = logits._shape[1];
        if (labels.Length != batch) throw new ArgumentException($"CrossEntropy: {labels.Length} labels for a batch of {batch}.", nameof(labels));
        var lab = labels.ToArray();
        foreach (int l in lab)
            if ((uint)l >= (uint)k) throw new ArgumentException($"CrossEntropy: label {l} is outside 0..{k - 1}.", nameof(labels));
        var logp = Uninitialized(logits.DType, [batch, k]);
        double loss = 0;
        if (logits.DType == DType.Float64)
        {
            SoftmaxRows<double>(logits.Span<double>(), logp.Span<double>(), k, log: true);
            for (int i = 0; i < batch; i++) loss -= logp.Span<double>()[i * k + lab[i]];
        }
        else
        {
            SoftmaxRows<float>(logits.AsSpan(), logp.AsSpan(), k, log: true);
            for (int i = 0; i < batch; i++) loss -= logp.AsSpan()[i * k + lab[i]];
        }
        var r = Scalar(loss / batch, logits.DType);
        return GradGraph.Record(r, "CrossEntropy", [logits], g =>
        {
            double scale = g.GetFlat(0) / batch;
            var gx = Uninitialized(logits.DType, [batch, k]);
            for (int i = 0; i < batch; i++)
                for (int j = 0; j < k; j++)
                    gx.SetFlatFast(i * k + j, (Math.Exp(logp.GetFlatFast(i * k + j)) - (j == lab[i] ? 1 : 0)) * scale);
            return [gx];
        });
    }

    internal double GetFlatFast(int index) => Storage is float[] f ? f[_offset + index] : ((double[])Storage)[_offset + index];

    internal void SetFlatFast(int index, double value)
    {
        if (Storage is float[] f) f[_offset + index] = (float)value;
        else ((double[])Storage)[_offset + index] = value;
    }
}
