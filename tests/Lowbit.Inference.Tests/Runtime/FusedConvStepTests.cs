using Lowbit.Inference.Format;
using Lowbit.Inference.Runtime;
using Lowbit.Inference.Runtime.Steps;
using Lowbit.Inference.Tests.Format;

namespace Lowbit.Inference.Tests.Runtime;

/// <summary>
/// The fused convolution steps take their fast path for the shapes of the CIFAR networks (their construction check finds
/// the training model's float operation order); end-to-end bit-exactness is checked against float models in the export
/// tests (ConvExportTests, RealStreamExportTests).
/// </summary>
public sealed class FusedConvStepTests
{
    private static StepContext Context(PackedModel model) => new(model, new InferenceOptions(), new RunCounters(model.Layers.Count), new ScratchArena());

    [Fact]
    public void ByteSignConv_DirectKernelShape_IsFused()
    {
        var model = ConvModelFileTests.SmallConvModel();
        var step = new ByteSignConvStep((ByteSignConvLayer)model.Layers[0], Context(model));
        Assert.True(step.IsFused);
    }

    [Fact]
    public void ByteRealConv_BatchNormAndHardTanh_IsFused()
    {
        var model = ConvModelFileTests.SmallRealStreamModel();
        Assert.True(new ByteRealConvStep((ByteRealConvLayer)model.Layers[0], Context(model)).IsFused);
    }

    [Fact]
    public void BinaryResidualConv_IdentityShortcutOn8x8_IsFused()
    {
        var model = ConvModelFileTests.SmallRealStreamModel();
        Assert.True(new BinaryResidualConvStep((BinaryResidualConvLayer)model.Layers[1], Context(model)).IsFused);
    }

    [Fact]
    public void BinaryResidualConv_OptionAShortcut_IsFused()
    {
        // [16, 8, 8] → [32, 8, 8] at stride 1 with the channel-padding shortcut (stride 1, 8 zero channels each side).
        var model = ConvModelFileTests.SmallRealStreamModel();
        var g = new ConvGeometry(16, 8, 8, 32, 3, 1, 1, -1f);
        var source = (BinaryResidualConvLayer)model.Layers[2];
        var layer = new BinaryResidualConvLayer(g, source.Weights, source.BatchNorm, new ResidualShortcut(1, 1, 8, 8), RealActivation.Relu);
        Assert.True(new BinaryResidualConvStep(layer, Context(model)).IsFused);
    }

    [Fact]
    public void BinaryResidualShiftConv_PlanesOf32OrMore_AreFused()
    {
        // Tensor.BatchNorm uses its fma form on planes of ≥ 32 values (RealRowOps); smaller planes with a batch norm keep
        // the tensor path (the construction check finds the difference), as kind 12's do.
        var model = ConvModelFileTests.SmallShiftModel();
        foreach (var layer in model.Layers.OfType<BinaryResidualShiftConvLayer>())
            Assert.Equal(layer.Geometry.Positions >= 32 || layer.BatchNorm is null, new BinaryResidualShiftConvStep(layer, Context(model)).IsFused);
    }
}
