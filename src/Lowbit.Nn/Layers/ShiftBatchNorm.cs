using Lowbit.Quantization;
using Lowbit.Tensors;

namespace Lowbit.Nn.Layers;

/// <summary>
/// Shift-based batch normalisation (BinaryNet's SBN): batch normalisation whose multiplications are by
/// power-of-two values AP2(·), i.e. bit shifts, over [N, C] or [N, C, H, W] inputs.
/// </summary>
/// <remarks>
/// Per channel, with AP2(v) = sign(v)·2^round(log2|v|) (AP2(0) = 0; exponent rounded on the mantissa, ≥ √2 up):
/// training: μ = mean(x); c = x − μ; σ² = mean(c·AP2(c)); x̂ = c·AP2(1/sqrt(σ² + ε)); y = AP2(γ)·x̂ + β.
/// evaluation: c = x − running_mean; x̂ = c·AP2(1/sqrt(running_var + ε)); y = AP2(γ)·x̂ + β.
/// Running statistics as in <see cref="BatchNorm"/>: running = (1 − momentum)·running + momentum·batch, with the
/// unbiased σ²·n/(n − 1) (n values per channel) for the variance; σ² is SBN's shift-based estimate.
/// Backward: straight-through treatment of AP2 (our choice, the paper does not spell it out): every AP2 node passes
/// its gradient unchanged (dAP2(v)/dv := 1) while the forward uses the AP2 values; all other operations
/// (means, products, 1/sqrt) are differentiated exactly. With AP2 replaced by the identity the layer is ordinary
/// batch normalisation with biased batch variance (the smooth surrogate, gradient-checked in tests).
/// The default ε = 1e-4 follows the BinaryNet scripts.
/// Paper: Courbariaux, Hubara et al., "Binarized Neural Networks", arXiv 1602.02830 (shift-based batch norm, our reading of the paper's algorithm).
/// </remarks>
public sealed class ShiftBatchNorm : ChannelNormalization
{
    /// <summary>Creates the layer.</summary>
    /// <param name="features">Channels C (≥ 1).</param>
    /// <param name="spatial">True for [N, C, H, W] inputs, false for [N, C].</param>
    /// <param name="momentum">Running statistics update factor in [0, 1] (PyTorch convention).</param>
    /// <param name="epsilon">Variance epsilon (positive).</param>
    /// <param name="affine">Learn γ (used as AP2(γ)) and β.</param>
    /// <exception cref="ArgumentOutOfRangeException">An argument is outside its range.</exception>
    public ShiftBatchNorm(int features, bool spatial, double momentum = 0.1, double epsilon = 1e-4, bool affine = true)
        : base(features, spatial, momentum, epsilon, affine)
    {
    }

    /// <summary>False replaces every AP2 by the identity (the smooth surrogate; for gradient checks only).</summary>
    internal bool UseShifts { get; set; } = true;

    /// <inheritdoc/>
    public override Tensor Forward(Tensor x)
    {
        CheckInput(x);
        int count = x.Length / Features;
        var channelShape = Spatial ? new[] { 1, Features, 1, 1 } : new[] { 1, Features };
        Tensor c, variance;
        if (Training)
        {
            if (count < 2)
                throw new ArgumentException($"{Describe()} in training mode needs more than one value per channel, got input {ShapeUtil.Format(x.ShapeSpan)}.", nameof(x));
            var mean = ChannelMean(x);
            c = Tensor.Sub(x, mean);
            variance = ChannelMean(Tensor.Mul(c, Ap2(c)));
            UpdateRunning(mean, variance, count);
        }
        else
        {
            c = Tensor.Sub(x, RunningMean.Detach().To(x.DType).Reshape(channelShape));
            variance = RunningVar.Detach().To(x.DType).Reshape(channelShape);
        }
        var inverseStd = Ap2(Tensor.Div(Tensor.Full(x.DType, 1.0, channelShape), Tensor.Sqrt(Tensor.AddScalar(variance, Epsilon))));
        var y = Tensor.Mul(c, inverseStd);
        if (Gamma is not null) y = Tensor.Mul(y, Ap2(Gamma.Value.Reshape(channelShape)));
        if (Beta is not null) y = Tensor.Add(y, Beta.Value.Reshape(channelShape));
        return y;
    }

    /// <summary>Mean over every axis but the channel axis 1, kept as [1, C] or [1, C, 1, 1].</summary>
    private Tensor ChannelMean(Tensor x)
    {
        var m = Tensor.Mean(x, 0, keepDim: true);
        if (Spatial) m = Tensor.Mean(Tensor.Mean(m, 3, keepDim: true), 2, keepDim: true);
        return m;
    }

    private void UpdateRunning(Tensor mean, Tensor variance, int count)
    {
        for (int ch = 0; ch < Features; ch++)
        {
            double unbiased = variance.GetFlat(ch) * count / (count - 1);
            RunningMean.SetFlat(ch, (1 - Momentum) * RunningMean.GetFlat(ch) + Momentum * mean.GetFlat(ch));
            RunningVar.SetFlat(ch, (1 - Momentum) * RunningVar.GetFlat(ch) + Momentum * unbiased);
        }
    }

    /// <summary>AP2 with the straight-through gradient (identity when <see cref="UseShifts"/> is off).</summary>
    private Tensor Ap2(Tensor v)
    {
        if (!UseShifts) return v;
        var values = Tensor.ZerosLike(v);
        for (int i = 0; i < v.Length; i++) values.SetFlat(i, PowerOfTwo.Approximate(v.GetFlat(i)));
        return Tensor.StraightThrough(v, values, Tensor.Full(v.DType, 1.0, v.Shape.ToArray()));
    }

    /// <inheritdoc/>
    public override string Describe() => $"ShiftBatchNorm{(Spatial ? "2d" : "1d")}({Features})";
}
