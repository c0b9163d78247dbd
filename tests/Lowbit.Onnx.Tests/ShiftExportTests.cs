using Lowbit.Nn.Layers;
using Lowbit.Onnx.Export;
using Lowbit.Quantization;
using Lowbit.Tensors;
using Lowbit.Tensors.Autograd;

namespace Lowbit.Onnx.Tests;

/// <summary>
/// Shift layers in ONNX: fixed shifts and shared shift-attention layers as Pad + Gather + Slice + 1×1 Conv, unshared
/// ones as one-hot k×k Convs; strides, pad values, binary weights and inputs, pruned connections, inside residual
/// blocks. ONNX Runtime's outputs must match Lowbit's evaluation (the rounded layers) to float rounding.
/// </summary>
public sealed class ShiftExportTests
{
    [Fact]
    public void Export_ShiftNetwork_MatchesLowbit()
    {
        var r = new Random(31);
        // A hand-set attention row with a tie: that connection (unshared) / input channel (shared) is pruned.
        var unsharedLogits = Tensor.RandomUniform(r, 0, 1, [12, 12, 9]);
        unsharedLogits.SetFlat(5 * 9 + 2, 5); unsharedLogits.SetFlat(5 * 9 + 6, 5);
        var sharedLogits = Tensor.RandomUniform(r, 0, 1, [1, 12, 9]);
        sharedLogits.SetFlat(3 * 9 + 0, 5); sharedLogits.SetFlat(3 * 9 + 8, 5);
        var model = new Sequential(
            new Conv2d(3, 12, 3, 1, 1, bias: false, r), new BatchNorm2d(12), new Relu(),
            new Residual(new Sequential(
                new ShiftAttentionConv2d(12, 12, 3, 1, 1, shared: false, bias: false, r, attentionInit: unsharedLogits), new BatchNorm2d(12), new Relu(),
                new ShiftAttentionConv2d(12, 12, 3, 1, 1, shared: true, bias: true, r, attentionInit: sharedLogits), new BatchNorm2d(12))),
            new Relu(),
            new Residual(new Sequential(new ShiftConv2d(12, 24, 3, 2, 1, bias: false, r), new BatchNorm2d(24)), new Sequential(new ChannelPadShortcut(2, 6, 6))),
            new Residual(new Sequential(
                new ShiftAttentionConv2d(24, 24, 3, 1, 1, shared: true, bias: false, r, null, new SteSign(), new SteSign(), padValue: -1), new BatchNorm2d(24),
                new ShiftAttentionConv2d(24, 24, 3, 1, 1, shared: false, bias: false, r, null, new SteSign(), new SteSign(), padValue: 1), new BatchNorm2d(24))),
            new ShiftConv2d(24, 16, 3, 1, 0, bias: true, r, padValue: 0.5),
            new GlobalAvgPool2d(), new Linear(16, 10, bias: true, r));
        var input = Enumerable.Range(0, 40 * 3 * 12 * 12).Select(_ => (float)(r.NextDouble() * 2 - 1)).ToArray();
        model.Train();
        for (int i = 0; i < 3; i++) model.Forward(Tensor.FromArray(input, 40, 3, 12, 12)); // batch-norm statistics
        model.Eval();
        Assert.Contains(model.NamedModules().Select(m => m.Module).OfType<ShiftAttentionConv2d>(), l => l.PrunedShifts() > 0);
        float[] expected;
        using (GradMode.Disable()) expected = model.Forward(Tensor.FromArray(input, 40, 3, 12, 12)).ToArray();
        var onnx = OnnxExporter.Export(model, [3, 12, 12], new OnnxExportOptions("shift"));
        OrtHarness.Check(onnx);
        Assert.Contains(onnx.Nodes, n => n.OpType == "Slice" && n.Name.StartsWith("3.body.3/", StringComparison.Ordinal));
        Assert.Contains(onnx.Nodes, n => n.OpType == "Gather" && n.Name.StartsWith("5.body.0/", StringComparison.Ordinal));
        Assert.DoesNotContain(onnx.Nodes, n => n.OpType == "Slice" && n.Name.StartsWith("3.body.0/", StringComparison.Ordinal));
        var actual = OrtHarness.Run(onnx, input, [40, 3, 12, 12])[0];
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-4 * Math.Max(1, Math.Abs(expected[i])), $"output {i}: Lowbit {expected[i]:R} ONNX Runtime {actual[i]:R}");
    }
}
