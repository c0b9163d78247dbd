using Lowbit.Nn.Layers;
using Lowbit.Onnx.Export;
using Lowbit.Quantization;
using Lowbit.Tensors;
using Lowbit.Tensors.Autograd;

namespace Lowbit.Onnx.Tests;

/// <summary>
/// Residual blocks (identity, 1×1-conv, average-pool + conv and channel-padding shortcuts), grouped and depthwise
/// convolutions, ±1 pad values around binary inputs and global average pooling, with batch-norm statistics set by a
/// few training-mode passes: ONNX Runtime's outputs must match Lowbit's to float rounding.
/// </summary>
public sealed class StructureExportTests
{
    [Fact]
    public void Export_ResidualNetwork_MatchesLowbit()
    {
        var r = new Random(21);
        Conv2d Conv(int cin, int cout, int k, int stride, int pad, Quantizer? input = null, int groups = 1, double padValue = 0) =>
            new(cin, cout, k, stride, pad, bias: false, r, input, input is null ? null : new SteSign(), groups: groups, padValue: padValue);
        var model = new Sequential(
            Conv(3, 8, 3, 1, 1), new BatchNorm2d(8), new Relu(),
            new Residual(new Sequential(Conv(8, 8, 3, 1, 1, new SteSign(), padValue: -1), new BatchNorm2d(8))),
            new Residual(new Sequential(Conv(8, 16, 3, 2, 1, new SteSign(), padValue: 1), new BatchNorm2d(16)),
                new Sequential(new AvgPool2d(2), Conv(8, 16, 1, 1, 0), new BatchNorm2d(16))),
            new Residual(new Sequential(Conv(16, 16, 3, 1, 1, groups: 16), new BatchNorm2d(16), new Relu(), Conv(16, 16, 1, 1, 0))),
            new Residual(new Sequential(Conv(16, 32, 3, 2, 1), new BatchNorm2d(32)), new Sequential(new ChannelPadShortcut(2, 8, 8))),
            new Residual(new Sequential(Conv(32, 32, 3, 1, 1, groups: 4), new BatchNorm2d(32)), new Sequential(Conv(32, 32, 1, 1, 0), new BatchNorm2d(32))),
            new GlobalAvgPool2d(), new Linear(32, 10, bias: true, r));
        var input = Enumerable.Range(0, 40 * 3 * 12 * 12).Select(_ => (float)(r.NextDouble() * 2 - 1)).ToArray();
        model.Train();
        for (int i = 0; i < 3; i++) model.Forward(Tensor.FromArray(input, 40, 3, 12, 12)); // batch-norm statistics
        model.Eval();
        float[] expected;
        using (GradMode.Disable()) expected = model.Forward(Tensor.FromArray(input, 40, 3, 12, 12)).ToArray();
        var onnx = OnnxExporter.Export(model, [3, 12, 12], new OnnxExportOptions("structure"));
        OrtHarness.Check(onnx);
        Assert.Contains(onnx.Nodes, n => n.OpType == "Pad" && n.Name.StartsWith("3.body.0/", StringComparison.Ordinal));
        Assert.Contains(onnx.Nodes, n => n.OpType == "GlobalAveragePool");
        Assert.Contains(onnx.Initializers, t => t.Name == "4.shortcut.1.weight");
        var actual = OrtHarness.Run(onnx, input, [40, 3, 12, 12])[0];
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-4 * Math.Max(1, Math.Abs(expected[i])), $"output {i}: Lowbit {expected[i]:R} ONNX Runtime {actual[i]:R}");
    }
}
