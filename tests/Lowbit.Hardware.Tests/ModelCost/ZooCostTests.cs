using Lowbit.Hardware.ModelCost;
using Lowbit.Nn;
using Lowbit.Nn.Models;

namespace Lowbit.Hardware.Tests.ModelCost;

/// <summary>Cost of the zoo networks against counts derived by hand from their layer tables (per 3×32×32 image).</summary>
public sealed class ZooCostTests
{
    // ResNet-20 convolution weights: stem 3·16·9; stage 1: six 16·16·9; stage 2: 16·32·9 + five 32·32·9; stage 3: 32·64·9 + five 64·64·9.
    private const long StemWeights = 3 * 16 * 9;
    private const long Stage1Weights = 6 * 16 * 16 * 9;
    private const long Stage2Weights = 16 * 32 * 9 + 5 * 32 * 32 * 9;
    private const long Stage3Weights = 32 * 64 * 9 + 5 * 64 * 64 * 9;

    // MACs: weights × output positions (32·32, 16·16, 8·8); dense 64·10.
    private const long StemMacs = StemWeights * 32 * 32;
    private const long BlockMacs = Stage1Weights * 32 * 32 + Stage2Weights * 16 * 16 + Stage3Weights * 8 * 8;
    private const long DenseMacs = 64 * 10;
    private const long ResNetMacs = StemMacs + BlockMacs + DenseMacs;

    // Batch-norm channels: stem 16 + 18 convolutions (6·16 + 6·32 + 6·64).
    private const long ResNetBnChannels = 16 + 6 * 16 + 6 * 32 + 6 * 64;

    [Fact]
    public void ResNet20_Float_HasThePaperParameterAndMacCounts()
    {
        var model = Zoo.ResNet20(new Random(1));
        long learnable = model.Parameters().Sum(p => (long)p.Value.Length);
        Assert.Equal(StemWeights + Stage1Weights + Stage2Weights + Stage3Weights + DenseMacs + 10 + 2 * ResNetBnChannels, learnable);
        Assert.Equal(269_722, learnable); // "0.27 M" (He et al. 2016, table 6)

        var report = CostModel.Estimate(ModelCostMapper.FromModel(model, [3, 32, 32], "resnet20"));
        Assert.Equal(40_551_040, report.Totals.Macs); // "41 M" at 32×32
        Assert.Equal(ResNetMacs, report.Totals.Macs);
        Assert.Equal(StemWeights + Stage1Weights + Stage2Weights + Stage3Weights + DenseMacs, report.Totals.Weights);
        Assert.Equal((double)ResNetMacs * 32 * 32, report.Totals.Bops);
    }

    [Fact]
    public void ResNet20_Binary_CountsBinaryConvolutionsAtOneBitAndRealEnds()
    {
        var model = Zoo.ResNet20Binary(new Random(1));
        long learnable = model.Parameters().Sum(p => (long)p.Value.Length);
        Assert.Equal(StemWeights + Stage1Weights + Stage2Weights + Stage3Weights + DenseMacs + 10 + 2 * (ResNetBnChannels + 64), learnable);

        var description = ModelCostMapper.Describe(model, [3, 32, 32], "resnet20-binary");
        var report = CostModel.Estimate(description.Network);
        Assert.Equal(ResNetMacs, report.Totals.Macs);
        // BOPs = MACs · b_w · b_a: real stem and dense at 32·32, the 18 binary convolutions at 1·1.
        Assert.Equal((double)(StemMacs + DenseMacs) * 32 * 32 + BlockMacs, report.Totals.Bops);
        var binaryRows = description.Network.Layers.Where(r => r.WeightEncoding == OperandEncoding.Binary).ToList();
        Assert.Equal(18, binaryRows.Count);
        Assert.All(binaryRows, r => Assert.Equal(OperandEncoding.Binary, r.ActivationEncoding));
        // Residual sums get rows with no MACs, named by the block's path.
        Assert.Equal(18, description.Network.Layers.Count(r => r.Kind == LayerKind.Add));
        Assert.Contains(description.Network.Layers, r => r.Name == "3.body.0:Conv2d");
        Assert.Contains(description.Network.Layers, r => r.Name == "3:Residual");
    }

    [Theory]
    [InlineData(1, 2)]
    [InlineData(2, 2)]
    public void ResNet20_DoReFa_CountsBlockConvolutionsAtTheirBits(int weightBits, int activationBits)
    {
        var report = CostModel.Estimate(ModelCostMapper.FromModel(Zoo.ResNet20DoReFa(new Random(1), weightBits, activationBits), [3, 32, 32], "r"));
        Assert.Equal(ResNetMacs, report.Totals.Macs);
        Assert.Equal((double)(StemMacs + DenseMacs) * 32 * 32 + (double)BlockMacs * weightBits * activationBits, report.Totals.Bops);
    }

    [Fact]
    public void VggSmall_QuarterWidth_CountsByHand()
    {
        // 32-32-64-64-128-128 channels, 256 units: conv weights × positions (32², 32², 16², 16², 8², 8²), then dense.
        long[] convWeights = [3 * 32 * 9, 32 * 32 * 9, 32 * 64 * 9, 64 * 64 * 9, 64 * 128 * 9, 128 * 128 * 9];
        long[] positions = [1024, 1024, 256, 256, 64, 64];
        long[] denseWeights = [128 * 4 * 4 * 256, 256 * 256, 256 * 10];
        long macs = convWeights.Zip(positions, (w, s) => w * s).Sum() + denseWeights.Sum();
        var model = Zoo.VggSmall(new Random(1), binary: true, width: 0.25);
        var report = CostModel.Estimate(ModelCostMapper.FromModel(model, [3, 32, 32], "vgg"));
        Assert.Equal(macs, report.Totals.Macs);
        Assert.Equal(convWeights.Sum() + denseWeights.Sum(), report.Totals.Weights);
        // Binary weights everywhere; the first convolution reads real pixels (32-bit), every other layer ±1 inputs.
        Assert.Equal((double)convWeights[0] * positions[0] * 32 + (macs - convWeights[0] * positions[0]), report.Totals.Bops);
        long bnChannels = 32 + 32 + 64 + 64 + 128 + 128 + 256 + 256 + 10;
        Assert.Equal(convWeights.Sum() + denseWeights.Sum() + 2 * bnChannels, model.Parameters().Sum(p => (long)p.Value.Length));
    }

    [Fact]
    public void MobileNetSmall_DepthwiseAndPointwise_CountsByHand()
    {
        // Stem 3·32·9 at 32²; blocks (in → out, stride): depthwise in·9 weights, pointwise in·out, both at the block's output size.
        long macs = 3 * 32 * 9 * 1024, weights = 3 * 32 * 9;
        int channels = 32, size = 32;
        foreach (var (outChannels, stride) in new[] { (64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2) })
        {
            size /= stride;
            macs += (long)channels * 9 * size * size + (long)channels * outChannels * size * size;
            weights += channels * 9 + channels * outChannels;
            channels = outChannels;
        }
        macs += 512 * 10;
        weights += 512 * 10;
        var description = ModelCostMapper.Describe(Zoo.MobileNetSmall(new Random(1)), [3, 32, 32], "mobilenet");
        var report = CostModel.Estimate(description.Network);
        Assert.Equal(macs, report.Totals.Macs);
        Assert.Equal(weights, report.Totals.Weights);
        var depthwise = description.Network.Layers[3]; // 0 stem, 1 BN, 2 ReLU, 3 first depthwise convolution
        Assert.Equal((9L, 32L * 9), (depthwise.FanIn, depthwise.Weights));
    }

    [Fact]
    public void LeNet5_Has61706Parameters()
    {
        var model = Zoo.LeNet5(new Random(1));
        Assert.Equal(6 * 25 + 6 + 16 * 6 * 25 + 16 + 400 * 120 + 120 + 120 * 84 + 84 + 84 * 10 + 10, model.Parameters().Sum(p => (long)p.Value.Length));
        Assert.Equal(61_706, model.Parameters().Sum(p => (long)p.Value.Length));
        var report = CostModel.Estimate(ModelCostMapper.FromModel(model, [1, 28, 28], "lenet"));
        Assert.Equal(6L * 25 * 28 * 28 + 16L * 6 * 25 * 10 * 10 + 400 * 120 + 120 * 84 + 84 * 10, report.Totals.Macs);
    }
}
