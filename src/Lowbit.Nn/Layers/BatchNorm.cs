using Lowbit.Tensors;

namespace Lowbit.Nn.Layers;

/// <summary>
/// Batch normalisation over the channel axis: [N, C] (BatchNorm1d) or [N, C, H, W] (BatchNorm2d).
/// Training uses batch statistics and updates running ones; evaluation uses the running statistics.
/// </summary>
public class BatchNorm : Module
{
    private Tensor _runningMean;
    private Tensor _runningVar;

    /// <summary>Creates the layer.</summary>
    /// <param name="features">Channels.</param>
    /// <param name="spatial">True for [N, C, H, W] inputs, false for [N, C].</param>
    /// <param name="momentum">Running statistics update factor (PyTorch convention, default 0.1).</param>
    /// <param name="epsilon">Variance epsilon.</param>
    /// <param name="affine">Learn γ and β.</param>
    public BatchNorm(int features, bool spatial, double momentum = 0.1, double epsilon = 1e-5, bool affine = true)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(features, 1);
        if (!(momentum >= 0 && momentum <= 1)) throw new ArgumentOutOfRangeException(nameof(momentum), momentum, "BatchNorm momentum must be in [0, 1].");
        if (!(epsilon > 0)) throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, "BatchNorm epsilon must be positive.");
        Features = features;
        Spatial = spatial;
        Momentum = momentum;
        Epsilon = epsilon;
        if (affine)
        {
            Gamma = AddParameter("weight", Tensor.Ones(features));
            Beta = AddParameter("bias", Tensor.Zeros(features));
            Gamma.Decay = false;
            Beta.Decay = false;
        }
        _runningMean = AddBuffer("running_mean", Tensor.Zeros(features));
        _runningVar = AddBuffer("running_var", Tensor.Ones(features));
    }

    /// <summary>Channels.</summary>
    public int Features { get; }

    /// <summary>Whether inputs are [N, C, H, W].</summary>
    public bool Spatial { get; }

    /// <summary>Running statistics update factor.</summary>
    public double Momentum { get; }

    /// <summary>Variance epsilon.</summary>
    public double Epsilon { get; }

    /// <summary>Scale γ, or null when not affine.</summary>
    public Parameter? Gamma { get; }

    /// <summary>Shift β, or null when not affine.</summary>
    public Parameter? Beta { get; }

    /// <summary>Running mean [C].</summary>
    public Tensor RunningMean => _runningMean;

    /// <summary>Running (unbiased) variance [C].</summary>
    public Tensor RunningVar => _runningVar;

    /// <inheritdoc/>
    public override Tensor Forward(Tensor x)
    {
        ArgumentNullException.ThrowIfNull(x);
        int rank = Spatial ? 4 : 2;
        if (x.Rank != rank || x.Dim(1) != Features)
            throw new ArgumentException($"{Describe()} expects input {(Spatial ? $"[batch, {Features}, height, width]" : $"[batch, {Features}]")} but got {ShapeUtil.Format(x.ShapeSpan)}.", nameof(x));
        return Tensor.BatchNorm(x, Gamma?.Value, Beta?.Value, _runningMean, _runningVar, new BatchNormOptions(Training, Momentum, Epsilon));
    }

    /// <inheritdoc/>
    public override int[] OutputShape(int[] inputShape)
    {
        ArgumentNullException.ThrowIfNull(inputShape);
        if (inputShape.Length != (Spatial ? 3 : 1) || inputShape[0] != Features)
            throw new ArgumentException($"{Describe()} expects {(Spatial ? $"[{Features}, height, width]" : $"[{Features}]")} per example but receives {ShapeUtil.Format(inputShape)}.");
        return inputShape;
    }

    /// <inheritdoc/>
    public override string Describe() => $"{(Spatial ? "BatchNorm2d" : "BatchNorm1d")}({Features})";

    /// <inheritdoc/>
    protected override void OnBufferReplaced(string name, Tensor value)
    {
        if (name == "running_mean") _runningMean = value;
        else if (name == "running_var") _runningVar = value;
    }
}

/// <summary>Batch normalisation of [N, C] inputs.</summary>
public sealed class BatchNorm1d(int features, double momentum = 0.1, double epsilon = 1e-5, bool affine = true)
    : BatchNorm(features, false, momentum, epsilon, affine);

/// <summary>Batch normalisation of [N, C, H, W] inputs, per channel.</summary>
public sealed class BatchNorm2d(int features, double momentum = 0.1, double epsilon = 1e-5, bool affine = true)
    : BatchNorm(features, true, momentum, epsilon, affine);
