using Lowbit.Quantization;
using Lowbit.Tensors;

namespace Lowbit.Quantization.Tests;

/// <summary>Deterministic quantizers give the same values on Float32 input as on Float64 (rounded to float).</summary>
public class PrecisionConsistencyTests
{
    public static TheoryData<string> Deterministic() =>
        ["ste_sign", "approx_sign", "swish_sign", "bc_det", "xnor_weight", "xnor_act", "dorefa_weight", "dorefa_act", "linear_quant", "log_quant", "ternary", "pact", "lsq"];

    [Theory]
    [MemberData(nameof(Deterministic))]
    public void Quantize_Float32MatchesFloat64(string name)
    {
        var x32 = Tensor.RandomUniform(new Random(4), -1.5, 1.5, [5, 8]);
        var q32 = QuantizerRegistry.Create(name);
        var q64 = QuantizerRegistry.Create(name);
        q64.ConvertTo(DType.Float64);
        var a = q32.Quantize(x32, QuantizerContext.Eval).ToArray();
        var b = q64.Quantize(x32.To(DType.Float64), QuantizerContext.Eval).ToDoubleArray();
        for (int i = 0; i < a.Length; i++)
            Assert.True(Math.Abs(a[i] - b[i]) <= 1e-6 * Math.Max(1, Math.Abs(b[i])), $"{name} at {i}: float {a[i]}, double {b[i]} (seed 4)");
    }
}
