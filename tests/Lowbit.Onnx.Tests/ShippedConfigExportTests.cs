using System.Collections.Concurrent;
using Lowbit.Data;
using Lowbit.Nn.Layers;
using Lowbit.Tensors;
using Lowbit.Training;
using Lowbit.Training.Config;
using Xunit.Abstractions;

namespace Lowbit.Onnx.Tests;

/// <summary>
/// Every config in configs/ (the model zoo included) exports to ONNX and agrees with ONNX Runtime on 64 real test
/// images, without training: weights from the config's seeded initialisation, batch-norm statistics, running means,
/// step sizes and bit maps set by two training-mode forward passes over 100 training images. 28×28 configs read MNIST
/// (Fashion-MNIST ones too: the export does not depend on the data); CIFAR-10 configs run when the batches are present.
/// Configs with simulated low-precision arithmetic must be refused with the reason, and so must language models
/// (embedding and recurrent layers have no ONNX export yet).
/// </summary>
public sealed class ShippedConfigExportTests(ITestOutputHelper output)
{
    private static readonly ConcurrentDictionary<string, TrainTestSets> s_data = new(StringComparer.Ordinal);

    public static TheoryData<string> Configs()
    {
        var data = new TheoryData<string>();
        foreach (var path in Directory.GetFiles(Path.Combine(TrainedModels.RepositoryRoot, "configs"), "*.json").Order(StringComparer.Ordinal))
        {
            var config = ConfigLoader.Parse(File.ReadAllText(path), path, []);
            if (config.Data.Dataset == "cifar10" && TrainedModels.Cifar10 is null) continue;
            data.Add(Path.GetFileNameWithoutExtension(path));
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Configs))]
    public void Export_ShippedConfig_OnnxRuntimeAgrees(string name)
    {
        string path = Path.Combine(TrainedModels.RepositoryRoot, "configs", name + ".json");
        var config = ConfigLoader.Parse(File.ReadAllText(path), path, []);
        if (config.Data.IsText)
        {
            int[] tokens = [config.Data.Vocabulary!.Value];
            var languageModel = ModelBuilder.Build(config, tokens);
            var refused = Assert.Throws<NotSupportedException>(() => Lowbit.Onnx.Export.OnnxExporter.Export(languageModel, tokens, new Lowbit.Onnx.Export.OnnxExportOptions(name)));
            Assert.Contains("has no ONNX export", refused.Message);
            return;
        }
        var sets = config.Data.Dataset == "cifar10"
            ? s_data.GetOrAdd("cifar10", _ => DatasetCatalog.LoadCifar10Available(TrainedModels.Cifar10!))
            : s_data.GetOrAdd("mnist", _ => DatasetCatalog.LoadMnist(Path.Combine(TrainedModels.RepositoryRoot, "data", "mnist")));
        var train = sets.Train.Slice(0, 100);
        var normalization = config.Data.Normalize switch
        {
            "zero_one" => NormalizationOptions.ZeroOne,
            "plus_minus_one" => NormalizationOptions.PlusMinusOne,
            _ => NormalizationOptions.Standardize(sets.Train),
        };
        int[] shape = [train.Channels, train.Height, train.Width];
        var model = ModelBuilder.Build(config, shape);
        if (model.OutputHook is not null)
        {
            // Simulated low-precision arithmetic ("arithmetic" block): refused with a one-line reason.
            var e = Assert.Throws<NotSupportedException>(() => Lowbit.Onnx.Export.OnnxExporter.Export(model, shape, new Lowbit.Onnx.Export.OnnxExportOptions(name)));
            Assert.Contains("simulated low-precision arithmetic", e.Message);
            return;
        }
        Calibrate(model, normalization.ToFloatArray(train), [100, .. shape]);
        var data = new RunData(train, null, sets.Test.Slice(0, 64), normalization);
        new OnnxComparison(output).OnTestSet(name, new TrainedModel(config, data, model), 64).AssertAgreement(name);
    }

    /// <summary>Two training-mode forward passes (no optimizer step): batch-norm statistics and quantizer state from data.</summary>
    private static void Calibrate(Sequential model, float[] images, int[] shape)
    {
        model.Train();
        model.SetRandom(new Random(1));
        using (Lowbit.Tensors.Autograd.GradMode.Disable())
            for (int pass = 0; pass < 2; pass++) model.Forward(Tensor.FromArray(images, shape));
        model.SetRandom(null);
        model.Eval();
    }
}
