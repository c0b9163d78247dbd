using Lowbit.Onnx.Graph;
using Lowbit.Quantization;

namespace Lowbit.Onnx.Export.Quantizers;

/// <summary>
/// xnor_act: sign(x)·K with K = mean over channels of |x| per sample (dense, [N, 1]) or per position (convolution
/// inputs with window "position", [N, 1, H, W]); with window "box" the convolution scales its output by K box-filtered
/// (<see cref="EmitConvSplit"/>). K is a float32 mean, so it agrees with Lowbit's to float precision (summation order).
/// </summary>
internal sealed class XnorActivationExport : QuantizerExport
{
    /// <inheritdoc/>
    public override OnnxValue Emit(ExportContext context, Quantizer quantizer, string path, OnnxValue x)
    {
        var q = (XnorActivation)quantizer;
        var g = context.Graph;
        string sign = SignExport.Sign(g, path, x.Name, 1f);
        return q.Scale ? x.As(g.Add("Mul", path, [sign, ChannelMeanAbs(g, path, x.Name)])) : x.As(sign);
    }

    /// <inheritdoc/>
    public override bool IsElementwise(Quantizer quantizer) => !((XnorActivation)quantizer).Scale;

    /// <inheritdoc/>
    public override (OnnxValue Quantized, OnnxValue Magnitude)? EmitConvSplit(ExportContext context, Quantizer quantizer, string path, OnnxValue x)
    {
        var q = (XnorActivation)quantizer;
        if (!q.Scale || !q.BoxWindow || x.Rank != 4) return null;
        var g = context.Graph;
        return (x.As(SignExport.Sign(g, path, x.Name, 1f)), new OnnxValue(ChannelMeanAbs(g, path, x.Name), [1, x.Shape[1], x.Shape[2]]));
    }

    /// <summary>mean_c |x| kept as axis 1 of size 1.</summary>
    private static string ChannelMeanAbs(GraphBuilder g, string path, string x) =>
        g.Add("ReduceMean", path, [g.Add("Abs", path, [x])], OnnxAttribute.OfInts("axes", 1), OnnxAttribute.Of("keepdims", 1L));
}
