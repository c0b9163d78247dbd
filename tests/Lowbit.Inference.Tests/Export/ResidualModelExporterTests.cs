using Lowbit.Data;
using Lowbit.Inference.Export;
using Lowbit.Inference.Export.Kinds;
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
/// Residual (HBB) chains: packed predictions and logits against the float32 model, for a trained HBB 1.4-bit MLP with
/// frozen activation means (configs/mnist-hbb-1.4-deploy.json, one epoch on 2,000 images) on all 10,000 test images,
/// and for untrained variants with odd widths, other plane counts, homogeneous residual weights, biases, γ ≤ 0 and
/// every normalisation.
/// </summary>
public sealed class ResidualModelExporterTests(ITestOutputHelper output)
{
    private static string Variant(string weights, int activationBits) => $$"""
        { "name": "variant", "seed": 5, "data": { "dataset": "mnist", "normalize": "zero_one" },
          "layers": [
            { "type": "flatten" },
            { "type": "dense", "units": 129, "bias": true, "weight_quantizer": {{weights}} },
            { "type": "batch_norm", "momentum": 1.0, "epsilon": 1e-5 },
            { "type": "dense", "units": 63, "bias": true, "input_quantizer": { "type": "residual", "bits": {{activationBits}}, "role": "activation", "means": "running", "momentum": 1.0 }, "weight_quantizer": {{weights}} },
            { "type": "batch_norm", "momentum": 1.0, "epsilon": 1e-4 },
            { "type": "dense", "units": 65, "bias": false, "input_quantizer": { "type": "residual", "bits": 2, "role": "activation", "means": "running", "momentum": 1.0 }, "weight_quantizer": { "type": "residual", "bits": 1 } },
            { "type": "dense", "units": 10, "bias": true, "input_quantizer": { "type": "residual", "bits": 1, "role": "activation", "means": "running", "momentum": 1.0 }, "weight_quantizer": {{weights}} },
            { "type": "batch_norm", "momentum": 1.0, "epsilon": 1e-4 }
          ] }
        """;

    [Fact]
    public void Export_TrainedHbbDeploy_AllTestImagesBitExact()
    {
        var directory = Path.Combine(Path.GetTempPath(), $"lowbit-hbb-{Guid.NewGuid():N}");
        try
        {
            var json = File.ReadAllText(Path.Combine(TestData.RepositoryRoot, "configs", "mnist-hbb-1.4-deploy.json"));
            var config = ConfigLoader.Parse(json, "mnist-hbb-1.4-deploy.json", ["data.train_limit=2000", "train.epochs=1", $"data.path={System.Text.Json.JsonSerializer.Serialize(TestData.Mnist)}"]);
            var data = DataResolver.Load(config.Data);
            var trainer = new Trainer(config, data, directory);
            trainer.Run();
            var packed = ModelExporter.Export(trainer.Model, data.InputShape, TestData.PixelTable(data.Normalization, 1), "{}");
            Assert.True(packed.IsResidualModel);
            Assert.Equal(PackedSizePredictor.Predict(trainer.Model, data.InputShape, "{}"), PackedModelFile.ToBytes(packed).Length);
            var first = (ResidualThresholdDenseLayer)packed.Layers[0];
            Assert.Equal((2, 0, 2), (first.WeightPlanes, first.InputPlanes, first.OutputPlanes));
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
                Assert.Equal(reference.Logits, actual.Logits);
                Assert.All(actual.Dots, d => Assert.Equal(0, d)); // residual models define no integer outputs
            }
        }
        finally
        {
            try { Directory.Delete(directory, recursive: true); } catch (IOException) { }
        }
    }

    [Theory]
    [InlineData("zero_one", """{ "type": "hbb", "mix": "1:0.6,2:0.4" }""", 2)]
    [InlineData("plus_minus_one", """{ "type": "hbb", "mix": "1:0.7,2:0.2,3:0.1" }""", 3)]
    [InlineData("standardize", """{ "type": "residual", "bits": 2 }""", 1)]
    [InlineData("plus_minus_one", """{ "type": "hbb", "mix": "1:0.5,2:0.5", "selection": "magnitude" }""", 2)]
    public void Export_VariantModel_EqualsFloatModelBitExactly(string normalize, string weights, int activationBits)
    {
        var sets = TestData.MnistSets;
        var normalization = normalize switch
        {
            "zero_one" => NormalizationOptions.ZeroOne,
            "plus_minus_one" => NormalizationOptions.PlusMinusOne,
            _ => NormalizationOptions.Standardize(sets.Train),
        };
        var model = ModelBuilder.Build(ConfigLoader.Parse(Variant(weights, activationBits), "variant.json"), [1, 28, 28]);
        Calibrate(model, sets.Train, normalization);
        var packed = ModelExporter.Export(model, [1, 28, 28], TestData.PixelTable(normalization, 1));
        Assert.Equal(PackedSizePredictor.Predict(model, [1, 28, 28], ""), PackedModelFile.ToBytes(packed).Length);
        const int Count = 2000;
        var result = ExportVerifier.Verify(model, packed, sets.Test.Pixels.AsSpan(0, Count * 784), sets.Test.Labels, Count);
        output.WriteLine($"{normalize} {weights} A{activationBits}: replays {result.Replays} for {Count} images");
        Assert.True(result.Exact, $"{result}");
        var layer = (ResidualThresholdDenseLayer)packed.Layers[0];
        Assert.Contains(true, layer.Negated); // γ < 0 units were exercised
        Assert.Equal(activationBits, layer.OutputPlanes);
    }

    [Fact]
    public void Export_PerSampleMeans_NotSupportedWithHint()
    {
        var json = File.ReadAllText(Path.Combine(TestData.RepositoryRoot, "configs", "mnist-hbb-1.4.json"));
        var model = ModelBuilder.Build(ConfigLoader.Parse(json, "mnist-hbb-1.4.json", ["layers.1.units=32", "layers.3.units=32", "layers.5.units=32"]), [1, 28, 28]);
        var ex = Assert.Throws<NotSupportedException>(() => ModelExporter.Export(model, [1, 28, 28], TestData.PixelTable(NormalizationOptions.PlusMinusOne, 1)));
        Assert.Contains("\"means\": \"running\"", ex.Message, StringComparison.Ordinal);
        Assert.Throws<NotSupportedException>(() => PackedSizePredictor.Predict(model, [1, 28, 28], ""));
    }

    [Theory]
    [InlineData(0.5f, 0.25f)]
    [InlineData(0.25f, 0.5f)]
    [InlineData(0f, 0.5f)]
    public void ActivationCode_MatchesThresholdsAndLevels(float r1, float r2)
    {
        double[] means = [r1, r2];
        var levels = ResidualPlaneExport.ActivationLevels(means);
        Assert.Equal(new[] { -r1 - r2, -r1 + r2, r1 - r2, r1 + r2 }, levels);
        foreach (float v in new[] { -2f, -r1, MathF.BitDecrement(-r1), -0f, 0f, MathF.BitDecrement(0f), r1, MathF.BitDecrement(r1), 3f })
        {
            int expected = (v >= -r1 ? 1 : 0) + (v >= 0 ? 1 : 0) + (v >= r1 ? 1 : 0);
            if (r1 == 0) expected = v >= 0 ? 3 : 0; // thresholds coincide: (−,−) below 0, (+,+) from 0
            Assert.Equal(expected, ResidualPlaneExport.ActivationCode(v, means));
        }
    }

    /// <summary>Running statistics and means from 500 training images (momentum 1); γ includes 0 and negatives.</summary>
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
                gamma[j] = j % 10 == 0 ? 0f : (float)(random.NextDouble() * 2 - 0.5);
                beta[j] = (float)(random.NextDouble() - 0.5);
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
