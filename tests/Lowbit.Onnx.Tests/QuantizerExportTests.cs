using Lowbit.Nn.Layers;
using Lowbit.Onnx.Export;
using Lowbit.Onnx.Graph;
using Lowbit.Quantization;
using Lowbit.Quantization.MixedPrecision;
using Lowbit.Tensors;
using Lowbit.Tensors.Autograd;

namespace Lowbit.Onnx.Tests;

/// <summary>
/// Each exportable activation quantizer alone, run in ONNX Runtime on inputs that include zeros, −0, exact ties between
/// levels, the floats next to every tie and boundary, and random values: the outputs must equal Lowbit's bit for bit.
/// </summary>
public sealed class QuantizerExportTests
{
    public static TheoryData<string> Specs() =>
    [
        "ste_sign", "approx_sign", "swish_sign", "{\"type\": \"bc_det\", \"h\": 0.5}",
        "{\"type\": \"dorefa_act\", \"bits\": 1}", "{\"type\": \"dorefa_act\", \"bits\": 2}", "{\"type\": \"dorefa_act\", \"bits\": 3}",
        "{\"type\": \"dorefa_act\", \"bits\": 8}", "{\"type\": \"dorefa_act\", \"bits\": 12}",
        "{\"type\": \"pact\", \"bits\": 2, \"alpha\": 3.0}", "{\"type\": \"pact\", \"bits\": 4, \"alpha\": 0.7}",
        "{\"type\": \"linear_quant\", \"bits\": 3}", "{\"type\": \"linear_quant\", \"bits\": 4, \"signed\": false, \"range\": 2.0}",
        "{\"type\": \"lsq\", \"bits\": 2, \"role\": \"activation\", \"step\": 0.3}", "{\"type\": \"lsq\", \"bits\": 3, \"signed\": false, \"role\": \"activation\", \"step\": 0.25}",
        "{\"type\": \"xnor_act\", \"scale\": false}", "dorefa_grad", "fm_pow2_input",
    ];

    [Theory]
    [MemberData(nameof(Specs))]
    public void Export_ActivationQuantizer_MatchesLowbitBitForBit(string spec)
    {
        var quantizer = Create(spec);
        if (quantizer is LsqQuantizer lsq) lsq.StateTensors.Single(t => t.Name == "step_initialized").Value.Fill(1);
        var model = new Sequential(new QuantActivation(quantizer));
        var input = TrickyInputs(quantizer, 4096, seed: 7);
        var (expected, actual) = RunBoth(model, input);
        for (int i = 0; i < input.Length; i++)
            Assert.True(expected[i] == actual[i] && float.IsNaN(expected[i]) == float.IsNaN(actual[i]),
                $"{spec}: input {input[i]:R} ({BitConverter.SingleToInt32Bits(input[i]):X8}) Lowbit {expected[i]:R} ONNX Runtime {actual[i]:R}");
    }

    [Fact]
    public void Export_ResidualRunningMeans_MatchesLowbitBitForBit()
    {
        var quantizer = new ResidualBinarizer(bits: 3, role: "activation", means: "running");
        var model = new Sequential(new QuantActivation(quantizer));
        // Training forwards set the running means from data.
        var random = new Random(3);
        model.Train();
        for (int step = 0; step < 3; step++)
        {
            var batch = Enumerable.Range(0, 64).Select(_ => (float)(random.NextDouble() * 4 - 2)).ToArray();
            model.Forward(Tensor.FromArray(batch, 4, 16));
        }
        var means = quantizer.RunningMeans!;
        var input = new List<float>(TrickyInputs(new SteSign(), 2048, seed: 11));
        foreach (double m in means) input.AddRange([(float)m, -(float)m, MathF.BitIncrement((float)m), MathF.BitDecrement((float)m)]);
        var (expected, actual) = RunBoth(model, input.ToArray());
        Assert.Equal(expected, actual);
    }

    [Fact]
    public void Export_DoReFaTwoBits_HasQuantizeDequantizePair()
    {
        var model = new Sequential(new QuantActivation(new DoReFaActivation(2)));
        var onnx = OnnxExporter.Export(model, [8], new OnnxExportOptions("t"));
        var q = Assert.Single(onnx.Nodes, n => n.OpType == "QuantizeLinear");
        Assert.Single(onnx.Nodes, n => n.OpType == "DequantizeLinear" && n.Inputs[0] == q.Outputs[0]);
        var scale = onnx.Initializers.Single(t => t.Name == q.Inputs[1]).ToFloats();
        Assert.Equal(1f / 3, scale[0]);
        Assert.Equal(OnnxDataType.UInt8, onnx.Initializers.Single(t => t.Name == q.Inputs[2]).DataType);
    }

    [Fact]
    public void Export_SignZero_IsPlusOneInOnnxRuntime()
    {
        var model = new Sequential(new QuantActivation(new SteSign()));
        var (_, actual) = RunBoth(model, [0f, -0f, 1e-30f, -1e-30f]);
        Assert.Equal([1f, 1f, 1f, -1f], actual);
    }

    [Fact]
    public void Export_HeterogeneousActivations_FailsWithReason()
    {
        var q = Create("{\"type\": \"hbb\", \"mix\": \"1:0.5,2:0.5\", \"role\": \"activation\"}");
        var model = new Sequential(new QuantActivation(q));
        var e = Assert.Throws<NotSupportedException>(() => OnnxExporter.Export(model, [8], new OnnxExportOptions("t")));
        Assert.Contains("'0.quantizer': quantizer 'hbb' on activations cannot be exported", e.Message);
        Assert.Contains("Middle-Out", e.Message);
    }

    /// <summary>A quantizer from a config value: a name or a JSON object with "type" and options.</summary>
    internal static Quantizer Create(string spec)
    {
        if (!spec.StartsWith('{')) return QuantizerRegistry.Create(spec);
        var json = System.Text.Json.Nodes.JsonNode.Parse(spec)!.AsObject();
        var options = new Dictionary<string, object>();
        foreach (var (key, value) in json)
        {
            if (key == "type") continue;
            options[key] = value!.GetValueKind() switch
            {
                System.Text.Json.JsonValueKind.Number => value.GetValue<double>(),
                System.Text.Json.JsonValueKind.String => value.GetValue<string>(),
                _ => (object)value.GetValue<bool>(),
            };
        }
        return QuantizerRegistry.Create(new QuantizerSpec(json["type"]!.GetValue<string>(), options));
    }

    /// <summary>Runs the model in Lowbit (evaluation) and in ONNX Runtime on [n/8, 8] and returns both outputs.</summary>
    internal static (float[] Lowbit, float[] Ort) RunBoth(Sequential model, float[] input)
    {
        int width = 8;
        var padded = input.Concat(Enumerable.Repeat(0f, (width - input.Length % width) % width)).ToArray();
        int rows = padded.Length / width;
        model.Eval();
        float[] expected;
        using (GradMode.Disable()) expected = model.Forward(Tensor.FromArray(padded, rows, width)).ToArray();
        var onnx = OnnxExporter.Export(model, [width], new OnnxExportOptions("test"));
        OrtHarness.Check(onnx);
        var actual = OrtHarness.Run(onnx, padded, [rows, width])[0];
        return (expected[..input.Length], actual[..input.Length]);
    }

    /// <summary>Zeros, ±0, each level's tie point and the floats on either side, scaled edges, and uniform random values.</summary>
    private static float[] TrickyInputs(Quantizer quantizer, int randomCount, int seed)
    {
        var values = new List<float> { 0f, -0f, 1f, -1f, 0.5f, -0.5f, 1e-30f, -1e-30f, 1e6f, -1e6f };
        double scale = quantizer switch
        {
            DoReFaActivation d => 1 / (Math.ScaleB(1.0, d.Bits) - 1),
            Pact p => p.Alpha.GetFlat(0) / (Math.ScaleB(1.0, p.Bits) - 1),
            LinearQuant l => l.Range / l.MaxLevel,
            LsqQuantizer s => s.Step.GetFlat(0),
            _ => 0.25,
        };
        for (int n = -300; n <= 300; n++)
        {
            foreach (double t in new[] { (n + 0.5) * scale, n * scale })
            {
                float f = (float)t;
                values.AddRange([f, MathF.BitIncrement(f), MathF.BitDecrement(f), MathF.BitIncrement(MathF.BitIncrement(f)), MathF.BitDecrement(MathF.BitDecrement(f))]);
            }
        }
        var random = new Random(seed);
        for (int i = 0; i < randomCount; i++) values.Add((float)((random.NextDouble() * 2 - 1) * scale * 40));
        return values.ToArray();
    }
}
