using Lowbit.Tensors;

namespace Lowbit.Nn.Layers;

/// <summary>
/// Batch normalisation over the channel axis: [N, C] (BatchNorm1d) or [N, C, H, W] (BatchNorm2d).
/// Training uses batch statistics and updates running ones; evaluation uses the running statistics.
/// </summary>
public class BatchNorm : ChannelNormalization
{
    /// <summary>Creates the layer.</summary>
    /// <param name="features">Channels.</param>
    /// <param name="spatial">True for [N, C, H, W] inputs, false for [N, C].</param>
    /// <param name="momentum">Running statistics update factor (PyTorch convention, default 0.1).</param>
    /// <param name="epsilon">Variance epsilon.</param>
    /// <param name="affine">Learn γ and β.</param>
    public BatchNorm(int features, bool spatial, double momentum = 0.1, double epsilon = 1e-5, bool affine = true)
        : base(features, spatial, momentum, epsilon, affine)
    {
    }

    /// <inheritdoc/>
    /// <remarks>Sealed: <see cref="ForwardRelu"/> must stay this forward followed by ReLU.</remarks>
    public sealed override Tensor Forward(Tensor x)
    {
        CheckInput(x);
        return Tensor.BatchNorm(x, Gamma?.Value, Beta?.Value, RunningMean, RunningVar, new BatchNormOptions(Training, Momentum, Epsilon));
    }

    /// <summary>
    /// <see cref="Forward"/> followed by ReLU as one op (<see cref="Tensor.BatchNormRelu"/>: the same bits, fewer passes);
    /// <see cref="Sequential"/> calls it for a batch norm directly followed by a <see cref="Relu"/> layer.
    /// </summary>
    public Tensor ForwardRelu(Tensor x)
    {
        CheckInput(x);
        return Tensor.BatchNormRelu(x, Gamma?.Value, Beta?.Value, RunningMean, RunningVar, new BatchNormOptions(Training, Momentum, Epsilon));
    }

    /// <summary>
    /// activation(<see cref="Forward"/>(x) + residual) as one op (<see cref="Tensor.BatchNormAddClamp"/>: the same bits);
    /// <see cref="Residual.ForwardActivated"/> calls it for a body that ends in this batch norm.
    /// </summary>
    public Tensor ForwardAddClamp(Tensor x, Tensor residual, ClampBounds activation)
    {
        CheckInput(x);
        return Tensor.BatchNormAddClamp(x, Gamma?.Value, Beta?.Value, RunningMean, RunningVar, new BatchNormOptions(Training, Momentum, Epsilon), residual, activation);
    }

    /// <inheritdoc/>
    public override string Describe() => $"{(Spatial ? "BatchNorm2d" : "BatchNorm1d")}({Features})";
}

/// <summary>Batch normalisation of [N, C] inputs.</summary>
public sealed class BatchNorm1d(int features, double momentum = 0.1, double epsilon = 1e-5, bool affine = true)
    : BatchNorm(features, false, momentum, epsilon, affine);

/// <summary>Batch normalisation of [N, C, H, W] inputs, per channel.</summary>
public sealed class BatchNorm2d(int features, double momentum = 0.1, double epsilon = 1e-5, bool affine = true)
    : BatchNorm(features, true, momentum, epsilon, affine);
