using Lowbit.Nn;
using Lowbit.Nn.Layers;
using Lowbit.Onnx.Graph;

namespace Lowbit.Onnx.Export.Layers;

/// <summary><see cref="Linear"/>: input quantizer, then Gemm(x, W, b) with transB = 1 (W is [out, in] as in PyTorch).</summary>
internal static class DenseExport
{
    public static OnnxValue Emit(ExportContext context, Module module, string path, OnnxValue x)
    {
        var layer = (Linear)module;
        if (layer.InputQuantizer is { } input) x = context.Quantizer(input.Quantizer, LayerExports.Child(path, "input_quantizer"), x);
        string weight = WeightExport.Weight(context, layer, path);
        string? bias = WeightExport.Bias(context, layer, path);
        var inputs = bias is null ? new[] { x.Name, weight } : [x.Name, weight, bias];
        return new OnnxValue(context.Graph.Add("Gemm", path, inputs, OnnxAttribute.Of("transB", 1L)), [layer.OutFeatures]);
    }
}
