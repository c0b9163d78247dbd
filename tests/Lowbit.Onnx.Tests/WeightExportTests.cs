using Lowbit.Nn.Layers;
using Lowbit.Onnx.Export;
using Lowbit.Onnx.Export.Layers;
using Lowbit.Onnx.Graph;
using Lowbit.Quantization;
using Lowbit.Tensors;
using Lowbit.Tensors.Autograd;

namespace Lowbit.Onnx.Tests;

/// <summary>Quantized weights: int8 codes + DequantizeLinear where that is bit-exact, float constants otherwise.</summary>
public sealed class WeightExportTests
{
    [Fact]
    public void TryFind_TwoScales_FindsTensorAndChannelGrids()
    {
        float[] w = [0.5f, -0.5f, 0.5f, -0.25f, 0.25f, 0.25f];
        var (tensorCodes, tensorScale) = IntegerGrid.TryFind(w, 1)!.Value;
        Assert.Equal(new sbyte[] { 2, -2, 2, -1, 1, 1 }, tensorCodes);
        Assert.Equal([0.25f], tensorScale);
        var (codes, scales) = IntegerGrid.TryFind(w, 2)!.Value;
        Assert.Equal(new sbyte[] { 1, -1, 1, -1, 1, 1 }, codes);
        Assert.Equal([0.5f, 0.25f], scales);
    }

    [Fact]
    public void TryFind_DoReFaTwoBitLevels_IsNotAnExactGrid()
    {
        // Lowbit's 2-bit DoReFa levels 2·q/3 − 1 in float32: −1, −0.3333333, 0.33333334, 1 (not symmetric in float32).
        float third = (float)(1.0 / 3);
        float[] w = [-1f, 2 * third - 1, (float)(2.0 / 3) * 2 - 1, 1f];
        Assert.Null(IntegerGrid.TryFind(w, 1));
    }

    [Theory]
    [InlineData("ste_sign", true, false)]
    [InlineData("xnor_weight", true, true)]
    [InlineData("ternary", true, false)]
    [InlineData("{\"type\": \"dorefa_weight\", \"bits\": 2}", false, false)]
    [InlineData("{\"type\": \"hbb\", \"mix\": \"1:0.5,2:0.3,3:0.2\"}", false, false)]
    public void Export_QuantizedDense_WeightsExactInOnnxRuntime(string spec, bool integerCodes, bool perChannel)
    {
        var random = new Random(5);
        var layer = new QuantLinear(12, 6, bias: true, random, null, QuantizerExportTests.Create(spec));
        layer.Bias!.Value.CopyFrom(Tensor.FromArray(Enumerable.Range(0, 6).Select(i => 0.1f * i).ToArray(), 6));
        var model = new Sequential(layer);
        var onnx = OnnxExporter.Export(model, [12], new OnnxExportOptions("w"));
        var weight = onnx.Initializers.Single(t => t.Name == "0.weight");
        Assert.Equal(integerCodes ? OnnxDataType.Int8 : OnnxDataType.Float, weight.DataType);
        if (integerCodes)
        {
            var dq = Assert.Single(onnx.Nodes, n => n.OpType == "DequantizeLinear");
            Assert.Equal(perChannel, dq.Attributes.Any(a => a.Name == "axis"));
            Assert.Equal(perChannel ? 6 : 1, onnx.Initializers.Single(t => t.Name == "0.weight_scale").ElementCount);
        }
        // The identity input picks out the weight columns: ONNX Runtime's product must equal Lowbit's exactly.
        var eye = new float[12 * 12];
        for (int i = 0; i < 12; i++) eye[i * 12 + i] = 1;
        model.Eval();
        float[] expected;
        using (GradMode.Disable()) expected = model.Forward(Tensor.FromArray(eye, 12, 12)).ToArray();
        OrtHarness.Check(onnx);
        Assert.Equal(expected, OrtHarness.Run(onnx, eye, [12, 12])[0]);
    }
}

/// <summary>
/// The plain float32 graph (no Q/DQ) gives the same outputs as the default one up to float rounding: with int8 weights
/// and a Q/DQ activation ONNX Runtime fuses the product into an integer GEMM (exact sums of codes, then one scale),
/// where the float graph sums float32 levels.
/// </summary>
public sealed class FloatGraphTests
{
    [Fact]
    public void Export_WithoutQuantizeDequantize_SameOutputsNoQdqNodes()
    {
        var random = new Random(9);
        var model = new Sequential(new QuantLinear(16, 8, bias: false, random, QuantizerExportTests.Create("{\"type\": \"dorefa_act\", \"bits\": 2}"), new SteSign()));
        var input = Enumerable.Range(0, 64).Select(i => (float)Math.Sin(i * 0.37)).ToArray();
        var plain = OnnxExporter.Export(model, [16], new OnnxExportOptions("f", QuantizeDequantize: false));
        var marked = OnnxExporter.Export(model, [16], new OnnxExportOptions("q"));
        Assert.DoesNotContain(plain.Nodes, n => n.OpType is "QuantizeLinear" or "DequantizeLinear");
        Assert.Contains(marked.Nodes, n => n.OpType == "QuantizeLinear");
        Assert.Equal(OnnxDataType.Float, plain.Initializers.Single(t => t.Name == "0.weight").DataType);
        var a = OrtHarness.Run(marked, input, [4, 16])[0];
        var b = OrtHarness.Run(plain, input, [4, 16])[0];
        for (int i = 0; i < a.Length; i++) Assert.True(Math.Abs(a[i] - b[i]) <= 1e-5 * Math.Max(1, Math.Abs(a[i])), $"output {i}: {a[i]:R} vs {b[i]:R}");
    }
}
