using Lowbit.Data;
using Lowbit.Inference.Export;
using Lowbit.Inference.Format;
using Lowbit.Inference.Runtime;
using Lowbit.Nn.Layers;
using Lowbit.Tensors;
using Lowbit.Tensors.Autograd;
using Lowbit.Training;
using Lowbit.Training.Config;
using Xunit.Abstractions;

namespace Lowbit.Inference.Tests.Export;

/// <summary>
/// k-bit (DoReFa) chains: packed predictions, logits and last-layer integers against the float32 model, for a
/// trained W2A2 MLP (configs/mnist-dorefa-w2a2.json, one epoch on 2,000 images) on all 10,000 test images and for
/// untrained variants with odd widths, other bit widths, biases, γ ≤ 0 and every normalisation.
/// </summary>
public sealed class PlaneModelExporterTests(ITestOutputHelper output)
{
    private static string Variant(int weightBits, int activationBits) => $$"""
        { "name": "variant", "seed": 3, "data": { "dataset": "mnist", "normalize": "zero_one" },
          "layers": [
            { "type": "flatten" },
            { "type": "dense", "units": 129, "bias": true, "weight_quantizer": { "type": "dorefa_weight", "bits": {{weightBits}} } },
            { "type": "batch_norm", "momentum": 1.0, "epsilon": 1e-5 },
            { "type": "dense", "units": 63, "bias": true, "input_quantizer": { "type": "dorefa_act", "bits": {{activationBits}} }, "weight_quantizer": { "type": "dorefa_weight", "bits": {{weightBits}} } },
            { "type": "batch_norm", "momentum": 1.0, "epsilon": 1e-4 },
            { "type": "dense", "units": 65, "bias": false, "input_quantizer": { "type": "dorefa_act", "bits": {{activationBits}} }, "weight_quantizer": { "type": "dorefa_weight", "bits": 2 } },
            { "type": "dense", "units": 10, "bias": true, "input_quantizer": { "type": "dorefa_act", "bits": 2 }, "weight_quantizer": { "type": "dorefa_weight", "bits": {{weightBits}} } },
            { "type": "batch_norm", "momentum": 1.0, "epsilon": 1e-4 }
          ] }
        """;

    [Fact]
    public void Export_TrainedDoReFaW2A2_AllTestImagesBitExact()
    {
        var directory = Path.Combine(Path.GetTempPath(), $"lowbit-dorefa-{Guid.NewGuid():N}");
        try
        {
            var json = File.ReadAllText(Path.Combine(TestData.RepositoryRoot, "configs", "mnist-dorefa-w2a2.json"));
            var config = ConfigLoader.Parse(json, "mnist-dorefa-w2a2.json", ["data.train_limit=2000", "train.epochs=1", $"data.path={System.Text.Json.JsonSerializer.Serialize(TestData.Mnist)}"]);
            var data = DataResolver.Load(config.Data);
            var trainer = new Trainer(config, data, directory);
            trainer.Run();
            var packed = ModelExporter.Export(trainer.Model, data.InputShape, TestData.PixelTable(data.Normalization, 1), "{}");
            Assert.True(packed.IsPlaneModel);
            Assert.All(packed.Layers, l => Assert.IsAssignableFrom<PlaneDenseLayer>(l));
            var test = data.Test;
            var result = ExportVerifier.Verify(trainer.Model, packed, test.Pixels, test.Labels, test.Count, new InferenceOptions(2, 256));
            output.WriteLine($"{result.Images} images: accuracy {100.0 * result.Correct / result.Images:F2} %, replays {result.Replays} ({(double)result.Replays / result.Images:F2} per image)");
            Assert.True(result.Exact, $"{result}");
            Assert.True(result.Correct > result.Images / 2, $"accuracy {result.Correct}/{result.Images} is implausibly low for a trained model");

            // The file round trip keeps every bit, and whatever thread count / chunk size gives the same outputs.
            var loaded = PackedModelFile.Read(PackedModelFile.ToBytes(packed), "mem");
            var pixels = test.Pixels.AsSpan(0, 300 * 784).ToArray();
            var reference = Run(new InferenceSession(packed, new InferenceOptions(1, 256)), pixels, 300);
            foreach (var options in new[] { new InferenceOptions(2, 256), new InferenceOptions(1, 1), new InferenceOptions(2, 7) })
            {
                var actual = Run(new InferenceSession(loaded, options), pixels, 300);
                Assert.Equal(reference.Classes, actual.Classes);
                Assert.Equal(reference.Dots, actual.Dots);
                Assert.Equal(reference.Logits, actual.Logits);
            }
        }
        finally
        {
            try { Directory.Delete(directory, recursive: true); } catch (IOException) { }
        }
    }

    [Theory]
    [InlineData("zero_one", 2, 2)]
    [InlineData("plus_minus_one", 3, 2)]
    [InlineData("standardize", 2, 3)]
    [InlineData("zero_one", 4, 1)]
    public void Export_VariantModel_EqualsFloatModelBitExactly(string normalize, int weightBits, int activationBits)
    {
        var sets = TestData.MnistSets;
        var normalization = normalize switch
        {
            "zero_one" => NormalizationOptions.ZeroOne,
            "plus_minus_one" => NormalizationOptions.PlusMinusOne,
            _ => NormalizationOptions.Standardize(sets.Train),
        };
        var model = ModelBuilder.Build(ConfigLoader.Parse(Variant(weightBits, activationBits), "variant.json"), [1, 28, 28]);
        Calibrate(model, sets.Train, normalization);
        var packed = ModelExporter.Export(model, [1, 28, 28], TestData.PixelTable(normalization, 1));
        const int Count = 2000;
        var result = ExportVerifier.Verify(model, packed, sets.Test.Pixels.AsSpan(0, Count * 784), sets.Test.Labels, Count);
        output.WriteLine($"{normalize} W{weightBits}A{activationBits}: replays {result.Replays} for {Count} images");
        Assert.True(result.Exact, $"{result}");
        var layer = (PlaneThresholdDenseLayer)packed.Layers[0];
        Assert.Contains(true, layer.Negated); // γ < 0 units were exercised
    }

    [Fact]
    public void Export_HbbOrMixedQuantizers_NotSupportedWithLayerName()
    {
        const string Mixed = """
            { "name": "mixed", "data": { "dataset": "mnist" }, "layers": [
              { "type": "flatten" },
              { "type": "dense", "units": 32, "bias": false, "weight_quantizer": { "type": "dorefa_weight", "bits": 2 } },
              { "type": "dense", "units": 10, "bias": false, "input_quantizer": "ste_sign", "weight_quantizer": { "type": "dorefa_weight", "bits": 2 } } ] }
            """;
        var model = ModelBuilder.Build(ConfigLoader.Parse(Mixed, "mixed.json"), [1, 28, 28]);
        var ex = Assert.Throws<NotSupportedException>(() => ModelExporter.Export(model, [1, 28, 28], TestData.PixelTable(NormalizationOptions.ZeroOne, 1)));
        Assert.Contains("dorefa_act", ex.Message, StringComparison.Ordinal);
        Assert.Contains("ste_sign", ex.Message, StringComparison.Ordinal);
    }

    /// <summary>Running statistics from 500 training images; γ includes 0 and negatives, β spreads the codes over [0, 1].</summary>
    private static void Calibrate(Sequential model, ImageDataset train, NormalizationOptions normalization)
    {
        using (GradMode.Disable())
        {
            model.Train();
            var x = normalization.ToFloatArray(train.Slice(0, 500));
            model.Forward(Tensor.FromArray(x, 500, 1, 28, 28));
            model.Eval();
        }
        var random = new Random(11);
        foreach (var bn in model.Layers.OfType<BatchNorm>())
        {
            var gamma = bn.Gamma!.Value.AsSpan();
            var beta = bn.Beta!.Value.AsSpan();
            for (int j = 0; j < gamma.Length; j++)
            {
                gamma[j] = j % 10 == 0 ? 0f : (float)(random.NextDouble() * 0.8 - 0.25);
                beta[j] = (float)random.NextDouble();
            }
        }
    }

    private static (int[] Classes, int[] Dots, float[] Logits) Run(InferenceSession session, byte[] pixels, int count)
    {
        var classes = new int[count];
        var dots = new int[count * session.Classes];
        var logits = new float[count * session.Classes];
        session.Predict(pixels, count, classes, dots, logits);
        return (classes, dots, logits);
    }
}
