using System.Numerics;
using Lowbit.Tensors.Autograd;

namespace Lowbit.Tensors;

/// <summary>Options of a batch-normalisation call.</summary>
/// <param name="Training">Use batch statistics (and update running ones) rather than running statistics.</param>
/// <param name="Momentum">Running-statistics update: running = (1 − momentum)·running + momentum·batch.</param>
/// <param name="Epsilon">Added to the variance.</param>
public sealed record BatchNormOptions(bool Training, double Momentum = 0.1, double Epsilon = 1e-5);

public sealed partial class Tensor
{
    /// <summary>
    /// Batch normalisation over channel dimension 1 of x [N, C] or [N, C, H, W] (fused forward and backward).
    /// </summary>
    /// <remarks>
    /// y = γ·(x − μ)/sqrt(σ² + ε) + β with μ, σ² the biased batch statistics per channel in training, the running
    /// ones in evaluation. Running variance is updated with the unbiased batch variance (PyTorch convention).
    /// γ or β may be null (no affine part). Running tensors are updated in place and never get gradients.
    /// </remarks>
    public static Tensor BatchNorm(Tensor x, Tensor? gamma, Tensor? beta, Tensor runningMean, Tensor runningVar, BatchNormOptions options)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(runningMean);
        ArgumentNullException.ThrowIfNull(runningVar);
        ArgumentNullException.ThrowIfNull(options);
        if (x.Rank != 2 && x.Rank != 4)
            throw new ArgumentException($"BatchNorm expects [batch, channels] or [batch, channels, height, width], got {ShapeUtil.Format(x.ShapeSpan)}.", nameof(x));
        int n = x._shape[0], c = x._shape[1], inner = x.Rank == 4 ? x._shape[2] * x._shape[3] : 1;
        foreach (var (t, name) in new[] { (gamma, "gamma"), (beta, "beta"), (runningMean, "runningMean"), (runningVar, "runningVar") })
            if (t is not null && (t.Rank != 1 || t._shape[0] != c))
                throw new ArgumentException($"BatchNorm: {name} has shape {ShapeUtil.Format(t.ShapeSpan)} but the input has {c} channels (shape {ShapeUtil.Format(x.ShapeSpan)}).");
        int count = n * inner;
        if (options.Training && count < 2)
            throw new ArgumentException($"BatchNorm in training mode needs more than one value per channel, got input {ShapeUtil.Format(x.ShapeSpan)}.", nameof(x));
        var mean = new double[c];
        var invStd = new double[c];
        if (options.Training)
        {
            ChannelStats(x, n, c, inner, mean, invStd, options.Epsilon, out var variance);
            for (int ch = 0; ch < c; ch++)
            {
                double unbiased = variance[ch] * count / (count - 1);
                runningMean.SetFlatFast(ch, (1 - options.Momentum) * runningMean.GetFlatFast(ch) + options.Momentum * mean[ch]);
                runningVar.SetFlatFast(ch, (1 - options.Momentum) * runningVar.GetFlatFast(ch) + options.Momentum * unbiased);
            }
        }
        else
        {
            for (int ch = 0; ch < c; ch++)
            {
                mean[ch] = runningMean.GetFlatFast(ch);
                invStd[ch] = 1.0 / Math.Sqrt(runningVar.GetFlatFast(ch) + options.Epsilon);
            }
        }
        var scale = new double[c];
        var shift = new double[c];
        for (int ch = 0; ch < c; ch++)
        {
            double gm = gamma?.GetFlatFast(ch) ?? 1.0, bt = beta?.GetFlatFast(ch) ?? 0.0;
            scale[ch] = gm * invStd[ch];
            shift[ch] = bt - mean[ch] * scale[ch];
        }
        var y = Uninitialized(x.DType, x.Shape.ToArray());
        if (x.DType == DType.Float64) Affine<double>(x.Span<double>(), y.Span<double>(), scale, shift, c, inner);
        else Affine<float>(x.AsSpan(), y.AsSpan(), scale, shift, c, inner);
        var inputs = new List<Tensor> { x };
        if (gamma is not null) inputs.Add(gamma);
        if (beta is not null) inputs.Add(beta);
        bool training = options.Training;
        return GradGraph.Record(y, "BatchNorm", inputs.ToArray(), g => BatchNormBackward(g, x, gamma, beta, mean, invStd, training, n, c, inner));
    }

    private static void ChannelStats(Tensor x, int n, int c, int inner, double[] mean, double[] invStd, double eps, out double[] variance)
    {
        variance = new double[c];
        if (x.DType == DType.Float64) ChannelStatsCore<double>(x.Span<double>(), n, c, inner, mean, variance);
        else ChannelStatsCore<float>(x.AsSpan(), n, c, inner, mean, variance);
        for (int ch = 0; ch < c; ch++) invStd[ch] = 1.0 / Math.Sqrt(variance[ch] + eps);
    }

    /// <summary>Two-pass (centred) per-channel mean and biased variance, accumulated in double.</summary>
    private static void ChannelStatsCore<T>(ReadOnlySpan<T> x, int n, int c, int inner, double[] mean, double[] variance) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int count = n * inner;
        if (inner == 1)
        {
            // [N, C]: accumulate rows (contiguous over channels)
            var sum = new double[c];
            for (int b = 0; b < n; b++)
            {
                var row = x.Slice(b * c, c);
                for (int ch = 0; ch < c; ch++) sum[ch] += double.CreateTruncating(row[ch]);
            }
            for (int ch = 0; ch < c; ch++) mean[ch] = sum[ch] / count;
            var sq = new double[c];
            for (int b = 0; b < n; b++)
            {
                var row = x.Slice(b * c, c);
                for (int ch = 0; ch < c; ch++)
                {
                    double d = double.CreateTruncating(row[ch]) - mean[ch];
                    sq[ch] += d * d;
                }
            }
            for (int ch = 0; ch < c; ch++) variance[ch] = sq[ch] / count;
            return;
        }
        for (int ch = 0; ch < c; ch++)
        {
            double s = 0;
            for (int b = 0; b < n; b++)
                s += double.CreateTruncating(System.Numerics.Tensors.TensorPrimitives.Sum(x.Slice((b * c + ch) * inner, inner)));
            double m = s / count, s2 = 0;
            T mt = T.CreateTruncating(m);
            for (int b = 0; b < n; b++) s2 += double.CreateTruncating(SumSquaredDeviation(x.Slice((b * c + ch) * inner, inner), mt));
            mean[ch] = m;
            variance[ch] = s2 / count;
        }
    }

    /// <summary>Σ (x − m)² over a span (vectorised, accumulated in T per span; callers sum spans in double).</summary>
    private static T SumSquaredDeviation<T>(ReadOnlySpan<T> x, T m) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int i = 0;
        T total = T.Zero;
        if (Vector.IsHardwareAccelerated && x.Length >= Vector<T>.Count)
        {
            var xv = System.Runtime.InteropServices.MemoryMarshal.Cast<T, Vector<T>>(x);
            var mv = new Vector<T>(m);
            var acc = Vector<T>.Zero;
            for (int v = 0; v < xv.Length; v++)
            {
                var d = xv[v] - mv;
                acc += d * d;
            }
            total = Vector.Sum(acc);
            i = xv.Length * Vector<T>.Count;
        }
        for (; i < x.Length; i++)
        {
            T d = x[i] - m;
            total += d * d;
        }
        return total;
    }

    private static void Affine<T>(ReadOnlySpan<T> x, Span<T> y, double[] scale, double[] shift, int c, int inner) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int rows = x.Length / Math.Max(c * inner, 1);
        for (int b = 0; b < rows; b++)
            for (int ch = 0; ch < c; ch++)
            {
                int off = (b * c + ch) * inner;
                var dst = y.Slice(off, inner);
                System.Numerics.Tensors.TensorPrimitives.Multiply(x.Slice(off, inner), T.CreateChecked(scale[ch]), dst);
                System.Numerics.Tensors.TensorPrimitives.Add(dst, T.CreateChecked(shift[ch]), dst);
            }
    }

    private static Tensor?[] BatchNormBackward(Tensor g, Tensor x, Tensor? gamma, Tensor? beta, double[] mean, double[] invStd, bool training, int n, int c, int inner)
    {
        var sumG = new double[c];
        var sumGXhat = new double[c];
        var gammaValues = new double[c];
        for (int ch = 0; ch < c; ch++) gammaValues[ch] = gamma?.GetFlatFast(ch) ?? 1.0;
        Tensor? gx = x.TracksGrad ? Uninitialized(x.DType, x.Shape.ToArray()) : null;
        if (x.DType == DType.Float64)
            BackwardCore<double>(g.Span<double>(), x.Span<double>(), gx is null ? default : gx.Span<double>(), mean, invStd, gammaValues, training, n, c, inner, sumG, sumGXhat);
        else
            BackwardCore<float>(g.AsSpan(), x.AsSpan(), gx is null ? default : gx.AsSpan(), mean, invStd, gammaValues, training, n, c, inner, sumG, sumGXhat);
        var grads = new List<Tensor?> { gx };
        if (gamma is not null)
        {
            var gg = Zeros(gamma.DType, c);
            for (int ch = 0; ch < c; ch++) gg.SetFlatFast(ch, sumGXhat[ch]);
            grads.Add(gg);
        }
        if (beta is not null)
        {
            var gb = Zeros(beta.DType, c);
            for (int ch = 0; ch < c; ch++) gb.SetFlatFast(ch, sumG[ch]);
            grads.Add(gb);
        }
        return grads.ToArray();
    }

    /// <remarks>
    /// x̂ = (x − μ)·invStd. Training: dx = γ·invStd·(g − mean(g) − x̂·mean(g·x̂)); evaluation: dx = γ·invStd·g.
    /// dγ = Σ g·x̂, dβ = Σ g.
    /// </remarks>
    private static void BackwardCore<T>(ReadOnlySpan<T> g, ReadOnlySpan<T> x, Span<T> gx, double[] mean, double[] invStd, double[] gamma,
        bool training, int n, int c, int inner, double[] sumG, double[] sumGXhat) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int b = 0; b < n; b++)
            for (int ch = 0; ch < c; ch++)
            {
                int off = (b * c + ch) * inner;
                double m = mean[ch], k = invStd[ch];
                if (inner >= 16)
                {
                    // Σg and Σg·x per span (vectorised), then Σg·x̂ = (Σg·x − m·Σg)·k in double.
                    var gs = g.Slice(off, inner);
                    double sg = double.CreateTruncating(System.Numerics.Tensors.TensorPrimitives.Sum(gs));
                    double sgxRaw = double.CreateTruncating(System.Numerics.Tensors.TensorPrimitives.Dot(gs, x.Slice(off, inner)));
                    sumG[ch] += sg;
                    sumGXhat[ch] += (sgxRaw - m * sg) * k;
                    continue;
                }
                double sgs = 0, sgx = 0;
                for (int i = 0; i < inner; i++)
                {
                    double gv = double.CreateTruncating(g[off + i]);
                    sgs += gv;
                    sgx += gv * (double.CreateTruncating(x[off + i]) - m) * k;
                }
                sumG[ch] += sgs;
                sumGXhat[ch] += sgx;
            }
        if (gx.IsEmpty) return;
        int count = n * inner;
        if (inner >= 16)
        {
            // gx = a·g + b·x + c0 with a = γ·k, b = −γ·k²·mean(g·x̂) (training), c0 = −a·mean(g) − b·m.
            for (int b = 0; b < n; b++)
                for (int ch = 0; ch < c; ch++)
                {
                    int off = (b * c + ch) * inner;
                    double k = invStd[ch], a = gamma[ch] * k;
                    double bx = training ? -a * k * sumGXhat[ch] / count : 0.0;
                    double c0 = training ? -a * sumG[ch] / count - bx * mean[ch] : 0.0;
                    var dst = gx.Slice(off, inner);
                    System.Numerics.Tensors.TensorPrimitives.Multiply(g.Slice(off, inner), T.CreateTruncating(a), dst);
                    System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(x.Slice(off, inner), T.CreateTruncating(bx), dst, dst);
                    System.Numerics.Tensors.TensorPrimitives.Add(dst, T.CreateTruncating(c0), dst);
                }
            return;
        }
        for (int b = 0; b < n; b++)
            for (int ch = 0; ch < c; ch++)
            {
                int off = (b * c + ch) * inner;
                double m = mean[ch], k = invStd[ch], scale = gamma[ch] * k;
                double meanG = sumG[ch] / count, meanGX = sumGXhat[ch] / count;
                for (int i = 0; i < inner; i++)
                {
                    double gv = double.CreateTruncating(g[off + i]);
                    double value = training ? scale * (gv - meanG - (double.CreateTruncating(x[off + i]) - m) * k * meanGX) : scale * gv;
                    gx[off + i] = T.CreateTruncating(value);
                }
            }
    }
}
