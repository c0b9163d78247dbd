using Xunit.Abstractions;

namespace Lowbit.Onnx.Tests;

/// <summary>A fact skipped, with the reason, when the CIFAR-10 batches are not beside the repository.</summary>
internal sealed class RequiresCifarFactAttribute : FactAttribute
{
    public RequiresCifarFactAttribute()
    {
        if (TrainedModels.Cifar10 is null) Skip = "CIFAR-10 batches not found (shared/data/cifar10 beside the repository).";
    }
}

/// <summary>
/// Convnets on CIFAR-10 (3×32×32 inputs, the small CNN configs with the dataset switched), trained for one epoch on
/// 1,000 images and compared with ONNX Runtime on all 10,000 test images, like <see cref="ModelExportTests"/>.
/// </summary>
public sealed class CifarExportTests(ITestOutputHelper output)
{
    [RequiresCifarFact]
    public void Export_BinaryCnnOnCifar_OnnxRuntimeGivesLowbitClasses() => Check("mnist-cnn-binary");

    [RequiresCifarFact]
    public void Export_FloatCnnOnCifar_OnnxRuntimeGivesLowbitClasses() => Check("mnist-cnn-float");

    private void Check(string config)
    {
        var trained = TrainedModels.Get(config, 1000, "data.dataset=\"cifar10\"", "data.normalize=\"standardize\"");
        new OnnxComparison(output).OnTestSet(config + " on cifar10", trained, trained.Data.Test.Count).AssertAgreement(config);
    }
}
