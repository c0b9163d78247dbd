using Lowbit.Nn;
using Lowbit.Nn.Layers;
using Lowbit.Onnx.Graph;
using Lowbit.Tensors;

namespace Lowbit.Onnx.Export.Layers;

/// <summary>Shape-preserving and reshaping layers: ReLU, hardtanh (Clip), dropout (identity at inference), flatten, quantizer layers.</summary>
internal static class ElementwiseExport
{
    public static OnnxValue EmitRelu(ExportContext context, Module module, string path, OnnxValue x) =>
        x.As(context.Graph.Add("Relu", path, [x.Name]));

    /// <summary>clip(x, −1, 1) as Clip with constant bounds (Lowbit's HardTanh).</summary>
    public static OnnxValue EmitHardTanh(ExportContext context, Module module, string path, OnnxValue x)
    {
        var g = context.Graph;
        return x.As(g.Add("Clip", path, [x.Name, g.Scalar(path, "min", -1f), g.Scalar(path, "max", 1f)]));
    }

    /// <summary>Inverted dropout is the identity in evaluation: no node.</summary>
    public static OnnxValue EmitDropout(ExportContext context, Module module, string path, OnnxValue x) => x;

    /// <summary>[N, ...] → [N, prod(...)] (ONNX Flatten with axis 1, the same row-major order).</summary>
    public static OnnxValue EmitFlatten(ExportContext context, Module module, string path, OnnxValue x) =>
        new(context.Graph.Add("Flatten", path, [x.Name], OnnxAttribute.Of("axis", 1L)), [ShapeUtil.Product(x.Shape)]);

    public static OnnxValue EmitQuantActivation(ExportContext context, Module module, string path, OnnxValue x) =>
        context.Quantizer(((QuantActivation)module).Quantizer.Quantizer, LayerExports.Child(path, "quantizer"), x);

    public static OnnxValue EmitQuantizerModule(ExportContext context, Module module, string path, OnnxValue x) =>
        context.Quantizer(((QuantizerModule)module).Quantizer, path, x);
}
