using Lowbit.Tensors;

namespace Lowbit.Nn.Layers;

/// <summary>
/// Shared state of per-channel normalisation layers (<see cref="BatchNorm"/>, <see cref="ShiftBatchNorm"/>): channel
/// count, layout, running statistics buffers, optional affine γ/β, and the input and shape checks.
/// </summary>
public abstract class ChannelNormalization : Module
{
    private Tensor _runningMean;
    private Tensor _runningVar;

    /// <inheritdoc/>
    /// <remarks>Batch statistics of one example have zero variance (PyTorch refuses it in training mode).</remarks>
    public override int MinimumTrainingBatch => 2;

    /// <inheritdoc/>
    protected override string? FindInvalidState()
    {
        var variance = _runningVar.ToDoubleArray();
        int bad = Array.FindIndex(variance, v => !(v >= 0) || double.IsInfinity(v));
        return bad < 0 ? null : $"running_var[{bad}] is {variance[bad]}; a variance is finite and at least 0";
    }

    /// <summary>Validates the settings and registers γ, β (when affine) and the running statistics.</summary>
    /// <param name="features">Channels (≥ 1).</param>
    /// <param name="spatial">True for [N, C, H, W] inputs, false for [N, C].</param>
    /// <param name="momentum">Running statistics update factor in [0, 1] (PyTorch convention).</param>
    /// <param name="epsilon">Variance epsilon (positive, finite).</param>
    /// <param name="affine">Learn γ and β.</param>
    protected ChannelNormalization(int features, bool spatial, double momentum, double epsilon, bool affine)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(features, 1);
        if (!(momentum >= 0 && momentum <= 1)) throw new ArgumentOutOfRangeException(nameof(momentum), momentum, $"{GetType().Name} momentum must be in [0, 1].");
        if (!(epsilon > 0) || double.IsInfinity(epsilon)) throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, $"{GetType().Name} epsilon must be positive and finite.");
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

    /// <summary>Throws unless <paramref name="x"/> is [N, C] (or [N, C, H, W] when spatial) with C = <see cref="Features"/>.</summary>
    protected void CheckInput(Tensor x)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (x.Rank != (Spatial ? 4 : 2) || x.Dim(1) != Features)
            throw new ArgumentException($"{Describe()} expects input {(Spatial ? $"[batch, {Features}, height, width]" : $"[batch, {Features}]")} but got {ShapeUtil.Format(x.ShapeSpan)}.", nameof(x));
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
    /// <remarks>Stored: γ and β when affine, and the running mean and variance (2 or 4 floats per channel).</remarks>
    public override ModuleCost Cost(int[] inputShape)
    {
        long n = ShapeUtil.Product(OutputShape(inputShape));
        long stored = (Gamma is null ? 2L : 4L) * Features;
        return ModuleCost.Leaf(OperationCost.Unweighted(OperationKind.Normalization, n, n, stored), OutputLevels.Float);
    }

    /// <inheritdoc/>
    protected override void OnBufferReplaced(string name, Tensor value)
    {
        if (name == "running_mean") _runningMean = value;
        else if (name == "running_var") _runningVar = value;
    }
}
