using Lowbit.Tensors;

namespace Lowbit.Nn.Layers;

/// <summary>
/// A residual block y = body(x) + shortcut(x), with an identity shortcut when <see cref="Shortcut"/> is null.
/// Children are named "body" and "shortcut", so parameters read e.g. "3.body.0.weight".
/// </summary>
/// <remarks>
/// The body and the shortcut must produce the same shape. Downsampling blocks use a shortcut such as a strided 1×1
/// convolution + batch norm (He et al.'s option B), average pooling + 1×1 convolution (Bi-Real Net), or
/// <see cref="ChannelPadShortcut"/> (option A). A block whose body is one binary convolution + batch norm with an
/// identity shortcut is Bi-Real Net's real-valued shortcut around every binary convolution. Activations after the
/// sum (ResNet's ReLU) are separate layers after the block.
/// Papers: He et al., "Deep Residual Learning for Image Recognition", CVPR 2016; Liu et al., "Bi-Real Net", ECCV 2018.
/// </remarks>
public sealed class Residual : Module
{
    /// <summary>Creates the block.</summary>
    /// <param name="body">The residual branch.</param>
    /// <param name="shortcut">The shortcut branch, or null for the identity.</param>
    public Residual(Sequential body, Sequential? shortcut = null)
    {
        Body = AddModule("body", body);
        Shortcut = shortcut is null ? null : AddModule("shortcut", shortcut);
    }

    /// <summary>The residual branch.</summary>
    public Sequential Body { get; }

    /// <summary>The shortcut branch, or null for the identity.</summary>
    public Sequential? Shortcut { get; }

    /// <inheritdoc/>
    public override Tensor Forward(Tensor x)
    {
        ArgumentNullException.ThrowIfNull(x);
        var y = Body.Forward(x);
        var s = Shortcut is null ? x : Shortcut.Forward(x);
        if (!y.ShapeSpan.SequenceEqual(s.ShapeSpan))
            throw new ArgumentException($"Residual: body output {ShapeUtil.Format(y.ShapeSpan)} and shortcut output {ShapeUtil.Format(s.ShapeSpan)} differ.", nameof(x));
        return Tensor.Add(y, s);
    }

    /// <summary>
    /// activation(<see cref="Forward"/>(x)) with the same values and gradients; when the body ends in a
    /// <see cref="BatchNorm"/> (and has no output hook), that batch norm, the sum and the activation run as one op
    /// (<see cref="Tensor.BatchNormAddClamp"/>).
    /// </summary>
    /// <param name="x">Block input.</param>
    /// <param name="activation">The activation layer after the block.</param>
    public Tensor ForwardActivated(Tensor x, ClampBounds activation)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(activation);
        int count = Body.Layers.Count;
        if (Body.OutputHook is not null || count == 0 || Body.Layers[count - 1] is not BatchNorm norm) return activation.Apply(Forward(x));
        var h = Body.ForwardLayers(x, count - 1);
        var s = Shortcut is null ? x : Shortcut.Forward(x);
        if (!h.ShapeSpan.SequenceEqual(s.ShapeSpan)) // batch norm keeps the shape
            throw new ArgumentException($"Residual: body output {ShapeUtil.Format(h.ShapeSpan)} and shortcut output {ShapeUtil.Format(s.ShapeSpan)} differ.", nameof(x));
        return norm.ForwardAddClamp(h, s, activation);
    }

    /// <inheritdoc/>
    public override int[] OutputShape(int[] inputShape)
    {
        ArgumentNullException.ThrowIfNull(inputShape);
        var body = Body.OutputShape(inputShape);
        var shortcut = Shortcut is null ? inputShape : Shortcut.OutputShape(inputShape);
        if (!body.SequenceEqual(shortcut))
            throw new ArgumentException(
                $"the body maps {ShapeUtil.Format(inputShape)} to {ShapeUtil.Format(body)} but the {(Shortcut is null ? "identity shortcut" : "shortcut")} gives " +
                $"{ShapeUtil.Format(shortcut)}; both must match (a downsampling or widening block needs a shortcut such as \"conv\", \"avg_pool_conv\" or \"pad\").");
        return body;
    }

    /// <inheritdoc/>
    /// <remarks>The body and the shortcut run on the input, then one element-wise sum (no MACs).</remarks>
    public override ModuleCost Cost(int[] inputShape)
    {
        var output = OutputShape(inputShape);
        long n = ShapeUtil.Product(output);
        IReadOnlyList<(string, Module)> shortcut = Shortcut is null ? [] : [("shortcut", Shortcut)];
        return new ModuleCost
        {
            Branches = [[("body", Body)], shortcut],
            Operations = [OperationCost.Unweighted(OperationKind.Add, 2 * n, n)],
            Output = OutputLevels.Float,
        };
    }

    /// <inheritdoc/>
    public override string Describe() => $"Residual({Body.Layers.Count} layers, shortcut: {(Shortcut is null ? "identity" : $"{Shortcut.Layers.Count} layers")})";
}
