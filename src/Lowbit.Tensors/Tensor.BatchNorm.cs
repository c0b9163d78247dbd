using System.Numerics;
using Lowbit.Tensors.Autograd;
using Lowbit.Tensors.Ops;

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
        var (n, c, inner) = CheckBatchNorm(x, gamma, beta, runningMean, runningVar, options);
        var (mean, invStd) = BatchNormStatistics(x, runningMean, runningVar, options, n, c, inner);
        var y = Uninitialized(x.DType, x.Shape.ToArray());
        if (x.DType == DType.Float32 && BatchNormCentersPlanes(inner)) CenteredAffine(x, y, gamma, beta, mean, invStd, n, c, inner, relu: false);
        else
        {
            var scale = new double[c];
            var shift = new double[c];
            for (int ch = 0; ch < c; ch++)
            {
                double gm = gamma?.GetFlatFast(ch) ?? 1.0, bt = beta?.GetFlatFast(ch) ?? 0.0;
                scale[ch] = gm * invStd[ch];
                shift[ch] = bt - mean[ch] * scale[ch];
            }
            if (x.DType == DType.Float64) Affine<double>(x, y, scale, shift, n, c, inner);
            else Affine<float>(x, y, scale, shift, n, c, inner);
        }
        bool training = options.Training;
        return GradGraph.Record(y, "BatchNorm", BatchNormInputs(x, gamma, beta), g => BatchNormBackward(g, x, gamma, beta, mean, invStd, training, n, c, inner, null));
    }

    /// <summary>
    /// Whether float32 batch norm (and its fused forms) maps channels of <paramref name="valuesPerChannel"/> values per
    /// image (H·W of a feature map, 1 for dense features) as <c>fma(x − c, s, h)</c> with c = float32(μ), s = float32(γ·k),
    /// h = float32(β − (μ − c)·γ·k) and k = 1/sqrt(σ² + ε) in double (true: planes of at least 32 values), or as
    /// <c>fl(fl(x·s) + h')</c> with h' = float32(β − μ·γ·k) (false). Both are the same map in real arithmetic; an exporter
    /// that must reproduce the float32 values bit for bit (e.g. folding batch norm and sign into an integer threshold)
    /// needs to know which.
    /// </summary>
    public static bool BatchNormCentersPlanes(int valuesPerChannel) => valuesPerChannel >= BatchNormPlaneKernels.Lanes;

    /// <summary>
    /// The (c, s, h') of the centered form (<see cref="BatchNormCentersPlanes"/>) in evaluation mode, exactly as BatchNorm
    /// derives them from the running statistics: k = 1/sqrt(σ² + ε) and γ·k in double, c = float32(μ),
    /// s = float32(γ·k), h' = float32(β − (μ − c)·γ·k). For code that reproduces BatchNorm's float32 values bit for bit.
    /// </summary>
    public static (float Center, float Scale, float Shift) BatchNormCenteredCoefficients(double mean, double variance, double epsilon, double gamma, double beta) =>
        BatchNormPlaneKernels.AffineCoefficients(mean, 1.0 / Math.Sqrt(variance + epsilon), gamma, beta);

    /// <summary>
    /// Relu(BatchNorm(x, …)) as one op: the same values and gradients, bit for bit, with one pass fewer each way.
    /// </summary>
    /// <remarks>
    /// For float32 [N, C, H, W] with H·W ≥ 32 the affine map and the clamp run in one pass, and the backward folds ReLU's
    /// mask (pass g where the batch-norm output is &gt; 0) into the batch-norm gradient passes, recomputing the output
    /// from x with the forward's coefficients (no mask or intermediate tensor is stored). Other inputs run the two ops.
    /// </remarks>
    public static Tensor BatchNormRelu(Tensor x, Tensor? gamma, Tensor? beta, Tensor runningMean, Tensor runningVar, BatchNormOptions options)
    {
        var (n, c, inner) = CheckBatchNorm(x, gamma, beta, runningMean, runningVar, options);
        if (x.DType != DType.Float32 || x.Rank != 4 || inner < BatchNormPlaneKernels.Lanes)
            return Relu(BatchNorm(x, gamma, beta, runningMean, runningVar, options));
        var (mean, invStd) = BatchNormStatistics(x, runningMean, runningVar, options, n, c, inner);
        var y = Uninitialized(x.DType, x.Shape.ToArray());
        var relu = CenteredAffine(x, y, gamma, beta, mean, invStd, n, c, inner, relu: true);
        bool training = options.Training;
        return GradGraph.Record(y, "BatchNormRelu", BatchNormInputs(x, gamma, beta), g => BatchNormBackward(g, x, gamma, beta, mean, invStd, training, n, c, inner, relu));
    }

    /// <summary>
    /// activation(BatchNorm(x, …) + residual) as one op, the end of a residual block whose body ends in batch norm: the
    /// same values and gradients as the three ops, bit for bit.
    /// </summary>
    /// <remarks>
    /// For float32 [N, C, H, W] with H·W ≥ 32 the forward is one pass (no batch-norm output or sum is stored); the
    /// backward recomputes the activation's input from x and the residual to mask g (the residual's gradient) in the pass
    /// that sums it for the batch-norm gradient, then computes the input gradient. Other inputs run the three ops.
    /// </remarks>
    /// <param name="residual">Added to the batch-norm output; the shape of x.</param>
    /// <param name="activation">The clamping activation after the sum (<see cref="ClampBounds.Relu"/>, <see cref="ClampBounds.HardTanh"/>).</param>
    public static Tensor BatchNormAddClamp(Tensor x, Tensor? gamma, Tensor? beta, Tensor runningMean, Tensor runningVar, BatchNormOptions options,
        Tensor residual, ClampBounds activation)
    {
        ArgumentNullException.ThrowIfNull(residual);
        ArgumentNullException.ThrowIfNull(activation);
        var (n, c, inner) = CheckBatchNorm(x, gamma, beta, runningMean, runningVar, options);
        if (!residual.ShapeSpan.SequenceEqual(x.ShapeSpan))
            throw new ArgumentException($"BatchNormAddClamp: residual {ShapeUtil.Format(residual.ShapeSpan)} must have the shape of x {ShapeUtil.Format(x.ShapeSpan)}.", nameof(residual));
        if (x.DType != DType.Float32 || residual.DType != DType.Float32 || x.Rank != 4 || inner < BatchNormPlaneKernels.Lanes)
            return activation.Apply(Add(BatchNorm(x, gamma, beta, runningMean, runningVar, options), residual));
        var (mean, invStd) = BatchNormStatistics(x, runningMean, runningVar, options, n, c, inner);
        var (center, scale, shift) = PlaneCoefficients(gamma, beta, mean, invStd, c);
        float low = (float)activation.Min, high = (float)activation.Max;
        var y = Uninitialized(x.DType, x.Shape.ToArray());
        Compute.For(n, Math.Max(1, BatchNormGrain / (c * inner)), 1, (b0, b1) =>
            BatchNormPlaneKernels.AffineAddClamp(x.AsSpan(), residual.AsSpan(), y.AsSpan(), center, scale, shift, low, high, c, inner, b0, b1));
        bool training = options.Training, lowInclusive = activation.MinInclusive;
        Tensor[] inputs = [.. BatchNormInputs(x, gamma, beta), residual];
        return GradGraph.Record(y, "BatchNormAddClamp", inputs, g =>
        {
            // [N, C, H, W]: the gradient of the sum, which is also the residual's gradient; the pass that sums it for the
            // batch-norm gradient writes it.
            var gSum = Uninitialized(DType.Float32, x.Shape.ToArray());
            var grads = BatchNormBackward(gSum, x, gamma, beta, mean, invStd, training, n, c, inner, null, (c0, c1, sumG, sumGXhat) =>
                BatchNormPlaneKernels.GradientSumsResidualClamp(g.AsSpan(), x.AsSpan(), residual.AsSpan(), gSum.AsSpan(), mean, invStd, scale, shift,
                    low, high, lowInclusive, n, c, inner, c0, c1, sumG, sumGXhat));
            return [.. grads, residual.TracksGrad ? gSum : null];
        });
    }

    private static (int N, int C, int Inner) CheckBatchNorm(Tensor x, Tensor? gamma, Tensor? beta, Tensor runningMean, Tensor runningVar, BatchNormOptions options)
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
        if (options.Training && n * inner < 2)
            throw new ArgumentException($"BatchNorm in training mode needs more than one value per channel, got input {ShapeUtil.Format(x.ShapeSpan)}.", nameof(x));
        return (n, c, inner);
    }

    /// <summary>Batch statistics (updating the running ones) in training, the running ones in evaluation: mean and 1/sqrt(σ² + ε).</summary>
    private static (double[] Mean, double[] InvStd) BatchNormStatistics(Tensor x, Tensor runningMean, Tensor runningVar, BatchNormOptions options, int n, int c, int inner)
    {
        int count = n * inner;
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
        return (mean, invStd);
    }

    private static Tensor[] BatchNormInputs(Tensor x, Tensor? gamma, Tensor? beta)
    {
        var inputs = new List<Tensor> { x };
        if (gamma is not null) inputs.Add(gamma);
        if (beta is not null) inputs.Add(beta);
        return inputs.ToArray();
    }

    /// <summary>Minimum elements per parallel chunk of batch-norm work (below it, thread start-up costs more than it saves).</summary>
    private const int BatchNormGrain = 16384;

    private static void ChannelStats(Tensor x, int n, int c, int inner, double[] mean, double[] invStd, double eps, out double[] variance)
    {
        var v = new double[c];
        int perChannel = n * inner;
        Compute.For(c, Math.Max(8, BatchNormGrain / perChannel), 8, (c0, c1) =>
        {
            if (x.DType == DType.Float64) BatchNormKernels.Stats<double>(x.Span<double>(), n, c, inner, c0, c1, mean, v);
            else if (inner == 1) BatchNormKernels.StatsRows(x.AsSpan(), n, c, c0, c1, mean, v);
            else if (inner >= BatchNormPlaneKernels.Lanes) BatchNormPlaneKernels.Stats(x.AsSpan(), n, c, inner, c0, c1, mean, v);
            else BatchNormKernels.Stats<float>(x.AsSpan(), n, c, inner, c0, c1, mean, v);
        });
        for (int ch = 0; ch < c; ch++) invStd[ch] = 1.0 / Math.Sqrt(v[ch] + eps);
        variance = v;
    }

    private static void Affine<T>(Tensor x, Tensor y, double[] scale, double[] shift, int n, int c, int inner) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var s = new T[c];
        var h = new T[c];
        for (int ch = 0; ch < c; ch++)
        {
            s[ch] = T.CreateChecked(scale[ch]);
            h[ch] = T.CreateChecked(shift[ch]);
        }
        Compute.For(n, Math.Max(1, BatchNormGrain / (c * inner)), 1,
            (b0, b1) => BatchNormKernels.Affine<T>(x.Span<T>(), y.Span<T>(), s, h, c, inner, b0, b1));
    }

    /// <summary>
    /// Float32 planes: y = (x − m_f)·s + h per channel (<see cref="BatchNormPlaneKernels.AffineCoefficients"/>), then
    /// max(y, 0) when <paramref name="relu"/>, images split across threads. Returns the coefficients ReLU's mask needs.
    /// </summary>
    private static ReluMaskCoefficients CenteredAffine(Tensor x, Tensor y, Tensor? gamma, Tensor? beta, double[] mean, double[] invStd, int n, int c, int inner, bool relu)
    {
        var (center, scale, shift) = PlaneCoefficients(gamma, beta, mean, invStd, c);
        Compute.For(n, Math.Max(1, BatchNormGrain / (c * inner)), 1, (b0, b1) =>
        {
            if (relu) BatchNormPlaneKernels.AffineRelu(x.AsSpan(), y.AsSpan(), center, scale, shift, c, inner, b0, b1);
            else BatchNormPlaneKernels.Affine(x.AsSpan(), y.AsSpan(), center, scale, shift, c, inner, b0, b1);
        });
        return new ReluMaskCoefficients(scale, shift);
    }

    /// <summary>Per channel (center, scale, shift) of <see cref="BatchNormPlaneKernels.AffineCoefficients"/>.</summary>
    private static (float[] Center, float[] Scale, float[] Shift) PlaneCoefficients(Tensor? gamma, Tensor? beta, double[] mean, double[] invStd, int c)
    {
        var center = new float[c];
        var scale = new float[c];
        var shift = new float[c];
        for (int ch = 0; ch < c; ch++)
            (center[ch], scale[ch], shift[ch]) = BatchNormPlaneKernels.AffineCoefficients(mean[ch], invStd[ch], gamma?.GetFlatFast(ch) ?? 1.0, beta?.GetFlatFast(ch) ?? 0.0);
        return (center, scale, shift);
    }

    /// <param name="planeSums">
    /// When set, computes Σg and Σg·x̂ of channels [c0, c1) into the two arrays instead of the plain kernels (and may
    /// write <paramref name="g"/> itself first, channel by channel, as the masked residual gradient does).
    /// </param>
    private static Tensor?[] BatchNormBackward(Tensor g, Tensor x, Tensor? gamma, Tensor? beta, double[] mean, double[] invStd, bool training, int n, int c, int inner,
        ReluMaskCoefficients? relu, Action<int, int, double[], double[]>? planeSums = null)
    {
        var sumG = new double[c];
        var sumGXhat = new double[c];
        var gammaValues = new double[c];
        for (int ch = 0; ch < c; ch++) gammaValues[ch] = gamma?.GetFlatFast(ch) ?? 1.0;
        Compute.For(c, Math.Max(8, BatchNormGrain / (n * inner)), 8, (c0, c1) =>
        {
            if (planeSums is not null)
                planeSums(c0, c1, sumG, sumGXhat);
            else if (x.DType == DType.Float64)
                BatchNormKernels.GradientSums<double>(g.Span<double>(), x.Span<double>(), mean, invStd, n, c, inner, c0, c1, sumG, sumGXhat);
            else if (inner == 1)
                BatchNormKernels.GradientSumsRows(g.AsSpan(), x.AsSpan(), mean, invStd, n, c, c0, c1, sumG, sumGXhat);
            else if (inner >= BatchNormPlaneKernels.Lanes)
                BatchNormPlaneKernels.GradientSums(g.AsSpan(), x.AsSpan(), mean, invStd, n, c, inner, c0, c1, sumG, sumGXhat, relu);
            else
                BatchNormKernels.GradientSums<float>(g.AsSpan(), x.AsSpan(), mean, invStd, n, c, inner, c0, c1, sumG, sumGXhat);
        });
        Tensor? gx = x.TracksGrad ? Uninitialized(x.DType, x.Shape.ToArray()) : null;
        if (gx is not null)
        {
            Compute.For(n, Math.Max(1, BatchNormGrain / (c * inner)), 1, (b0, b1) =>
            {
                if (x.DType == DType.Float64)
                    BatchNormKernels.InputGradient<double>(g.Span<double>(), x.Span<double>(), gx.Span<double>(), mean, invStd, gammaValues, training, n, c, inner, sumG, sumGXhat, b0, b1);
                else if (inner == 1)
                    BatchNormKernels.InputGradientRows(g.AsSpan(), x.AsSpan(), gx.AsSpan(), mean, invStd, gammaValues, training, n, c, sumG, sumGXhat, b0, b1);
                else if (inner >= BatchNormPlaneKernels.Lanes)
                    BatchNormPlaneKernels.InputGradient(g.AsSpan(), x.AsSpan(), gx.AsSpan(), mean, invStd, gammaValues, training, n, c, inner, sumG, sumGXhat, b0, b1, relu);
                else
                    BatchNormKernels.InputGradient<float>(g.AsSpan(), x.AsSpan(), gx.AsSpan(), mean, invStd, gammaValues, training, n, c, inner, sumG, sumGXhat, b0, b1);
            });
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
