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
/// DoReFa ResNets (kinds 11, 14, 13): residual blocks of two k-bit convolutions on the real-valued stream with identity
/// and channel-padding shortcuts; packed classes and logits against the float32 model (untrained, batch-norm statistics
/// from real images, γ ≤ 0), several bit widths.
/// </summary>
public sealed class KBitResidualExportTests(ITestOutputHelper output)
{
    private static string Network(string dataset, int weightBits, int activationBits) => $$"""
        { "name": "dorefa-resnet", "seed": 6, "data": { "dataset": "{{dataset}}", "normalize": "standardize" },
          "layers": [
            { "type": "conv2d", "filters": 16, "kernel_size": 3, "padding": 1, "bias": false },
            { "type": "batch_norm", "momentum": 1.0 },
            { "type": "relu" },
            { "type": "residual", "body": [
              { "type": "conv2d", "filters": 16, "kernel_size": 3, "padding": 1, "bias": false, "input_quantizer": { "type": "dorefa_act", "bits": {{activationBits}} }, "weight_quantizer": { "type": "dorefa_weight", "bits": {{weightBits}} } },
              { "type": "batch_norm", "momentum": 1.0 },
              { "type": "relu" },
              { "type": "conv2d", "filters": 16, "kernel_size": 3, "padding": 1, "bias": false, "input_quantizer": { "type": "dorefa_act", "bits": {{activationBits}} }, "weight_quantizer": { "type": "dorefa_weight", "bits": {{weightBits}} } },
              { "type": "batch_norm", "momentum": 1.0 } ] },
            { "type": "relu" },
            { "type": "residual", "body": [
              { "type": "conv2d", "filters": 32, "kernel_size": 3, "stride": 2, "padding": 1, "bias": false, "input_quantizer": { "type": "dorefa_act", "bits": {{activationBits}} }, "weight_quantizer": { "type": "dorefa_weight", "bits": {{weightBits}} } },
              { "type": "batch_norm", "momentum": 1.0 },
              { "type": "relu" },
              { "type": "conv2d", "filters": 32, "kernel_size": 3, "padding": 1, "bias": false, "input_quantizer": { "type": "dorefa_act", "bits": 2 }, "weight_quantizer": { "type": "dorefa_weight", "bits": 2 } },
              { "type": "batch_norm", "momentum": 1.0 } ], "shortcut": "pad" },
            { "type": "relu" },
            { "type": "global_avg_pool" },
            { "type": "dense", "units": 10 }
          ] }
        """;

    [Theory]
    [InlineData(2, 2)]
    [InlineData(3, 1)]
    public void Export_MnistDoReFaResNet_EqualsFloatModelBitExactly(int weightBits, int activationBits)
    {
        var sets = TestData.MnistSets;
        var normalization = NormalizationOptions.Standardize(sets.Train);
        var model = ModelBuilder.Build(ConfigLoader.Parse(Network("mnist", weightBits, activationBits), "dorefa.json"), [1, 28, 28]);
        Calibrate(model, sets.Train, normalization, [1, 28, 28]);
        var packed = ModelExporter.Export(model, [1, 28, 28], TestData.PixelTable(normalization, 1), "{}");
        Assert.Equal([11, 14, 14, 13], packed.Layers.Select(l => (int)l.Kind));
        var bytes = PackedModelFile.ToBytes(packed);
        Assert.Equal(PackedSizePredictor.Predict(model, [1, 28, 28], "{}"), bytes.Length);
        const int Count = 300;
        var result = ExportVerifier.Verify(model, packed, sets.Test.Pixels.AsSpan(0, Count * 784), sets.Test.Labels, Count, new InferenceOptions(2, 64));
        output.WriteLine($"W{weightBits}A{activationBits}: {result}");
        Assert.True(result.Exact, $"{result}");
        var loaded = PackedModelFile.Read(bytes, "mem");
        Assert.Equal(bytes, PackedModelFile.ToBytes(loaded));
    }

    [Fact]
    public void Export_CifarDoReFaResNet_EqualsFloatModelBitExactly()
    {
        string folder = Path.Combine(TestData.SharedData ?? "(no shared/data above the checkout)", "cifar10");
        if (!File.Exists(Path.Combine(folder, "test_batch.bin.gz")) && !File.Exists(Path.Combine(folder, "test_batch.bin")))
        {
            output.WriteLine($"skipped: no CIFAR-10 test batch in {folder}");
            return;
        }
        var test = DatasetCatalog.LoadCifar10(folder, train: false);
        var normalization = NormalizationOptions.Standardize([0.4914, 0.4822, 0.4465], [0.247, 0.2435, 0.2616]);
        var model = ModelBuilder.Build(ConfigLoader.Parse(Network("cifar10", 2, 2), "dorefa.json"), [3, 32, 32]);
        Calibrate(model, test.Slice(5000, 500), normalization, [3, 32, 32]);
        var packed = ModelExporter.Export(model, [3, 32, 32], normalization.PixelTable(3), "{}");
        const int Count = 200;
        var result = ExportVerifier.Verify(model, packed, test.Pixels.AsSpan(0, Count * 3072), test.Labels, Count, new InferenceOptions(2, 100));
        output.WriteLine(result.ToString());
        Assert.True(result.Exact, $"{result}");
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
        var random = new Random(17);
        foreach (var (_, module) in model.NamedModules())
        {
            if (module is not BatchNorm bn) continue;
            var gamma = bn.Gamma!.Value.AsSpan();
            var beta = bn.Beta!.Value.AsSpan();
            for (int j = 0; j < gamma.Length; j++)
            {
                gamma[j] = j % 9 == 0 ? 0f : (float)(random.NextDouble() * 0.8 - 0.25);
                beta[j] = (float)random.NextDouble();
            }
        }
    }
}
