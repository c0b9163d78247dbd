using Lowbit.Nn.Layers;
using Lowbit.Quantization;
using Lowbit.Quantization.MixedPrecision;

namespace Lowbit.Nn.Tests;

/// <summary>Each module's own cost declaration against hand-computed counts.</summary>
public class ModuleCostTests
{
    [Fact]
    public void Conv2d_Cost_CountsPositionsFanInAndMacsByHand()
    {
        // 3 → 8 channels, k3 s2 p1 on 9x9: output 5x5 = 25 positions; fan-in 3·3·3 = 27; weights 8·27 = 216.
        var conv = new Conv2d(3, 8, 3, 2, 1, bias: true, new Random(1), weightQuantizer: new SteSign());
        var op = Assert.Single(conv.Cost([3, 9, 9]).Operations);
        Assert.Equal(OperationKind.Conv2d, op.Kind);
        Assert.Equal(25, op.OutputPositions);
        Assert.Equal(27, op.FanIn);
        Assert.Equal(216, op.WeightElements);
        Assert.Equal(216 * 25, op.Macs);
        Assert.Equal(3 * 81, op.InputElements);
        Assert.Equal(8 * 25, op.OutputElements);
        Assert.Equal(8, op.OtherFloatParameters); // bias
        Assert.Equal(1, op.WeightBits);
        Assert.Equal(32, op.InputBits);
    }

    [Fact]
    public void Linear_Cost_IsDenseWithOnePosition()
    {
        var layer = new Linear(7, 3, bias: false, new Random(1), inputQuantizer: new Pact(2));
        var op = Assert.Single(layer.Cost([7]).Operations);
        Assert.Equal((OperationKind.Dense, 1L, 7L, 21L, 21L), (op.Kind, op.OutputPositions, op.FanIn, op.WeightElements, op.Macs));
        Assert.Equal(1, op.OtherFloatParameters); // PACT's α
        Assert.Equal(2, op.InputBits);
    }

    [Fact]
    public void BatchNorm_Cost_StoresFourFloatsPerChannel_TwoWithoutAffine()
    {
        Assert.Equal(4 * 5, Assert.Single(new BatchNorm(5, true).Cost([5, 2, 2]).Operations).OtherFloatParameters);
        Assert.Equal(2 * 5, Assert.Single(new BatchNorm(5, false, affine: false).Cost([5]).Operations).OtherFloatParameters);
    }

    [Fact]
    public void CostWalker_NestedSequential_ListsOperationsWithPaths()
    {
        var model = new Sequential(new Flatten(), new Sequential(new Linear(4, 3, true, new Random(1)), new Relu()), new Linear(3, 2, true, new Random(2)));
        var ops = CostWalker.Operations(model, [1, 2, 2]);
        Assert.Equal(["1.0", "1.1", "2"], ops.Select(o => o.Path).ToArray());
        Assert.Equal(2, CostWalker.WeightedOperations(model, [1, 2, 2]).Count);
    }

    [Fact]
    public void QuantizerModule_AppliesQuantizerLearnableOptions()
    {
        var pact = new QuantizerModule(new Pact(2));
        Assert.True(Assert.Single(pact.Parameters()).Decay);
        var bitPruning = new QuantizerModule(new BitPruningQuantizer(6, maxBits: 12, learningRateScale: 3, bitLengthUpdate: "sgd"));
        var p = Assert.Single(bitPruning.Parameters());
        Assert.False(p.Decay);
        Assert.Equal((1.0, 12.0), p.Clip);
        Assert.Equal(3, p.LearningRateScale);
        Assert.True(p.PlainGradient);
        var lsq = new QuantizerModule(new LsqQuantizer(2));
        Assert.All(lsq.Parameters(), q => Assert.False(q.Decay));
    }
}
