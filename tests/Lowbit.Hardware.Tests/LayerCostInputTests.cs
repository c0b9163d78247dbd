namespace Lowbit.Hardware.Tests;

public sealed class LayerCostInputTests
{
    private static LayerCostInput Het(IReadOnlyList<long>? levels) =>
        LayerCostInput.Dense("h", 10, 100, OperandEncoding.Heterogeneous(3), OperandEncoding.Binary, 1, levels);

    [Fact]
    public void Conv2d_GroupedKernel_DerivesCountsFromShape()
    {
        // 8→16 channels, 2 groups, 3×5 kernel, 6×7 output: fan-in 4·3·5 = 60, N = 16·60 = 960, S = 42.
        var layer = LayerCostInput.Conv2d("c", 8, 16, 3, 5, 6, 7, OperandEncoding.Binary, OperandEncoding.Binary, 1, groups: 2);

        Assert.Equal(60, layer.FanIn);
        Assert.Equal(960, layer.Weights);
        Assert.Equal(42, layer.OutputPositions);
        Assert.Equal(40_320, layer.Macs);
        Assert.Equal(672, layer.OutputElements);
    }

    [Fact]
    public void Conv2d_GroupsNotDividingChannels_Throws()
    {
        var error = Assert.Throws<ArgumentException>(() =>
            LayerCostInput.Conv2d("c", 6, 16, 3, 3, 4, 4, OperandEncoding.Binary, OperandEncoding.Binary, 1, groups: 4));

        Assert.Contains("groups = 4", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_HeterogeneousWithoutLevels_ThrowsNamingProperty()
    {
        var error = Assert.Throws<ArgumentException>(() => Het(null).Validate());

        Assert.Equal(nameof(LayerCostInput.ActiveWeightsPerLevel), error.ParamName);
    }

    [Theory]
    [InlineData(new long[] { 1000, 300 })]           // wrong level count
    [InlineData(new long[] { 900, 300, 100 })]       // |A_1| != N
    [InlineData(new long[] { 1000, 300, 400 })]      // not nested
    [InlineData(new long[] { 1000, -1, -1 })]        // negative
    public void Validate_InconsistentLevels_Throws(long[] levels) =>
        Assert.Throws<ArgumentException>(() => Het(levels).Validate());

    [Fact]
    public void Validate_LevelsOnHomogeneousWeights_Throws()
    {
        var layer = LayerCostInput.Dense("b", 10, 100, OperandEncoding.Binary, OperandEncoding.Binary, 1, [1000]);

        Assert.Throws<ArgumentException>(layer.Validate);
    }

    [Fact]
    public void Validate_HeterogeneousActivations_Throws()
    {
        var layer = LayerCostInput.Dense("b", 10, 100, OperandEncoding.Binary, OperandEncoding.Heterogeneous(2), 1);

        Assert.Throws<ArgumentException>(layer.Validate);
    }

    [Fact]
    public void Validate_MacsWithoutFanIn_Throws()
    {
        var layer = LayerCostInput.Dense("b", 10, 100, OperandEncoding.Binary, OperandEncoding.Binary, 1) with { FanIn = 0 };

        Assert.Throws<ArgumentException>(layer.Validate);
    }

    [Fact]
    public void Validate_NegativeScaleCount_Throws()
    {
        var layer = LayerCostInput.Dense("b", 10, 100, OperandEncoding.Binary, OperandEncoding.Binary, 1) with { ScaleCount = -1 };

        var error = Assert.Throws<ArgumentException>(layer.Validate);
        Assert.Contains("ScaleCount", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(17)]
    public void Uniform_BitsOutOfRange_Throws(int bits) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => OperandEncoding.Uniform(bits));

    [Fact]
    public void OperandEncoding_Labels_AreShortCodes()
    {
        Assert.Equal("f32", OperandEncoding.Float32.ToString());
        Assert.Equal("u1", OperandEncoding.Binary.ToString());
        Assert.Equal("res2", OperandEncoding.Residual(2).ToString());
        Assert.Equal("het3", OperandEncoding.Heterogeneous(3).ToString());
        Assert.True(OperandEncoding.Residual(2).IsSignPlanes);
        Assert.False(OperandEncoding.Uniform(2).IsSignPlanes);
    }
}
