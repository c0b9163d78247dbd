using Lowbit.Quantization;

namespace Lowbit.Onnx.Export.Quantizers;

/// <summary>
/// Sign binarizers (ste_sign, approx_sign, swish_sign, bc_det): Where(x ≥ 0, +h, −h). Lowbit's sign(0) is +1 (and
/// sign(−0) too) while ONNX's Sign(0) is 0, so the export compares with GreaterOrEqual instead of using Sign; NaN
/// compares false and gives −h, as in Lowbit.
/// </summary>
internal sealed class SignExport : QuantizerExport
{
    public static SignExport Instance { get; } = new();

    /// <inheritdoc/>
    public override OnnxValue Emit(ExportContext context, Quantizer quantizer, string path, OnnxValue x)
    {
        double h = quantizer is BinaryConnectDeterministic bc ? bc.H : 1.0;
        return x.As(Sign(context.Graph, path, x.Name, (float)h));
    }

    /// <summary>Where(x ≥ 0, h, −h) on a float32 value; returns the output name.</summary>
    public static string Sign(GraphBuilder g, string path, string x, float h)
    {
        string nonNegative = g.Add("GreaterOrEqual", path, [x, g.Scalar(path, "zero", 0f)]);
        return g.AddDocumented("Where", path, [nonNegative, g.Scalar(path, "plus", h), g.Scalar(path, "minus", -h)],
            "Lowbit's sign: +1 for x >= 0 (sign(0) = +1), -1 otherwise; ONNX Sign(0) would give 0");
    }
}

/// <summary>Quantizers whose forward is the identity (dorefa_grad, fm_pow2_input change only the backward pass): no node.</summary>
internal sealed class IdentityExport : QuantizerExport
{
    public static IdentityExport Instance { get; } = new();

    /// <inheritdoc/>
    public override OnnxValue Emit(ExportContext context, Quantizer quantizer, string path, OnnxValue x) => x;
}
