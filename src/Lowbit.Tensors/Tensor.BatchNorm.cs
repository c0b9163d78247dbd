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
        var sum = new double[c];
        var sq = new double[c];
        for (int b = 0; b < n; b++)
            for (int ch = 0; ch < c; ch++)
            {
                int off = (b * c + ch) * inner;
                double s = 0;
                if (x.DType == DType.Float64)
                {
                    var v = x.Span<double>().Slice(off, inner);
                    foreach (double e in v) s += e;
                    sum[ch] += s;
                }
                else
                {
                    var v = x.AsSpan().Slice(off, inner);
                    foreach (float e in v) s += e;
                    sum[ch] += s;
                }
            }
        int count = n * inner;
        for (int ch = 0; ch < c; ch++) mean[ch] = sum[ch] / count;
        // second pass: centred sum of squares (stable)
        for (int b = 0; b < n; b++)
            for (int ch = 0; ch < c; ch++)
            {
                int off = (b * c + ch) * inner;
                double m = mean[ch], s2 = 0;
                if (x.DType == DType.Float64) foreach (double e in x.Span<double>().Slice(off, inner)) s2 += (e - m) * (e - m);
                else foreach (float e in x.AsSpan().Slice(off, inner)) s2 += (e - m) * (e - m);
                sq[ch] += s2;
            }
        variance = new double[c];
        for (int ch = 0; ch < c; ch++)
        {
            variance[ch] = sq[ch] / count;
            invStd[ch] = 1.0 / Math.Sqrt(variance[ch] + eps);
        }
    }

    private static void Affine<T>(ReadOnlySpan<T> x, Span<T> y, double[] scale, double[] shift, int c, int inner) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int rows = x.Length / Math.Max(c * inner, 1);
        for (int b = 0; b < rows; b++)
            for (int ch = 0; ch < c; ch++)
            {
                int off = (b * c + ch) * inner;
                T s = T.CreateChecked(scale[ch]), t = T.CreateChecked(shift[ch]);
                for (int i = 0; i < inner; i++) y[off + i] = x[off + i] * s + t;
            }
    }

    private static Tensor?[] BatchNormBackward(Tensor g, Tensor x, Tensor? gamma, Tensor? beta, double[] mean, double[] invStd, bool training, int n, int c, int inner)
    {
        var sumG = new double[c];
        var sumGXhat = new double[c];
        for (int b = 0; b < n; b++)
            for (int ch = 0; ch < c; ch++)
            {
                int off = (b * c + ch) * inner;
                for (int i = 0; i < inner; i++)
                {
                    double gv = g.GetFlatFast(off + i), xhat = (x.GetFlatFast(off + i) - mean[ch]) * invStd[ch];
                    sumG[ch] += gv;
                    sumGXhat[ch] += gv * xhat;
                }
            }
        Tensor? gx = null;
        if (x.TracksGrad)
        {
            gx = Uninitialized(x.DType, x.Shape.ToArray());
            int count = n * inner;
            for (int b = 0; b < n; b++)
                for (int ch = 0; ch < c; ch++)
                {
                    int off = (b * c + ch) * inner;
                    double gm = gamma?.GetFlatFast(ch) ?? 1.0, k = gm * invStd[ch];
                    for (int i = 0; i < inner; i++)
                    {
                        double gv = g.GetFlatFast(off + i);
                        double value = training
                            ? k * (gv - sumG[ch] / count - (x.GetFlatFast(off + i) - mean[ch]) * invStd[ch] * sumGXhat[ch] / count)
                            : k * gv;
                        gx.SetFlatFast(off + i, value);
                    }
                }
        }
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
}
