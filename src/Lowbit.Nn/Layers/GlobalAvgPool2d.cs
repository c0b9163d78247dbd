using Lowbit.Tensors;

namespace Lowbit.Nn.Layers;

/// <summary>Global average pooling: [N, C, H, W] → [N, C], the mean of each channel over all positions.</summary>
public sealed class GlobalAvgPool2d : Module
{
    /// <inheritdoc/>
    public override Tensor Forward(Tensor x)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (x.Rank != 4) throw new ArgumentException($"GlobalAvgPool2d expects input [batch, channels, height, width] but got {ShapeUtil.Format(x.ShapeSpan)}.", nameof(x));
        int n = x.Dim(0), c = x.Dim(1), h = x.Dim(2), w = x.Dim(3);
        // A square map is one average-pool window; otherwise the mean over the flattened positions.
        return h == w ? Tensor.AvgPool2d(x, h, h).Reshape(n, c) : Tensor.Mean(x.Reshape(n, c, h * w), 2);
    }

    /// <inheritdoc/>
    public override int[] OutputShape(int[] inputShape)
    {
        ArgumentNullException.ThrowIfNull(inputShape);
        if (inputShape.Length != 3) throw new ArgumentException($"GlobalAvgPool2d expects [channels, height, width] per example but receives {ShapeUtil.Format(inputShape)}.");
        return [inputShape[0]];
    }

    /// <inheritdoc/>
    public override ModuleCost Cost(int[] inputShape) => CostRules.Pool(inputShape, OutputShape(inputShape), OutputLevels.Float);
}
