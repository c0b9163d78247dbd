using Lowbit.Nn;
using Lowbit.Nn.Layers;
using Lowbit.Onnx.Graph;
using Lowbit.Quantization;
using Lowbit.Tensors;

namespace Lowbit.Onnx.Export.Layers;

/// <summary>Batch normalisation (running statistics) and shift-based batch normalisation.</summary>
internal static class NormalizationExport
{
    /// <summary>
    /// BatchNormalization with the checkpoint's γ, β, running mean and variance under their own names. Runtimes fold
    /// these into one scale and shift per channel with their own float rounding, so outputs agree with Lowbit's to
    /// float precision, not bit for bit.
    /// </summary>
    public static OnnxValue EmitBatchNorm(ExportContext context, Module module, string path, OnnxValue x)
    {
        var bn = (BatchNorm)module;
        var g = context.Graph;
        int c = bn.Features;
        string scale = bn.Gamma is null ? Constant(g, path, "scale", Filled(c, 1f), [c]) : Vector(g, LayerExports.Child(path, "weight"), bn.Gamma.Value);
        string shift = bn.Beta is null ? Constant(g, path, "shift", Filled(c, 0f), [c]) : Vector(g, LayerExports.Child(path, "bias"), bn.Beta.Value);
        string mean = Vector(g, LayerExports.Child(path, "running_mean"), bn.RunningMean);
        string variance = Vector(g, LayerExports.Child(path, "running_var"), bn.RunningVar);
        return x.As(g.Add("BatchNormalization", path, [x.Name, scale, shift, mean, variance], OnnxAttribute.Of("epsilon", (float)bn.Epsilon)));
    }

    /// <summary>
    /// Shift-based batch normalisation in evaluation, y = ((x − mean)·AP2(1/sqrt(var + ε)))·AP2(γ) + β, as the same
    /// float32 operations in the same order as Lowbit (bit-exact): Sub, Mul, Mul, Add with per-channel constants.
    /// </summary>
    public static OnnxValue EmitShiftBatchNorm(ExportContext context, Module module, string path, OnnxValue x)
    {
        var bn = (ShiftBatchNorm)module;
        var g = context.Graph;
        int c = bn.Features;
        long[] channelDims = bn.Spatial ? [c, 1, 1] : [c];
        var variance = bn.RunningVar.Detach().To(DType.Float32);
        var inverseStd = Tensor.Div(Tensor.Full(DType.Float32, 1.0, c), Tensor.Sqrt(Tensor.AddScalar(variance, bn.Epsilon))).ToArray();
        string y = g.Add("Sub", path, [x.Name, Constant(g, LayerExports.Child(path, "running_mean"), "", bn.RunningMean.Detach().To(DType.Float32).ToArray(), channelDims)]);
        y = g.Add("Mul", path, [y, Constant(g, path, "inverse_std_ap2", Ap2(inverseStd), channelDims)]);
        if (bn.Gamma is not null) y = g.Add("Mul", path, [y, Constant(g, path, "weight_ap2", Ap2(bn.Gamma.Value.Detach().To(DType.Float32).ToArray()), channelDims)]);
        if (bn.Beta is not null) y = g.Add("Add", path, [y, Constant(g, LayerExports.Child(path, "bias"), "", bn.Beta.Value.Detach().To(DType.Float32).ToArray(), channelDims)]);
        return x.As(y);
    }

    private static float[] Ap2(float[] values) => values.Select(v => (float)PowerOfTwo.Approximate(v)).ToArray();

    private static float[] Filled(int count, float value)
    {
        var a = new float[count];
        Array.Fill(a, value);
        return a;
    }

    private static string Vector(GraphBuilder g, string name, Tensor t) =>
        g.Initializer(OnnxTensor.FromFloats(name, t.Detach().To(DType.Float32).ToArray(), [t.Length]));

    /// <summary>A constant named <paramref name="scope"/> itself when <paramref name="label"/> is empty, else "scope/label".</summary>
    private static string Constant(GraphBuilder g, string scope, string label, float[] values, long[] dims) =>
        g.Initializer(OnnxTensor.FromFloats(label.Length == 0 ? scope : g.ConstantName(scope, label), values, dims));
}
