using Lowbit.Quantization;

namespace Lowbit.Onnx.Export.Quantizers;

/// <summary>The ONNX form of one quantizer type's evaluation-mode forward map on activations.</summary>
internal abstract class QuantizerExport
{
    /// <summary>Emits q(x) and returns it (same shape as x).</summary>
    /// <exception cref="NotSupportedException">This quantizer's settings have no faithful ONNX form.</exception>
    public abstract OnnxValue Emit(ExportContext context, Quantizer quantizer, string path, OnnxValue x);

    /// <summary>
    /// Whether each output element depends on its own input element only (sign, uniform grids, frozen residual means),
    /// as opposed to statistics over the sample (XNOR-Net's K, per-sample residual means).
    /// </summary>
    public virtual bool IsElementwise(Quantizer quantizer) => true;

    /// <summary>
    /// For quantizers whose scale belongs on a convolution's output (<see cref="Quantizer.ConvOutputScale"/>): the
    /// unscaled quantized input and the magnitude map [N, 1, H, W] the convolution box-filters; null otherwise.
    /// </summary>
    public virtual (OnnxValue Quantized, OnnxValue Magnitude)? EmitConvSplit(ExportContext context, Quantizer quantizer, string path, OnnxValue x) => null;
}
