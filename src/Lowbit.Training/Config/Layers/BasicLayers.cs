using System.Text.Json.Nodes;
using Lowbit.Nn;
using Lowbit.Nn.Layers;
using Lowbit.Tensors;

namespace Lowbit.Training.Config.Layers;

/// <summary>Config builders of the layers without weights that read a few fields (normalisation, pooling).</summary>
internal static class BasicLayers
{
    /// <summary>batch_norm: momentum (0.1), epsilon (1e-5), affine (true); over [features] or [channels, height, width].</summary>
    public static Module BatchNorm(LayerContext c)
    {
        var f = c.Fields;
        bool spatial = Normalized(c, "batch_norm");
        return new BatchNorm(c.InputShape[0], spatial, f.Double("momentum", 0.1, 0, 1), f.Double("epsilon", 1e-5, 1e-12, 1), f.Bool("affine", true));
    }

    /// <summary>shift_batch_norm: momentum (0.1), epsilon (1e-4), affine (true).</summary>
    public static Module ShiftBatchNorm(LayerContext c)
    {
        var f = c.Fields;
        bool spatial = Normalized(c, "shift_batch_norm");
        return new ShiftBatchNorm(c.InputShape[0], spatial, f.Double("momentum", 0.1, 0, 1), f.Double("epsilon", 1e-4, 1e-12, 1), f.Bool("affine", true));
    }

    /// <summary>max_pool: pool_size (2), stride (pool_size).</summary>
    public static Module MaxPool(LayerContext c)
    {
        int k = c.Fields.Int("pool_size", 2, 1, 64);
        return new MaxPool2d(k, c.Fields.Int("stride", k, 1, 64));
    }

    /// <summary>avg_pool: pool_size (2), stride (pool_size).</summary>
    public static Module AvgPool(LayerContext c)
    {
        int k = c.Fields.Int("pool_size", 2, 1, 64);
        return new AvgPool2d(k, c.Fields.Int("stride", k, 1, 64));
    }

    /// <summary>The fields of a <see cref="Nn.Layers.BatchNorm"/> layer.</summary>
    public static JsonObject? WriteBatchNorm(Module module, LayerWriter w) => module is Nn.Layers.BatchNorm b ? Normalization(b) : null;

    /// <summary>The fields of a <see cref="Nn.Layers.ShiftBatchNorm"/> layer.</summary>
    public static JsonObject? WriteShiftBatchNorm(Module module, LayerWriter w) => module is Nn.Layers.ShiftBatchNorm b ? Normalization(b) : null;

    /// <summary>The fields of a <see cref="MaxPool2d"/> layer.</summary>
    public static JsonObject? WriteMaxPool(Module module, LayerWriter w) =>
        module is MaxPool2d p ? new() { ["pool_size"] = p.KernelSize, ["stride"] = p.Stride } : null;

    /// <summary>The fields of an <see cref="AvgPool2d"/> layer.</summary>
    public static JsonObject? WriteAvgPool(Module module, LayerWriter w) =>
        module is AvgPool2d p ? new() { ["pool_size"] = p.KernelSize, ["stride"] = p.Stride } : null;

    private static JsonObject Normalization(ChannelNormalization n) =>
        new() { ["momentum"] = n.Momentum, ["epsilon"] = n.Epsilon, ["affine"] = n.Gamma is not null };

    private static bool Normalized(LayerContext c, string type)
    {
        var shape = c.InputShape;
        if (shape.Length != 1 && shape.Length != 3)
            throw new ArgumentException($"{type} expects [features] or [channels, height, width] per example but receives {ShapeUtil.Format(shape)}.");
        return shape.Length == 3;
    }
}
