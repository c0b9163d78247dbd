using Lowbit.Nn;
using Lowbit.Nn.Layers;
using Lowbit.Onnx.Graph;

namespace Lowbit.Onnx.Export.Layers;

/// <summary>Residual blocks, He et al.'s channel-padding shortcut and global average pooling.</summary>
internal static class StructureExport
{
    /// <summary>body(x) + shortcut(x) (identity when the block has none) as Add; the branches keep their paths ("3.body.0").</summary>
    public static OnnxValue EmitResidual(ExportContext context, Module module, string path, OnnxValue x)
    {
        var block = (Residual)module;
        var body = context.Module(block.Body, LayerExports.Child(path, "body"), x);
        var shortcut = block.Shortcut is null ? x : context.Module(block.Shortcut, LayerExports.Child(path, "shortcut"), x);
        return body.As(context.Graph.Add("Add", path, [body.Name, shortcut.Name]));
    }

    /// <summary>
    /// Every stride-th pixel (Slice with steps, from 0, as a 1×1 max pool with that stride picks them) and zero channels in
    /// front and behind (Pad on the channel axis with constant 0).
    /// </summary>
    public static OnnxValue EmitChannelPad(ExportContext context, Module module, string path, OnnxValue x)
    {
        var pad = (ChannelPadShortcut)module;
        var g = context.Graph;
        string y = x.Name;
        if (pad.Stride > 1)
            y = g.Add("Slice", path, [y, g.Int64s(path, "starts", 0, 0), g.Int64s(path, "ends", long.MaxValue, long.MaxValue), g.Int64s(path, "axes", 2, 3), g.Int64s(path, "steps", pad.Stride, pad.Stride)]);
        if (pad.Before > 0 || pad.After > 0)
            y = g.Add("Pad", path, [y, g.Int64s(path, "pads", 0, pad.Before, 0, 0, 0, pad.After, 0, 0), g.Scalar(path, "value", 0f)], OnnxAttribute.Of("mode", "constant"));
        return new OnnxValue(y, pad.OutputShape(x.Shape));
    }

    /// <summary>GlobalAveragePool then Flatten: [N, C, H, W] → [N, C].</summary>
    public static OnnxValue EmitGlobalAvgPool(ExportContext context, Module module, string path, OnnxValue x)
    {
        var g = context.Graph;
        string pooled = g.Add("GlobalAveragePool", path, [x.Name]);
        return new OnnxValue(g.Add("Flatten", path, [pooled], OnnxAttribute.Of("axis", 1L)), [x.Shape[0]]);
    }
}
