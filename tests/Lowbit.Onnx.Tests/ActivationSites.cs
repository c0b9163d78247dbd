using Lowbit.Nn.Layers;
using Lowbit.Onnx.Export;
using Lowbit.Onnx.Graph;
using Lowbit.Quantization;
using Lowbit.Tensors;
using Lowbit.Tensors.Autograd;

namespace Lowbit.Onnx.Tests;

/// <summary>
/// A quantized activation: the module path of the layer whose input (or output, for quant_activation) it is (e.g. "3" or
/// "3.body.0" inside a residual block), and its ONNX value.
/// </summary>
internal sealed record ActivationSite(string Path, Quantizer Quantizer, bool Elementwise, string OnnxValue, int[] Shape);

/// <summary>
/// Finds the quantized activations of a Sequential model, residual bodies and shortcuts included, and computes them in
/// Lowbit, layer by layer.
/// </summary>
internal static class ActivationSites
{
    /// <summary>Sites with a node in <paramref name="onnx"/> (the value of the last node in the quantizer's scope), in forward order.</summary>
    public static IReadOnlyList<ActivationSite> Find(Sequential model, OnnxModel onnx, int[] inputShape)
    {
        var sites = new List<ActivationSite>();
        Find(model, "", inputShape, onnx, sites);
        return sites;
    }

    private static int[] Find(Sequential sequence, string prefix, int[] shape, OnnxModel onnx, List<ActivationSite> sites)
    {
        for (int i = 0; i < sequence.Layers.Count; i++)
        {
            var layer = sequence.Layers[i];
            string path = prefix + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (layer is Residual block)
            {
                var output = Find(block.Body, path + ".body.", shape, onnx, sites);
                if (block.Shortcut is not null) Find(block.Shortcut, path + ".shortcut.", shape, onnx, sites);
                shape = output;
                continue;
            }
            Quantizer? q = layer switch
            {
                QuantizedLayer { InputQuantizer: { } iq } when !(layer is Conv2d && iq.Quantizer is XnorActivation { Scale: true, BoxWindow: true }) => iq.Quantizer,
                QuantActivation qa => qa.Quantizer.Quantizer,
                _ => null,
            };
            string scope = layer is QuantActivation ? $"{path}.quantizer/" : $"{path}.input_quantizer/";
            var siteShape = shape;
            shape = layer.OutputShape(shape);
            if (q is null) continue;
            var last = onnx.Nodes.LastOrDefault(n => n.Name.StartsWith(scope, StringComparison.Ordinal));
            if (last is null) continue; // identity forward
            sites.Add(new ActivationSite(path, q, QuantizerExports.Find(q, scope).IsElementwise(q), last.Outputs[0], siteShape));
        }
        return shape;
    }

    /// <summary>Lowbit's outputs and, per site, (pre-quantization input, quantized activation) for one batch.</summary>
    public static (float[] Output, (float[] Pre, float[] Quantized)[] Sites) Run(Sequential model, IReadOnlyList<ActivationSite> sites, Tensor x)
    {
        model.Eval();
        using var _ = GradMode.Disable();
        var captured = new (float[], float[])[sites.Count];
        var output = Run(model, "", sites, captured, x);
        return (output.ToArray(), captured);
    }

    /// <summary>The forward pass of <paramref name="sequence"/> as Sequential and Residual compute it, capturing the sites on the way.</summary>
    private static Tensor Run(Sequential sequence, string prefix, IReadOnlyList<ActivationSite> sites, (float[], float[])[] captured, Tensor x)
    {
        for (int i = 0; i < sequence.Layers.Count; i++)
        {
            var layer = sequence.Layers[i];
            string path = prefix + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (layer is Residual block)
            {
                var body = Run(block.Body, path + ".body.", sites, captured, x);
                var shortcut = block.Shortcut is null ? x : Run(block.Shortcut, path + ".shortcut.", sites, captured, x);
                x = Tensor.Add(body, shortcut);
                continue;
            }
            int s = IndexOf(sites, path);
            if (s >= 0)
            {
                var quantized = layer is QuantizedLayer ql ? ql.InputQuantizer!.Forward(x) : layer.Forward(x);
                captured[s] = (x.ToArray(), quantized.ToArray());
            }
            x = layer.Forward(x);
        }
        return x;
    }

    /// <summary>Whether the elementwise quantizer's output changes within a relative step 1e-4 of <paramref name="value"/>.</summary>
    public static bool NearBoundary(Quantizer quantizer, float value)
    {
        float delta = 1e-4f * Math.Max(1f, Math.Abs(value));
        using var _ = GradMode.Disable();
        var q = quantizer.Quantize(Tensor.FromArray([value - delta, value + delta], 1, 2), QuantizerContext.Eval).ToArray();
        return q[0] != q[1];
    }

    private static int IndexOf(IReadOnlyList<ActivationSite> sites, string path)
    {
        for (int s = 0; s < sites.Count; s++) if (sites[s].Path == path) return s;
        return -1;
    }
}
