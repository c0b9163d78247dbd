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
/// Binary networks with a real-valued stream (kinds 11, 12, 13; Bi-Real Net's shortcut around every binary
/// convolution): a real first convolution, binary residual convolutions with identity and channel-padding shortcuts,
/// hard tanh or relu after the sums, global average pooling, batch norm and a real dense layer. Packed classes and
/// logits against the float32 model, untrained with batch-norm statistics from real images and γ ≤ 0.
/// </summary>
public sealed class RealStreamExportTests(ITestOutputHelper output)
{
    private static string Network(string dataset, string normalize) => $$"""
        { "name": "bireal", "seed": 4, "data": { "dataset": "{{dataset}}", "normalize": "{{normalize}}" },
          "layers": [
            { "type": "conv2d", "filters": 16, "kernel_size": 3, "padding": 1, "bias": false },
            { "type": "batch_norm", "momentum": 1.0 },
            { "type": "hardtanh" },
            { "type": "residual", "body": [
              { "type": "conv2d", "filters": 16, "kernel_size": 3, "padding": 1, "pad_value": 1.0, "bias": false, "input_quantizer": "ste_sign", "weight_quantizer": "ste_sign" },
              { "type": "batch_norm", "momentum": 1.0 } ] },
            { "type": "hardtanh" },
            { "type": "residual", "body": [
              { "type": "conv2d", "filters": 32, "kernel_size": 3, "stride": 2, "padding": 1, "pad_value": -1.0, "bias": false, "input_quantizer": "ste_sign", "weight_quantizer": "ste_sign" },
              { "type": "batch_norm", "momentum": 1.0 } ], "shortcut": "pad" },
            { "type": "relu" },
            { "type": "residual", "body": [
              { "type": "conv2d", "filters": 32, "kernel_size": 3, "padding": 1, "pad_value": 1.0, "bias": false, "input_quantizer": "ste_sign", "weight_quantizer": "ste_sign" },
              { "type": "batch_norm", "momentum": 1.0 } ] },
            { "type": "global_avg_pool" },
            { "type": "batch_norm", "momentum": 1.0 },
            { "type": "dense", "units": 10 }
          ] }
        """;

    [Fact]
    public void Export_MnistBiRealNetwork_EqualsFloatModelBitExactly()
    {
        var sets = TestData.MnistSets;
        var normalization = NormalizationOptions.Standardize(sets.Train);
        var model = ModelBuilder.Build(ConfigLoader.Parse(Network("mnist", "standardize"), "bireal.json"), [1, 28, 28]);
        Calibrate(model, sets.Train, normalization, [1, 28, 28]);
        var packed = ModelExporter.Export(model, [1, 28, 28], TestData.PixelTable(normalization, 1), "{}");
        Assert.Equal([11, 12, 12, 12, 13], packed.Layers.Select(l => (int)l.Kind));
        var bytes = PackedModelFile.ToBytes(packed);
        Assert.Equal(PackedSizePredictor.Predict(model, [1, 28, 28], "{}"), bytes.Length);
        const int Count = 500;
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
    public void Export_CifarBiRealNetwork_EqualsFloatModelBitExactly()
    {
        string folder = Path.Combine(TestData.SharedData ?? "(no shared/data above the checkout)", "cifar10");
        if (!File.Exists(Path.Combine(folder, "test_batch.bin.gz")) && !File.Exists(Path.Combine(folder, "test_batch.bin")))
        {
            output.WriteLine($"skipped: no CIFAR-10 test batch in {folder}");
            return;
        }
        var test = DatasetCatalog.LoadCifar10(folder, train: false);
        var normalization = NormalizationOptions.Standardize([0.4914, 0.4822, 0.4465], [0.247, 0.2435, 0.2616]);
        var model = ModelBuilder.Build(ConfigLoader.Parse(Network("cifar10", "standardize"), "bireal.json"), [3, 32, 32]);
        Calibrate(model, test.Slice(5000, 500), normalization, [3, 32, 32]);
        var packed = ModelExporter.Export(model, [3, 32, 32], normalization.PixelTable(3), "{}");
        const int Count = 300;
        var result = ExportVerifier.Verify(model, packed, test.Pixels.AsSpan(0, Count * 3072), test.Labels, Count, new InferenceOptions(2, 100));
        output.WriteLine(result.ToString());
        Assert.True(result.Exact, $"{result}");
    }

    [Fact]
    public void Export_ConvShortcut_NotSupportedNamingTheBlock()
    {
        var json = Network("mnist", "zero_one").Replace("\"shortcut\": \"pad\"", "\"shortcut\": \"conv\"", StringComparison.Ordinal);
        var model = ModelBuilder.Build(ConfigLoader.Parse(json, "bireal.json"), [1, 28, 28]);
        var ex = Assert.Throws<NotSupportedException>(() => ModelExporter.Export(model, [1, 28, 28], TestData.PixelTable(NormalizationOptions.ZeroOne, 1)));
        Assert.Contains("Layer 5", ex.Message, StringComparison.Ordinal);
        Assert.Contains("shortcut", ex.Message, StringComparison.Ordinal);
    }

    private static void Calibrate(Sequential model, ImageDataset train, NormalizationOptions normalization, int[] shape)
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
