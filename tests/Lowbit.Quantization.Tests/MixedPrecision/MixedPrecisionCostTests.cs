using Lowbit.Quantization.MixedPrecision;

namespace Lowbit.Quantization.Tests.MixedPrecision;

public class MixedPrecisionCostTests
{
    [Fact]
    public void SeventyTwentyTen_PayloadMasksAverageAndBops()
    {
        var active = BitMix.Parse("1:0.7,2:0.2,3:0.1").ActivePerLevel(1000); // 1000, 300, 100
        Assert.Equal(1400, MixedPrecisionCost.PayloadBits(active));
        Assert.Equal(1300, MixedPrecisionCost.NestedMaskBits(active)); // m_2 over A_1 + m_3 over A_2 (COST-MODEL.md)
        Assert.Equal(1.4, MixedPrecisionCost.AverageBits(active), 12);
        Assert.Equal(96, MixedPrecisionCost.ScaleBits(active));
        Assert.Equal(2000 * 1.4 * 2, MixedPrecisionCost.BitOperations(2000, active, 2), 9);
    }

    [Fact]
    public void Homogeneous_HasNoMaskBits()
    {
        Assert.Equal(0, MixedPrecisionCost.NestedMaskBits([500]));
        Assert.Equal(1.0, MixedPrecisionCost.AverageBits([500]));
    }

    [Fact]
    public void QuantizerCounts_FeedTheCostModel()
    {
        var q = new HeterogeneousBinarizer(BitMix.Parse("1:0.7,2:0.2,3:0.1"));
        q.Quantize(Lowbit.Tensors.Tensor.FromArray(MixedPrecisionReference.Normal(new Random(1), 1000), 1000), QuantizerContext.Eval);
        Assert.Equal(new[] { 1000, 300, 100 }, q.ActivePerLevel);
        Assert.Equal(q.AverageBits!.Value, MixedPrecisionCost.AverageBits(q.ActivePerLevel!), 12);
    }

    [Fact]
    public void InvalidCounts_Throw()
    {
        Assert.Throws<ArgumentException>(() => MixedPrecisionCost.PayloadBits([]));
        Assert.Throws<ArgumentException>(() => MixedPrecisionCost.PayloadBits([10, 20]));
        Assert.Throws<ArgumentException>(() => MixedPrecisionCost.PayloadBits([0]));
    }

    [Fact]
    public void CostInfo_ResidualAndHeterogeneous()
    {
        var w = Lowbit.Tensors.Tensor.FromArray(MixedPrecisionReference.Normal(new Random(2), 1000), 10, 100);
        ICostInfo residual = new ResidualBinarizer(3);
        Assert.Equal((3, false, 3), (residual.MaxPlanes, residual.Heterogeneous, residual.ScaleCount(w)));
        Assert.Null(residual.ActivePerLevel(w));

        var q = new HeterogeneousBinarizer(BitMix.Parse("1:0.7,2:0.2,3:0.1"));
        ICostInfo info = q;
        Assert.Equal((3, true, 3), (info.MaxPlanes, info.Heterogeneous, info.ScaleCount(w)));
        Assert.Equal(new long[] { 1000, 300, 100 }, info.ActivePerLevel(w));   // before any selection: from the mix
        q.Quantize(w, QuantizerContext.Eval);
        Assert.Equal(new long[] { 1000, 300, 100 }, info.ActivePerLevel(w));   // from the map
        ICostInfo activation = new HeterogeneousBinarizer(BitMix.Parse("1:0.7,2:0.2,3:0.1"), role: "activation");
        Assert.Equal(new long[] { 1000, 300, 100 }, activation.ActivePerLevel(w)); // 10 samples × (100, 30, 10)
    }
}
