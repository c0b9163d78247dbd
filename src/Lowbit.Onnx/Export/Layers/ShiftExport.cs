using Lowbit.Nn;
using Lowbit.Nn.Layers;
using Lowbit.Onnx.Graph;
using Lowbit.Tensors.Autograd;

namespace Lowbit.Onnx.Export.Layers;

/// <summary>
/// Shift layers (<see cref="ShiftConv2d"/>, <see cref="ShiftAttentionConv2d"/>) as their deployed form
/// (<see cref="ShiftLayerBase.Deployed"/>: the rounded shifts and the selected weights). One shift per input channel:
/// input quantizer, Pad with the pad value, then per shift position a Gather of its channels and a strided Slice at
/// its offset (index offsets, no arithmetic), Concat, and a 1×1 Conv whose weight columns follow the gathered order.
/// One shift per connection: a k×k Conv whose kernel (o, c) is one-hot at the connection's cell, weighted by w[o, c]
/// (pruned connections all zero) — the same function, as ONNX has no per-connection shift.
/// </summary>
internal static class ShiftExport
{
    public static OnnxValue Emit(ExportContext context, Module module, string path, OnnxValue x)
    {
        var layer = (ShiftLayerBase)module;
        int[] outShape = layer.OutputShape(x.Shape);
        ShiftedPointwiseForm form;
        using (GradMode.Disable()) form = layer.Deployed();
        if (layer.InputQuantizer is { } input)
        {
            string scope = LayerExports.Child(path, "input_quantizer");
            x = QuantizerExports.Find(input.Quantizer, scope).Emit(context, input.Quantizer, scope, x);
        }
        string? bias = WeightExport.Bias(context, layer, path);
        string y = form.Shared ? SharedShifts(context, layer, form, path, x, outShape, bias) : OneHotConv(context, layer, form, path, x, bias);
        return new OnnxValue(y, outShape);
    }

    private static string SharedShifts(ExportContext context, ShiftLayerBase layer, ShiftedPointwiseForm form, string path, OnnxValue x, int[] outShape, string? bias)
    {
        var g = context.Graph;
        int c = layer.InChannels, o = layer.OutChannels, k = layer.KernelSize, p = layer.Padding, s = layer.Stride;
        string padded = Padded(g, layer, path, x.Name);
        // Channels grouped by position; a pruned channel (−1, zero weights) rides with the centre.
        var groups = Enumerable.Range(0, c).GroupBy(ch => form.Positions[ch] < 0 ? k * k / 2 : form.Positions[ch]).OrderBy(q => q.Key).ToList();
        var order = groups.SelectMany(q => q).ToArray();
        var pieces = new List<string>();
        foreach (var group in groups)
        {
            int py = group.Key / k, px = group.Key % k;
            var channels = group.ToArray();
            string source = padded;
            if (channels.Length != c)
                source = g.Add("Gather", path, [padded, g.Int64s(path, $"channels_{group.Key}", channels.Select(ch => (long)ch).ToArray())], OnnxAttribute.Of("axis", 1L));
            // In padded coordinates output (i, j) reads row s·i + py, column s·j + px.
            long[] starts = [py, px], ends = [py + (long)s * (outShape[1] - 1) + 1, px + (long)s * (outShape[2] - 1) + 1];
            pieces.Add(g.AddDocumented("Slice", path, [source, g.Int64s(path, $"starts_{group.Key}", starts), g.Int64s(path, $"ends_{group.Key}", ends),
                g.Int64s(path, $"axes_{group.Key}", 2, 3), g.Int64s(path, $"steps_{group.Key}", s, s)],
                $"shift of channels at cell ({py}, {px}): offset ({py - p}, {px - p})"));
        }
        string shifted = pieces.Count == 1 ? pieces[0] : g.Add("Concat", path, pieces, OnnxAttribute.Of("axis", 1L));
        var weights = form.Weights.ToArray();
        var columns = new float[o * c];
        for (int oc = 0; oc < o; oc++)
            for (int j = 0; j < c; j++) columns[oc * c + j] = weights[oc * c + order[j]];
        string weight = WeightExport.Values(context, layer.WeightQuantizer?.Quantizer, columns, [o, c, 1, 1], path);
        return g.Add("Conv", path, bias is null ? [shifted, weight] : [shifted, weight, bias],
            OnnxAttribute.OfInts("kernel_shape", 1, 1), OnnxAttribute.OfInts("strides", 1, 1), OnnxAttribute.OfInts("pads", 0, 0, 0, 0));
    }

    private static string OneHotConv(ExportContext context, ShiftLayerBase layer, ShiftedPointwiseForm form, string path, OnnxValue x, string? bias)
    {
        var g = context.Graph;
        int k = layer.KernelSize, area = k * k;
        var weights = form.Weights.ToArray();
        var kernel = new float[weights.Length * area];
        for (int q = 0; q < weights.Length; q++)
            if (form.Positions[q] >= 0) kernel[q * area + form.Positions[q]] = weights[q];
        string weight = WeightExport.Values(context, layer.WeightQuantizer?.Quantizer, kernel, [layer.OutChannels, layer.InChannels, k, k], path);
        string padded = Padded(g, layer, path, x.Name);
        return g.AddDocumented("Conv", path, bias is null ? [padded, weight] : [padded, weight, bias],
            "the rounded shift-attention layer: each kernel is one-hot at its connection's shift",
            OnnxAttribute.OfInts("kernel_shape", k, k), OnnxAttribute.OfInts("strides", layer.Stride, layer.Stride), OnnxAttribute.OfInts("pads", 0, 0, 0, 0));
    }

    /// <summary>The input padded with the layer's pad value (the shift reads it outside the input), or the input itself.</summary>
    private static string Padded(GraphBuilder g, ShiftLayerBase layer, string path, string input)
    {
        int p = layer.Padding;
        if (p == 0) return input;
        // ONNX Pad's pads list all begins then all ends: [N, C, H, W] begins, [N, C, H, W] ends.
        return g.AddDocumented("Pad", path, [input, g.Int64s(path, "pads", 0, 0, p, p, 0, 0, p, p), g.Scalar(path, "pad_value", (float)layer.PadValue)],
            "the layer's pad value around the (quantized) input", OnnxAttribute.Of("mode", "constant"));
    }
}
