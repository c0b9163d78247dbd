using Lowbit.Onnx.Export;
using Lowbit.Tensors;
using Xunit.Abstractions;

namespace Lowbit.Onnx.Tests;

/// <summary>
/// Shipped configs, trained briefly, exported and run in ONNX Runtime on all 10,000 MNIST test images: the predicted
/// class must be Lowbit's on every image, quantized activations must agree except where an upstream float difference
/// moved a value across a rounding boundary, and the logits of the other images must agree within a tolerance relative
/// to their scale (summation orders differ: Lowbit's GEMM and convolution vs ONNX Runtime's MLAS).
/// </summary>
public sealed class ModelExportTests(ITestOutputHelper output)
{
    /// <summary>Largest allowed |Lowbit − ONNX Runtime| logit difference, relative to max(1, largest |logit| of the image).</summary>
    internal const double LogitTolerance = 1e-4;

    public static TheoryData<string> Configs() =>
    [
        "mnist-mlp-float", "mnist-binarynet", "mnist-binarynet-shift", "mnist-dorefa-w2a2", "mnist-dorefa-w1a2", "mnist-pact-w2a2",
        "mnist-lsq-w2a2", "mnist-xnor", "mnist-residual-w1a2", "mnist-hbb-1.4-deploy", "mnist-ternary", "mnist-bc-det",
        "mnist-cnn-float", "mnist-cnn-binary",
    ];

    [Theory]
    [MemberData(nameof(Configs))]
    public void Export_TrainedModel_OnnxRuntimeGivesLowbitClassesOnMnistTest(string config)
    {
        var trained = TrainedModels.Get(config);
        var report = new OnnxComparison(output).OnTestSet(config, trained, trained.Data.Test.Count);
        report.AssertAgreement(config);
    }
}
