using Lowbit.Nn.Layers;
using Lowbit.Onnx.Graph;
using Lowbit.Tensors;
using Lowbit.Tensors.Autograd;

namespace Lowbit.Onnx.Export.Layers;

/// <summary>
/// Weights and biases of <see cref="QuantizedLayer"/>s as initializers named like the checkpoint ("1.weight", "1.bias").
/// Quantized weights are folded: the initializer holds the weights the evaluation-mode forward multiplies with
/// (<see cref="QuantizedLayer.EffectiveWeight"/>), so any weight quantizer, mixed-precision ones included, exports
/// exactly; the latent weights are not exported.
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
        var q = layer.WeightQuantizer?.Quantizer;
        string? doc = q is null ? null : string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"weights after quantizer {q.Name} ({q.BitWidth:0.###} bits), as the evaluation forward uses them");
        var dims = w.Shape.Select(d => (long)d).ToArray();
        return context.Graph.Initializer(OnnxTensor.FromFloats(LayerExports.Child(path, "weight"), w.ToArray(), dims, doc));
    }

    /// <summary>Adds "path.bias" and returns its name, or null when the layer has no bias.</summary>
    public static string? Bias(ExportContext context, QuantizedLayer layer, string path)
    {
        if (layer.Bias is null) return null;
        var b = layer.Bias.Value.Detach().To(DType.Float32);
        return context.Graph.Initializer(OnnxTensor.FromFloats(LayerExports.Child(path, "bias"), b.ToArray(), [b.Length]));
    }
}
