using Lowbit.Nn.Layers;
using Lowbit.Onnx.Export;
using Lowbit.Onnx.Graph;
using Lowbit.Quantization;
using Lowbit.Tensors;
using Lowbit.Tensors.Autograd;

namespace Lowbit.Onnx.Tests;

/// <summary>A quantized activation of a Sequential model: the layer whose input (or output, for quant_activation) it is, and its ONNX value.</summary>
internal sealed record ActivationSite(int Layer, Quantizer Quantizer, bool Elementwise, string OnnxValue, int[] Shape);

/// <summary>Finds the quantized activations of a top-level Sequential and computes them in Lowbit, layer by layer.</summary>
internal static class ActivationSites
{
    /// <summary>Sites with a node in <paramref name="onnx"/> (the value of the last node in the quantizer's scope).</summary>
    public static IReadOnlyList<ActivationSite> Find(Sequential model, OnnxModel onnx, int[] inputShape)
    {
        var sites = new List<ActivationSite>();
        var shape = inputShape;
        for (int i = 0; i < model.Layers.Count; i++)
        {
            var layer = model.Layers[i];
            (Quantizer? q, string scope, int[] siteShape) = layer switch
            {
                QuantizedLayer { InputQuantizer: { } iq } when !(layer is Conv2d && iq.Quantizer is XnorActivation { Scale: true, BoxWindow: true }) => (iq.Quantizer, $"{i}.input_quantizer/", shape),
                QuantActivation qa => (qa.Quantizer.Quantizer, $"{i}.quantizer/", shape),
                _ => (null, "", shape),
            };
            shape = layer.OutputShape(shape);
            if (q is null) continue;
            var last = onnx.Nodes.LastOrDefault(n => n.Name.StartsWith(scope, StringComparison.Ordinal));
            if (last is null) continue; // identity forward
            sites.Add(new ActivationSite(i, q, QuantizerExports.Find(q, scope).IsElementwise(q), last.Outputs[0], siteShape));
        }
        return sites;
    }

    /// <summary>Lowbit's outputs and, per site, (pre-quantization input, quantized activation) for one batch.</summary>
    public static (float[] Output, (float[] Pre, float[] Quantized)[] Sites) Run(Sequential model, IReadOnlyList<ActivationSite> sites, Tensor x)
    {
        model.Eval();
        using var _ = GradMode.Disable();
        var captured = new (float[], float[])[sites.Count];
        for (int i = 0; i < model.Layers.Count; i++)
        {
            int s = IndexOf(sites, i);
            var layer = model.Layers[i];
            if (s >= 0)
            {
                var quantized = layer is QuantizedLayer ql ? ql.InputQuantizer!.Forward(x) : layer.Forward(x);
                captured[s] = (x.ToArray(), quantized.ToArray());
            }
            x = layer.Forward(x);
        }
        return (x.ToArray(), captured);
    }

    /// <summary>Whether the elementwise quantizer's output changes within a relative step 1e-4 of <paramref name="value"/>.</summary>
    public static bool NearBoundary(Quantizer quantizer, float value)
    {
        float delta = 1e-4f * Math.Max(1f, Math.Abs(value));
        using var _ = GradMode.Disable();
        var q = quantizer.Quantize(Tensor.FromArray([value - delta, value + delta], 1, 2), QuantizerContext.Eval).ToArray();
        return q[0] != q[1];
    }

    private static int IndexOf(IReadOnlyList<ActivationSite> sites, int layer)
    {
        for (int s = 0; s < sites.Count; s++) if (sites[s].Layer == layer) return s;
        return -1;
    }
}
