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
/// Binary convnets (kinds 8, 9, 10 into the dense kinds): packed classes, logits and last-layer integers against the
/// float32 model, for untrained models with batch-norm statistics from real images, γ ≤ 0, ±1 padding, strides, biases,
/// max-pooling before and after batch norm, per-channel pixel tables (CIFAR-10).
/// </summary>
public sealed class ConvExportTests(ITestOutputHelper output)
{
    private const string MnistConvnet = """
        { "name": "mnist-binary-convnet", "seed": 3, "data": { "dataset": "mnist", "normalize": "zero_one" },
          "layers": [
            { "type": "conv2d", "filters": 16, "kernel_size": 3, "padding": 1, "weight_quantizer": "ste_sign", "bias": false },
            { "type": "batch_norm", "momentum": 1.0, "epsilon": 1e-4 },
            { "type": "conv2d", "filters": 32, "kernel_size": 3, "padding": 1, "pad_value": 1.0, "input_quantizer": "ste_sign", "weight_quantizer": "ste_sign", "bias": false },
            { "type": "max_pool", "pool_size": 2 },
            { "type": "batch_norm", "momentum": 1.0, "epsilon": 1e-4 },
            { "type": "conv2d", "filters": 64, "kernel_size": 3, "stride": 2, "padding": 1, "pad_value": -1.0, "input_quantizer": "ste_sign", "weight_quantizer": "ste_sign", "bias": true },
            { "type": "batch_norm", "momentum": 1.0 },
            { "type": "max_pool", "pool_size": 2 },
            { "type": "flatten" },
            { "type": "dense", "units": 65, "input_quantizer": "ste_sign", "weight_quantizer": "ste_sign", "bias": false },
            { "type": "batch_norm", "momentum": 1.0 },
            { "type": "dense", "units": 10, "input_quantizer": "ste_sign", "weight_quantizer": "ste_sign", "bias": true },
            { "type": "batch_norm", "momentum": 1.0 }
          ] }
        """;

    [Theory]
    [InlineData("zero_one")]
    [InlineData("standardize")]
    public void Export_MnistBinaryConvnet_EqualsFloatModelBitExactly(string normalize)
    {
        var sets = TestData.MnistSets;
        var normalization = normalize == "zero_one" ? NormalizationOptions.ZeroOne : NormalizationOptions.Standardize(sets.Train);
        var model = ModelBuilder.Build(ConfigLoader.Parse(MnistConvnet, "convnet.json"), [1, 28, 28]);
        Calibrate(model, sets.Train, normalization, [1, 28, 28], seed: 7);
        var packed = ModelExporter.Export(model, [1, 28, 28], TestData.PixelTable(normalization, 1), "{}");
        Assert.Equal([8, 9, 10, 9, 10, 2, 3], packed.Layers.Select(l => (int)l.Kind));
        var bytes = PackedModelFile.ToBytes(packed);
        Assert.Equal(PackedSizePredictor.Predict(model, [1, 28, 28], "{}"), bytes.Length);
        const int Count = 1000;
        var result = ExportVerifier.Verify(model, packed, sets.Test.Pixels.AsSpan(0, Count * 784), sets.Test.Labels, Count, new InferenceOptions(2, 64));
        output.WriteLine($"{normalize}: {result}");
        Assert.True(result.Exact, $"{result}");
        Assert.Contains(true, ((BinarySignConvLayer)packed.Layers[1]).MaxMismatches.Select(_ => true)); // sanity: layer present
        Assert.NotEqual(0UL, ((SignMaxPoolLayer)packed.Layers[2]).MinChannels.Aggregate((a, b) => a | b)); // γ < 0 channels pool by AND

        var loaded = PackedModelFile.Read(bytes, "mem");
        Assert.Equal(bytes, PackedModelFile.ToBytes(loaded));
        var pixels = sets.Test.Pixels.AsSpan(0, 50 * 784).ToArray();
        var reference = new InferenceSession(packed, new InferenceOptions(1, 256)).Predict(pixels, 50);
        foreach (var options in new[] { new InferenceOptions(2, 256), new InferenceOptions(1, 1), new InferenceOptions(3, 7) })
            Assert.Equal(reference, new InferenceSession(loaded, options).Predict(pixels, 50));
    }

    [Fact]
    public void Export_ConvChannelsNotWholeWordsIntoDense_NotSupportedNamingTheLayer()
    {
        var json = MnistConvnet.Replace("\"filters\": 64", "\"filters\": 48", StringComparison.Ordinal);
        var model = ModelBuilder.Build(ConfigLoader.Parse(json, "convnet.json"), [1, 28, 28]);
        var ex = Assert.Throws<NotSupportedException>(() => ModelExporter.Export(model, [1, 28, 28], TestData.PixelTable(NormalizationOptions.ZeroOne, 1)));
        Assert.Contains("Layer 9", ex.Message, StringComparison.Ordinal);
        Assert.Contains("multiple of 64", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Export_BinaryConvWithZeroPadding_NotSupportedWithHint()
    {
        var json = MnistConvnet.Replace("\"pad_value\": 1.0", "\"pad_value\": 0.0", StringComparison.Ordinal);
        var model = ModelBuilder.Build(ConfigLoader.Parse(json, "convnet.json"), [1, 28, 28]);
        var ex = Assert.Throws<NotSupportedException>(() => ModelExporter.Export(model, [1, 28, 28], TestData.PixelTable(NormalizationOptions.ZeroOne, 1)));
        Assert.Contains("Layer 2", ex.Message, StringComparison.Ordinal);
        Assert.Contains("pad_value", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Export_PaddingNotBelowKernel_NotSupportedNamingTheLayer()
    {
        // Training takes a 3x3 convolution with padding 3 (e.g. a stem that pads 28x28 images to 32x32); the packed
        // convolutions need padding < kernel. Export and the size prediction (lowbit summary) must refuse it by name,
        // not fail inside the format's geometry check.
        var json = MnistConvnet.Replace("\"kernel_size\": 3, \"padding\": 1, \"weight_quantizer\"", "\"kernel_size\": 3, \"padding\": 3, \"weight_quantizer\"", StringComparison.Ordinal);
        Assert.NotEqual(MnistConvnet, json);
        var model = ModelBuilder.Build(ConfigLoader.Parse(json, "convnet.json"), [1, 28, 28]);
        foreach (var ex in new[]
                 {
                     Assert.Throws<NotSupportedException>(() => ModelExporter.Export(model, [1, 28, 28], TestData.PixelTable(NormalizationOptions.ZeroOne, 1))),
                     Assert.Throws<NotSupportedException>(() => PackedSizePredictor.Predict(model, [1, 28, 28], "{}")),
                 })
        {
            Assert.Contains("Layer 0", ex.Message, StringComparison.Ordinal);
            Assert.Contains("padding 3", ex.Message, StringComparison.Ordinal);
        }
    }

    /// <summary>A small binary VGG on CIFAR-10 test images with per-channel standardisation (one pixel table per channel).</summary>
    [Fact]
    public void Export_CifarBinaryVgg_EqualsFloatModelBitExactly()
    {
        string folder = Path.Combine(TestData.SharedData ?? "(no shared/data above the checkout)", "cifar10");
        if (!File.Exists(Path.Combine(folder, "test_batch.bin.gz")) && !File.Exists(Path.Combine(folder, "test_batch.bin")))
        {
            output.WriteLine($"skipped: no CIFAR-10 test batch in {folder}");
            return;
        }
        const string Vgg = """
            { "name": "cifar-binary-vgg", "seed": 5, "data": { "dataset": "cifar10", "normalize": "standardize" },
              "layers": [
                { "type": "conv2d", "filters": 32, "kernel_size": 3, "padding": 1, "weight_quantizer": "ste_sign", "bias": false },
                { "type": "batch_norm", "momentum": 1.0, "epsilon": 1e-4 },
                { "type": "conv2d", "filters": 32, "kernel_size": 3, "padding": 1, "pad_value": 1.0, "input_quantizer": "ste_sign", "weight_quantizer": "ste_sign", "bias": false },
                { "type": "max_pool", "pool_size": 2 },
                { "type": "batch_norm", "momentum": 1.0, "epsilon": 1e-4 },
                { "type": "conv2d", "filters": 64, "kernel_size": 3, "padding": 1, "pad_value": 1.0, "input_quantizer": "ste_sign", "weight_quantizer": "ste_sign", "bias": false },
                { "type": "max_pool", "pool_size": 2 },
                { "type": "batch_norm", "momentum": 1.0, "epsilon": 1e-4 },
                { "type": "flatten" },
                { "type": "dense", "units": 128, "input_quantizer": "ste_sign", "weight_quantizer": "ste_sign", "bias": false },
                { "type": "batch_norm", "momentum": 1.0, "epsilon": 1e-4 },
                { "type": "dense", "units": 10, "input_quantizer": "ste_sign", "weight_quantizer": "ste_sign", "bias": false },
                { "type": "batch_norm", "momentum": 1.0, "epsilon": 1e-4 }
              ] }
            """;
        var test = DatasetCatalog.LoadCifar10(folder, train: false);
        var normalization = NormalizationOptions.Standardize([0.4914, 0.4822, 0.4465], [0.247, 0.2435, 0.2616]);
        var model = ModelBuilder.Build(ConfigLoader.Parse(Vgg, "vgg.json"), [3, 32, 32]);
        Calibrate(model, test.Slice(5000, 500), normalization, [3, 32, 32], seed: 9);
        var packed = ModelExporter.Export(model, [3, 32, 32], normalization.PixelTable(3), "{}");
        Assert.False(packed.HasUniformPixelTable);
        Assert.Equal(PackedSizePredictor.Predict(model, [3, 32, 32], "{}"), PackedModelFile.ToBytes(packed).Length);
        const int Count = 500;
        var result = ExportVerifier.Verify(model, packed, test.Pixels.AsSpan(0, Count * 3072), test.Labels, Count, new InferenceOptions(2, 100));
        output.WriteLine(result.ToString());
        Assert.True(result.Exact, $"{result}");
    }

    /// <summary>Batch-norm statistics from real images (momentum 1 = batch statistics); random γ including ≤ 0, random β.</summary>
    private static void Calibrate(Sequential model, ImageDataset train, NormalizationOptions normalization, int[] shape, int seed)
    {
        int count = Math.Min(train.Count, 500);
        using (GradMode.Disable())
        {
            model.Train();
            var x = normalization.ToFloatArray(train.Slice(0, count));
            model.Forward(Tensor.FromArray(x, [count, .. shape]));
            model.Eval();
        }
        var random = new Random(seed);
        foreach (var bn in model.Layers.OfType<BatchNorm>())
        {
            var gamma = bn.Gamma!.Value.AsSpan();
            var beta = bn.Beta!.Value.AsSpan();
            for (int j = 0; j < gamma.Length; j++)
            {
                gamma[j] = j % 7 == 0 ? 0f : (float)(random.NextDouble() * 2 - 0.6);
                beta[j] = (float)((random.NextDouble() - 0.5) * 0.5);
            }
        }
    }
}
