using Lowbit.Nn;
using Lowbit.Nn.Layers;
using Lowbit.Onnx.Graph;

namespace Lowbit.Onnx.Export.Layers;

/// <summary>
/// <see cref="Conv2d"/>: input quantizer, then Conv with strides, symmetric pads and groups (depthwise when groups =
/// input channels). Padding applies to the quantized input as in Lowbit: zero padding through Conv's pads; a nonzero
/// pad value (±1 keeps binary inputs binary) as a constant Pad before a Conv without pads. An input quantizer that
/// scales the convolution's output instead (XNOR-Net's box-filtered K) emits Conv(q, W)·Conv(A, box) + b, the box
/// filter zero-padded as in Lowbit.
/// </summary>
internal static class ConvExport
{
    public static OnnxValue Emit(ExportContext context, Module module, string path, OnnxValue x)
    {
        var layer = (Conv2d)module;
        var g = context.Graph;
        int[] outShape = layer.OutputShape(x.Shape);
        string weight = WeightExport.Weight(context, layer, path);
        string? bias = WeightExport.Bias(context, layer, path);
        if (layer.InputQuantizer is { } input)
        {
            string scope = LayerExports.Child(path, "input_quantizer");
            var export = QuantizerExports.Find(input.Quantizer, scope);
            if (export.EmitConvSplit(context, input.Quantizer, scope, x) is { } split)
            {
                string product = Convolve(g, layer, path, split.Quantized.Name, weight, null);
                var box = new float[layer.KernelSize * layer.KernelSize];
                Array.Fill(box, 1f / (layer.KernelSize * layer.KernelSize));
                string boxName = g.Initializer(OnnxTensor.FromFloats(g.ConstantName(path, "box"), box, [1, 1, layer.KernelSize, layer.KernelSize]));
                string scale = g.Add("Conv", path, [split.Magnitude.Name, boxName], Geometry(layer, layer.Padding, groups: 1));
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
        return new OnnxValue(Convolve(g, layer, path, x.Name, weight, bias), outShape);
    }

    /// <summary>Conv of an already quantized input, padded with the layer's pad value.</summary>
    private static string Convolve(GraphBuilder g, Conv2d layer, string path, string input, string weight, string? bias)
    {
        int p = layer.Padding;
        if (layer.PadValue != 0 && p > 0)
        {
            // ONNX Pad's pads list all begins then all ends: [N, C, H, W] begins, [N, C, H, W] ends.
            input = g.AddDocumented("Pad", path, [input, g.Int64s(path, "pads", 0, 0, p, p, 0, 0, p, p), g.Scalar(path, "pad_value", (float)layer.PadValue)],
                "the layer's pad value around the quantized input (binary inputs stay binary at the borders)", OnnxAttribute.Of("mode", "constant"));
            p = 0;
        }
        var inputs = bias is null ? new[] { input, weight } : [input, weight, bias];
        return g.Add("Conv", path, inputs, Geometry(layer, p, layer.Groups));
    }

    private static OnnxAttribute[] Geometry(Conv2d layer, int padding, int groups) =>
    [
        OnnxAttribute.OfInts("kernel_shape", layer.KernelSize, layer.KernelSize),
        OnnxAttribute.OfInts("strides", layer.Stride, layer.Stride),
        OnnxAttribute.OfInts("pads", padding, padding, padding, padding),
        OnnxAttribute.Of("group", (long)groups),
    ];
}
