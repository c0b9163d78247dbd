using Lowbit.Nn;
using Lowbit.Nn.Layers;
using Lowbit.Onnx.Graph;

namespace Lowbit.Onnx.Export.Layers;

/// <summary>
/// <see cref="Conv2d"/>: input quantizer, then Conv with symmetric zero padding (applied to the quantized input, as
/// Lowbit does). An input quantizer that scales the convolution's output instead (XNOR-Net's box-filtered K) emits
/// Conv(q, W)·Conv(A, box) + b.
/// </summary>
internal static class ConvExport
{
    public static OnnxValue Emit(ExportContext context, Module module, string path, OnnxValue x)
    {
        var layer = (Conv2d)module;
        var g = context.Graph;
        int[] outShape = layer.OutputShape(x.Shape);
        var geometry = Geometry(layer);
        string weight = WeightExport.Weight(context, layer, path);
        string? bias = WeightExport.Bias(context, layer, path);
        if (layer.InputQuantizer is { } input)
        {
            string scope = LayerExports.Child(path, "input_quantizer");
            var export = QuantizerExports.Find(input.Quantizer, scope);
            if (export.EmitConvSplit(context, input.Quantizer, scope, x) is { } split)
            {
                string product = g.Add("Conv", path, [split.Quantized.Name, weight], geometry);
                var box = new float[layer.KernelSize * layer.KernelSize];
                Array.Fill(box, 1f / (layer.KernelSize * layer.KernelSize));
                string boxName = g.Initializer(OnnxTensor.FromFloats(g.ConstantName(path, "box"), box, [1, 1, layer.KernelSize, layer.KernelSize]));
                string scale = g.Add("Conv", path, [split.Magnitude.Name, boxName], geometry);
                string y = g.Add("Mul", path, [product, scale]);
                if (bias is not null)
                {
                    // [C] → [C, 1, 1] so that it broadcasts over [N, C, H, W] by channel.
                    string channelBias = g.Add("Reshape", path, [bias, g.Int64s(path, "bias_shape", layer.OutChannels, 1, 1)]);
                    y = g.Add("Add", path, [y, channelBias]);
                }
                return new OnnxValue(y, outShape);
            }
            x = export.Emit(context, input.Quantizer, scope, x);
        }
        var inputs = bias is null ? new[] { x.Name, weight } : [x.Name, weight, bias];
        return new OnnxValue(g.Add("Conv", path, inputs, geometry), outShape);
    }

    private static OnnxAttribute[] Geometry(Conv2d layer) =>
    [
        OnnxAttribute.OfInts("kernel_shape", layer.KernelSize, layer.KernelSize),
        OnnxAttribute.OfInts("strides", layer.Stride, layer.Stride),
        OnnxAttribute.OfInts("pads", layer.Padding, layer.Padding, layer.Padding, layer.Padding),
    ];
}
