using Lowbit.Nn;
using Lowbit.Nn.Layers;
using Lowbit.Tensors;

namespace Lowbit.Training.Config.Layers;

/// <summary>Config builders of the layers with weights and quantizer fields: dense, conv2d.</summary>
internal static class WeightedLayers
{
    /// <summary>
    /// dense: units (required), bias (true), init (glorot | he | torch), input_quantizer, weight_quantizer, weight_clip;
    /// in_features is optional and must equal the previous layer's output when given.
    /// </summary>
    public static Module Dense(LayerContext c)
    {
        var f = c.Fields;
        var shape = c.InputShape;
        if (shape.Length != 1)
            throw new ArgumentException($"dense expects a flat input but receives {ShapeUtil.Format(shape)} per example; add {{\"type\": \"flatten\"}} before it.");
        int units = f.Int("units", 0, 1);
        if (units == 0) throw f.Error("units", "is required (output features ≥ 1).");
        if (f.Has("in_features") && f.Int("in_features", 0) != shape[0])
            throw new ArgumentException($"in_features is {f.Int("in_features", 0)} but the previous layer produces {shape[0]} features.");
        f.Raw("in_features");
        var inQ = c.Quantizer("input_quantizer");
        var wQ = c.Quantizer("weight_quantizer", [units, shape[0]]);
        var layer = new Linear(shape[0], units, f.Bool("bias", true), c.Random, inQ, wQ, c.InitWeights([units, shape[0]], shape[0], units));
        c.ConfigureWeight(layer.Weight, shape[0], units, wQ);
        return layer;
    }

    /// <summary>
    /// conv2d: filters (required), kernel_size (3), stride (1), padding (0), pad_value (0; −1 or +1 keep binary inputs
    /// binary), groups (1), bias (true), init (glorot | he | torch), input_quantizer, weight_quantizer, weight_clip.
    /// </summary>
    public static Module Conv2d(LayerContext c)
    {
        c.RequireImage("conv2d");
        int filters = c.Fields.Int("filters", 0, 1);
        if (filters == 0) throw c.Fields.Error("filters", "is required (output channels ≥ 1).");
        return Convolution(c, filters, c.Fields.Int("groups", 1, 1, 1 << 16));
    }

    /// <summary>
    /// depthwise_conv2d: one k×k filter per input channel (depth_multiplier filters per channel, default 1); kernel_size,
    /// stride, padding, pad_value, bias, init and the quantizer fields as for conv2d.
    /// </summary>
    public static Module DepthwiseConv2d(LayerContext c)
    {
        c.RequireImage("depthwise_conv2d");
        int channels = c.InputShape[0];
        int multiplier = c.Fields.Int("depth_multiplier", 1, 1, 1024);
        return Convolution(c, channels * multiplier, channels);
    }

    /// <summary>The fields of a <see cref="Linear"/> layer (the inverse of <see cref="Dense"/>).</summary>
    public static System.Text.Json.Nodes.JsonObject? WriteDense(Module module, LayerWriter w) =>
        module is Linear l ? w.Weighted(new() { ["units"] = l.OutFeatures }, l) : null;

    /// <summary>The fields of a <see cref="Nn.Layers.Conv2d"/> layer, depthwise ones included (as conv2d with groups).</summary>
    public static System.Text.Json.Nodes.JsonObject? WriteConv2d(Module module, LayerWriter w)
    {
        if (module is not Nn.Layers.Conv2d conv) return null;
        var entry = new System.Text.Json.Nodes.JsonObject
        {
            ["filters"] = conv.OutChannels,
            ["kernel_size"] = conv.KernelSize,
            ["stride"] = conv.Stride,
            ["padding"] = conv.Padding,
        };
        if (conv.PadValue != 0) entry["pad_value"] = conv.PadValue;
        if (conv.Groups != 1) entry["groups"] = conv.Groups;
        return w.Weighted(entry, conv);
    }

    private static Module Convolution(LayerContext c, int filters, int groups)
    {
        var f = c.Fields;
        int inChannels = c.InputShape[0];
        if (inChannels % groups != 0 || filters % groups != 0)
            throw f.Error("groups", $"is {groups} but must divide the input channels ({inChannels}) and the filters ({filters}).");
        int k = f.Int("kernel_size", 3, 1, 64);
        var inQ = c.Quantizer("input_quantizer");
        int[] weightShape = [filters, inChannels / groups, k, k];
        var wQ = c.Quantizer("weight_quantizer", weightShape);
        int fanIn = inChannels / groups * k * k, fanOut = filters * k * k;
        int stride = f.Int("stride", 1, 1, 64), padding = f.Int("padding", 0, 0, 64);
        double padValue = f.Double("pad_value", 0, -1e6, 1e6);
        bool bias = f.Bool("bias", true);
        var init = c.InitWeights(weightShape, fanIn, fanOut);
        var layer = new Conv2d(inChannels, filters, k, stride, padding, bias, c.Random, inQ, wQ, init, groups, padValue);
        c.ConfigureWeight(layer.Weight, fanIn, fanOut, wQ);
        return layer;
    }
}
