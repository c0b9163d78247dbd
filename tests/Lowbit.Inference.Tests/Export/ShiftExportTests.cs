using Lowbit.Data;
using Lowbit.Inference.Export;
using Lowbit.Inference.Format;
using Lowbit.Inference.Runtime;
using Lowbit.Nn.Layers;
using Lowbit.Tensors;
using Lowbit.Tensors.Autograd;
using Lowbit.Training.Config;
using Xunit.Abstractions;

namespace Lowbit.Inference.Tests.Export;

/// <summary>
/// Binary shift networks with real shortcuts (kind 15 between kinds 11 and 13): residual blocks whose binary layer is a
/// fixed shift layer, a shared or an unshared Shift Attention Layer (rounded), at stride 1 and 2, padded with +1 and −1,
/// with pruned connections. Packed classes and logits against the float32 model in evaluation mode, bit for bit.
/// </summary>
public sealed class ShiftExportTests(ITestOutputHelper output)
{
    private const string Binary = "\"bias\": false, \"input_quantizer\": \"ste_sign\", \"weight_quantizer\": \"ste_sign\"";

    private static string Network(string dataset) => $$"""
        { "name": "bishift", "seed": 5, "data": { "dataset": "{{dataset}}", "normalize": "standardize" },
          "layers": [
            { "type": "conv2d", "filters": 16, "kernel_size": 3, "padding": 1, "bias": false },
            { "type": "batch_norm", "momentum": 1.0 },
            { "type": "hardtanh" },
            { "type": "residual", "body": [
              { "type": "shift_conv2d", "filters": 16, "kernel_size": 3, "padding": 1, "pad_value": 1.0, {{Binary}} },
              { "type": "batch_norm", "momentum": 1.0 } ] },
            { "type": "hardtanh" },
            { "type": "residual", "body": [
              { "type": "shift_attention_conv2d", "shared": true, "filters": 16, "kernel_size": 3, "padding": 1, "pad_value": -1.0, {{Binary}} },
              { "type": "batch_norm", "momentum": 1.0 } ] },
            { "type": "hardtanh" },
            { "type": "residual", "body": [
              { "type": "shift_attention_conv2d", "shared": false, "filters": 32, "kernel_size": 3, "stride": 2, "padding": 1, "pad_value": 1.0, {{Binary}} },
              { "type": "batch_norm", "momentum": 1.0 } ], "shortcut": "pad" },
            { "type": "relu" },
            { "type": "residual", "body": [
              { "type": "shift_attention_conv2d", "shared": false, "filters": 32, "kernel_size": 3, "padding": 1, "pad_value": -1.0, {{Binary}} },
              { "type": "batch_norm", "momentum": 1.0 } ] },
            { "type": "hardtanh" },
            { "type": "residual", "body": [
              { "type": "shift_attention_conv2d", "shared": true, "filters": 64, "kernel_size": 3, "stride": 2, "padding": 1, "pad_value": 1.0, {{Binary}} },
              { "type": "batch_norm", "momentum": 1.0 } ], "shortcut": "pad" },
            { "type": "global_avg_pool" },
            { "type": "batch_norm", "momentum": 1.0 },
            { "type": "dense", "units": 10 }
          ] }
        """;

    [Fact]
    public void Export_MnistBinaryShiftNetwork_EqualsFloatModelBitExactly()
    {
        var sets = TestData.MnistSets;
        var normalization = NormalizationOptions.Standardize(sets.Train);
        var model = ModelBuilder.Build(ConfigLoader.Parse(Network("mnist"), "bishift.json"), [1, 28, 28]);
        long pruned = Prune(model);
        Calibrate(model, sets.Train, normalization, [1, 28, 28]);
        var packed = ModelExporter.Export(model, [1, 28, 28], TestData.PixelTable(normalization, 1), "{}");
        Assert.Equal([11, 15, 15, 15, 15, 15, 13], packed.Layers.Select(l => (int)l.Kind));
        var shifts = packed.Layers.OfType<BinaryResidualShiftConvLayer>().ToList();
        Assert.Equal([false, false, true, true, false], shifts.Select(l => l.PerConnection));
        Assert.Equal(pruned, shifts.Sum(l => l.ConnectionShifts().LongCount(p => p < 0)));
        Assert.True(pruned > 0);
        var bytes = PackedModelFile.ToBytes(packed);
        Assert.Equal(PackedSizePredictor.Predict(model, [1, 28, 28], "{}"), bytes.Length);
        const int Count = 400;
        var result = ExportVerifier.Verify(model, packed, sets.Test.Pixels.AsSpan(0, Count * 784), sets.Test.Labels, Count, new InferenceOptions(2, 64));
        output.WriteLine(result.ToString());
        Assert.True(result.Exact, $"{result}");

        var loaded = PackedModelFile.Read(bytes, "mem");
        Assert.Equal(bytes, PackedModelFile.ToBytes(loaded));
        var pixels = sets.Test.Pixels.AsSpan(0, 40 * 784).ToArray();
        var reference = new InferenceSession(packed, new InferenceOptions(1, 256)).Predict(pixels, 40);
        foreach (var options in new[] { new InferenceOptions(2, 256), new InferenceOptions(1, 1), new InferenceOptions(3, 7) })
            Assert.Equal(reference, new InferenceSession(loaded, options).Predict(pixels, 40));
    }

    [Fact]
    public void Export_ShiftLayerWithZeroPadding_NotSupportedNamingTheLayer()
    {
        var json = Network("mnist").Replace("\"pad_value\": -1.0", "\"pad_value\": 0.0", StringComparison.Ordinal);
        var model = ModelBuilder.Build(ConfigLoader.Parse(json, "bishift.json"), [1, 28, 28]);
        var ex = Assert.Throws<NotSupportedException>(() => ModelExporter.Export(model, [1, 28, 28], TestData.PixelTable(NormalizationOptions.ZeroOne, 1)));
        Assert.Contains("Layer 5", ex.Message, StringComparison.Ordinal);
        Assert.Contains("pad_value", ex.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// Makes some attention rows select nothing: two equal largest logits give each a probability below 0.5, so the
    /// rounded layer prunes the row (an input channel of a shared layer, a connection of an unshared one). Returns the
    /// pruned connections.
    /// </summary>
    internal static long Prune(Sequential model)
    {
        long pruned = 0;
        var random = new Random(3);
        foreach (var (_, module) in model.NamedModules())
        {
            if (module is not ShiftAttentionConv2d sal) continue;
            var a = sal.Attention.Value.AsSpan();
            int area = sal.KernelSize * sal.KernelSize, rows = a.Length / area;
            for (int r = 0; r < rows; r++)
            {
                if (random.Next(5) != 0) continue;
                for (int q = 0; q < area; q++) a[r * area + q] = 0f;
                a[r * area + random.Next(area)] = 1f;
                a[r * area + (random.Next(area - 1) + 1 + r) % area] = 1f;
            }
            sal.Eval();
            pruned += sal.PrunedShifts() * (sal.Shared ? sal.OutChannels : 1);
        }
        return pruned;
    }

    internal static void Calibrate(Sequential model, ImageDataset train, NormalizationOptions normalization, int[] shape)
    {
        int count = Math.Min(train.Count, 500);
        using (GradMode.Disable())
        {
            model.Train();
            model.Forward(Tensor.FromArray(normalization.ToFloatArray(train.Slice(0, count)), [count, .. shape]));
            model.Eval();
        }
        var random = new Random(13);
        foreach (var (_, module) in model.NamedModules())
        {
            if (module is not BatchNorm bn) continue;
            var gamma = bn.Gamma!.Value.AsSpan();
            var beta = bn.Beta!.Value.AsSpan();
            for (int j = 0; j < gamma.Length; j++)
            {
                gamma[j] = j % 9 == 0 ? 0f : (float)(random.NextDouble() * 2 - 0.5);
                beta[j] = (float)((random.NextDouble() - 0.5) * 0.5);
            }
        }
    }
}
