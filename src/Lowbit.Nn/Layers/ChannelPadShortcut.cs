using Lowbit.Tensors;

namespace Lowbit.Nn.Layers;

/// <summary>
/// He et al.'s parameter-free "option A" shortcut: keeps every <see cref="Stride"/>-th pixel in each direction and adds
/// zero channels (<see cref="Before"/> in front, <see cref="After"/> behind), so an identity shortcut can follow a
/// downsampling block that widens the channels. [C, H, W] → [Before + C + After, (H − 1)/s + 1, (W − 1)/s + 1].
/// </summary>
/// <remarks>Paper: He, Zhang, Ren, Sun, "Deep Residual Learning for Image Recognition", CVPR 2016 (CIFAR-10 ResNets, section 4.2).</remarks>
/// <param name="stride">Subsampling stride (≥ 1).</param>
/// <param name="before">Zero channels in front (≥ 0).</param>
/// <param name="after">Zero channels behind (≥ 0).</param>
public sealed class ChannelPadShortcut(int stride, int before, int after) : Module
{
    /// <summary>Subsampling stride.</summary>
    public int Stride { get; } = stride >= 1 ? stride : throw new ArgumentOutOfRangeException(nameof(stride), stride, "ChannelPadShortcut stride must be ≥ 1.");

    /// <summary>Zero channels in front.</summary>
    public int Before { get; } = before >= 0 ? before : throw new ArgumentOutOfRangeException(nameof(before), before, "Channel padding must be ≥ 0.");

    /// <summary>Zero channels behind.</summary>
    public int After { get; } = after >= 0 ? after : throw new ArgumentOutOfRangeException(nameof(after), after, "Channel padding must be ≥ 0.");

    /// <inheritdoc/>
    public override Tensor Forward(Tensor x)
    {
        ArgumentNullException.ThrowIfNull(x);
        var sub = Stride == 1 ? x : Tensor.MaxPool2d(x, 1, Stride); // a 1×1 window with stride s picks every s-th pixel
        return Tensor.PadChannels(sub, Before, After);
    }

    /// <inheritdoc/>
    public override int[] OutputShape(int[] inputShape)
    {
        ArgumentNullException.ThrowIfNull(inputShape);
        if (inputShape.Length != 3) throw new ArgumentException($"ChannelPadShortcut expects [channels, height, width] per example but receives {ShapeUtil.Format(inputShape)}.");
        return [Before + inputShape[0] + After, (inputShape[1] - 1) / Stride + 1, (inputShape[2] - 1) / Stride + 1];
    }

    /// <inheritdoc/>
    /// <remarks>A copy with zeros: no parameters or MACs; the output takes the input's values and 0.</remarks>
    public override ModuleCost Cost(int[] inputShape) =>
        CostRules.Pool(inputShape, OutputShape(inputShape), OutputLevels.Float);

    /// <inheritdoc/>
    public override string Describe() => $"ChannelPadShortcut(stride {Stride}, +{Before}/+{After} channels)";
}
