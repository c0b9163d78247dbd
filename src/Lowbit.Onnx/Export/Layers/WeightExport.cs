using Lowbit.Nn.Layers;
using Lowbit.Onnx.Graph;
using Lowbit.Tensors;
using Lowbit.Tensors.Autograd;

namespace Lowbit.Onnx.Export.Layers;

/// <summary>
/// Weights and biases of <see cref="QuantizedLayer"/>s as initializers named like the checkpoint ("1.weight", "1.bias").
/// Quantized weights are folded: the initializer holds the weights the evaluation-mode forward multiplies with
/// (<see cref="QuantizedLayer.EffectiveWeight"/>), so any weight quantizer, mixed-precision ones included, exports
/// exactly; the latent weights are not exported. When those weights lie on an int8 grid that DequantizeLinear
/// reproduces bit for bit (<see cref="IntegerGrid"/>: ±1, ±E, ternary, uniform), "path.weight" holds the int8 codes
/// and a DequantizeLinear node with "path.weight_scale" (per tensor or per output channel) gives the float weights.
/// </summary>
internal static class WeightExport
{
    /// <summary>Adds "path.weight" and returns its name.</summary>
    /// <exception cref="NotSupportedException">The weight quantizer cannot be evaluated without a generator (it samples at evaluation).</exception>
    public static string Weight(ExportContext context, QuantizedLayer layer, string path)
    {
        Tensor w;
        try
        {
            using var _ = GradMode.Disable();
            w = layer.EffectiveWeight().To(DType.Float32);
        }
        catch (InvalidOperationException e)
        {
            throw new NotSupportedException($"layer '{LayerExports.Label(path)}': weight quantizer '{layer.WeightQuantizer!.Quantizer.Name}' does not give fixed weights at evaluation ({e.Message})", e);
        }
        return Values(context, layer.WeightQuantizer?.Quantizer, w.ToArray(), w.Shape.Select(d => (long)d).ToArray(), path);
    }

    /// <summary>
    /// Adds "path.weight" holding <paramref name="values"/> (weights already through the layer's quantizer, e.g. a
    /// shift layer's selected weights) and returns its name; int8 codes and DequantizeLinear when they lie on a grid.
    /// </summary>
    public static string Values(ExportContext context, Quantization.Quantizer? q, float[] values, long[] dims, string path)
    {
        string? doc = q is null ? null : string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"weights after quantizer {q.Name} ({q.BitWidth:0.###} bits), as the evaluation forward uses them");
        string name = LayerExports.Child(path, "weight");
        if (q is not null && context.Options.QuantizeDequantize)
        {
            if (IntegerGrid.TryFind(values, 1) is { } tensorGrid) return Dequantized(context, name, tensorGrid, dims, perChannel: false, doc);
            if (dims.Length >= 2 && IntegerGrid.TryFind(values, (int)dims[0]) is { } channelGrid) return Dequantized(context, name, channelGrid, dims, perChannel: true, doc);
        }
        return context.Graph.Initializer(OnnxTensor.FromFloats(name, values, dims, doc));
    }

    private static string Dequantized(ExportContext context, string name, (sbyte[] Codes, float[] Scales) grid, long[] dims, bool perChannel, string? doc)
    {
        var (codes, scales) = grid;
        var g = context.Graph;
        long[] scaleDims = perChannel ? [scales.Length] : [];
        g.Initializer(OnnxTensor.FromInt8s(name, codes, dims, doc + "; int8 codes, dequantized below"));
        string scale = g.Initializer(OnnxTensor.FromFloats(name + "_scale", scales, scaleDims));
        string zero = g.Initializer(OnnxTensor.FromInt8s(name + "_zero_point", new sbyte[scales.Length], scaleDims));
        var attributes = perChannel ? new[] { OnnxAttribute.Of("axis", 0L) } : [];
        return g.AddDocumented("DequantizeLinear", name, [name, scale, zero], "Lowbit's quantized weights, bit for bit", attributes);
    }

    /// <summary>Adds "path.bias" and returns its name, or null when the layer has no bias.</summary>
    public static string? Bias(ExportContext context, QuantizedLayer layer, string path)
    {
        if (layer.Bias is null) return null;
        var b = layer.Bias.Value.Detach().To(DType.Float32);
        return context.Graph.Initializer(OnnxTensor.FromFloats(LayerExports.Child(path, "bias"), b.ToArray(), [b.Length]));
    }
}
