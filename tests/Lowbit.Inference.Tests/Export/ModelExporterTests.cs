using Lowbit.Data;
using Lowbit.Inference.Export;
using Lowbit.Inference.Runtime;
using Lowbit.Nn.Layers;
using Lowbit.Tensors;
using Lowbit.Tensors.Autograd;
using Lowbit.Training.Config;
using Xunit.Abstractions;

namespace Lowbit.Inference.Tests.Export;

/// <summary>
/// Untrained variants the default model does not cover: biases, no final batch norm, widths that straddle word
/// boundaries, γ &lt; 0 and γ = 0, and every input normalisation. Batch-norm statistics come from real images so
/// the thresholds fall inside the dot-product range.
/// </summary>
public sealed class ModelExporterTests(ITestOutputHelper output)
{
    private const string Config = """
        { "name": "variant", "seed": 7, "data": { "dataset": "mnist", "normalize": "zero_one" },
          "layers": [
            { "type": "flatten" },
            { "type": "dense", "units": 100, "bias": true, "weight_quantizer": "ste_sign" },
            { "type": "batch_norm", "momentum": 1.0, "epsilon": 1e-5 },
            { "type": "dense", "units": 65, "bias": true, "input_quantizer": "ste_sign", "weight_quantizer": "ste_sign" },
            { "type": "batch_norm", "momentum": 1.0, "epsilon": 1e-4 },
            { "type": "dense", "units": 64, "bias": false, "input_quantizer": "ste_sign", "weight_quantizer": "ste_sign" },
            { "type": "dense", "units": 10, "bias": true, "input_quantizer": "ste_sign", "weight_quantizer": "ste_sign" }
          ] }
        """;

    [Theory]
    [InlineData("zero_one")]
    [InlineData("plus_minus_one")]
    [InlineData("standardize")]
    public void Export_VariantModel_EqualsFloatModelBitExactly(string normalize)
    {
        var sets = TestData.MnistSets;
        var normalization = normalize switch
        {
            "zero_one" => NormalizationOptions.ZeroOne,
            "plus_minus_one" => NormalizationOptions.PlusMinusOne,
            _ => NormalizationOptions.Standardize(sets.Train),
        };
        var model = ModelBuilder.Build(ConfigLoader.Parse(Config, "variant.json"), [1, 28, 28]);
        Calibrate(model, sets.Train, normalization);

        var packed = ModelExporter.Export(model, [1, 28, 28], TestData.PixelTable(normalization, 1));
        const int Count = 2000;
        var (logits, dense, classes) = TestData.FloatModel(model, sets.Test, normalization, Count);
        var session = new InferenceSession(packed);
        var actualClasses = new int[Count];
        var actualDots = new int[Count * 10];
        var actualLogits = new float[Count * 10];
        session.Predict(sets.Test.Pixels.AsSpan(0, Count * 784), Count, actualClasses, actualDots, actualLogits);
        output.WriteLine($"{normalize}: first-layer replays {session.Statistics.FirstLayerReplays} for {Count} images");
        for (int i = 0; i < actualDots.Length; i++)
        {
            Assert.True(dense[i] == actualDots[i], $"{normalize}: dense output {i}: float {dense[i]}, packed {actualDots[i]}");
            Assert.True(BitConverter.SingleToInt32Bits(logits[i]) == BitConverter.SingleToInt32Bits(actualLogits[i]), $"{normalize}: logit {i}: float {logits[i]:R}, packed {actualLogits[i]:R}");
        }
        Assert.Equal(classes, actualClasses);
    }

    /// <summary>Running statistics from 500 training images (momentum 1 = batch statistics); random γ incl. ≤ 0, random β.</summary>
    private static void Calibrate(Sequential model, ImageDataset train, NormalizationOptions normalization)
    {
        using (GradMode.Disable())
        {
            model.Train();
            var x = normalization.ToFloatArray(train.Slice(0, 500));
            model.Forward(Tensor.FromArray(x, 500, 1, 28, 28));
            model.Eval();
        }
        var random = new Random(5);
        foreach (var bn in model.Layers.OfType<BatchNorm>())
        {
            var gamma = bn.Gamma!.Value.AsSpan();
            var beta = bn.Beta!.Value.AsSpan();
            for (int j = 0; j < gamma.Length; j++)
            {
                gamma[j] = j % 10 == 0 ? 0f : (float)(random.NextDouble() * 2 - 0.6);
                beta[j] = (float)((random.NextDouble() - 0.5) * 0.5);
            }
        }
    }
}
