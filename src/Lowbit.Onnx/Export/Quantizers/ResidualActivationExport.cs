using Lowbit.Onnx.Graph;
using Lowbit.Quantization;
using Lowbit.Quantization.MixedPrecision;

namespace Lowbit.Onnx.Export.Quantizers;

/// <summary>
/// residual (role "activation"): x̂ = Σ_i μ_i·s_i with s_i = sign(r_i) (sign(0) = +1), r_1 = x, r_{i+1} = r_i − μ_i·s_i,
/// in float64 like Lowbit, rounded to float32 once. With means "running" the μ_i are the frozen running means and the
/// export is bit-exact; with "per_sample" each μ_i = mean|r_i| over the sample is a ReduceMean whose summation order
/// differs from Lowbit's sequential sum, so levels agree to double precision before the float32 rounding.
/// </summary>
internal sealed class ResidualActivationExport : QuantizerExport
{
    /// <inheritdoc/>
    public override bool IsElementwise(Quantizer quantizer) => ((ResidualBinarizer)quantizer).RunningMeans is not null;

    /// <inheritdoc/>
    public override OnnxValue Emit(ExportContext context, Quantizer quantizer, string path, OnnxValue x)
    {
        var q = (ResidualBinarizer)quantizer;
        if (q.Role != "activation")
            throw new NotSupportedException("residual with role \"weight\" on activations takes one mean over the whole batch tensor; use role \"activation\" (per-sample or running means).");
        var g = context.Graph;
        string r = g.Add("Cast", path, [x.Name], OnnxAttribute.Of("to", (long)OnnxDataType.Double));
        var axes = Enumerable.Range(1, x.Shape.Length).Select(a => (long)a).ToArray();
        var running = q.RunningMeans;
        string? sum = null;
        for (int i = 0; i < q.Bits; i++)
        {
            string mean = running is not null
                ? g.ScalarDouble(path, $"running_mean_{i + 1}", running[i])
                : g.Add("ReduceMean", path, [g.Add("Abs", path, [r])], OnnxAttribute.OfInts("axes", axes), OnnxAttribute.Of("keepdims", 1L));
            string nonNegative = g.Add("GreaterOrEqual", path, [r, g.ScalarDouble(path, "zero", 0)]);
            string step = g.AddDocumented("Where", path, [nonNegative, mean, g.Add("Neg", path, [mean])], $"plane {i + 1}: +mean where the residual is >= 0 (sign(0) = +1)");
            sum = sum is null ? step : g.Add("Add", path, [sum, step]);
            if (i + 1 < q.Bits) r = g.Add("Sub", path, [r, step]);
        }
        return x.As(g.Add("Cast", path, [sum!], OnnxAttribute.Of("to", (long)OnnxDataType.Float)));
    }
}
