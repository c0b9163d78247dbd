namespace Lowbit.Hardware.Tests;

public sealed partial class CostModelTests
{
    private const double Tolerance = 1e-9;

    /// <summary>BNN hidden layer 784→1024 with ±1 weights and ±1 inputs, no scales, no bias.</summary>
    private static LayerCostInput BinaryDense784x1024() =>
        LayerCostInput.Dense("fc", 784, 1024, OperandEncoding.Binary, OperandEncoding.Binary, outputBits: 1);

    /// <summary>10→100 dense (N = 1000) with the 70/20/10 mix of 1/2/3-bit weights: |A| = 1000, 300, 100; one μ per plane.</summary>
    private static LayerCostInput Heterogeneous702010() =>
        LayerCostInput.Dense("het", 10, 100, OperandEncoding.Heterogeneous(3), OperandEncoding.Binary, outputBits: 1, [1000, 300, 100])
            with { ScaleCount = 3 };

    [Fact]
    public void EstimateLayer_BinaryDense784x1024_MemoryMatchesHandCounts()
    {
        var row = CostModel.EstimateLayer(BinaryDense784x1024());

        Assert.Equal(802_816, row.Weights);                  // 784 · 1024
        Assert.Equal(1.0, row.AverageWeightBits);
        Assert.Equal(802_816, row.PayloadBits);              // 1 bit per weight
        Assert.Equal(0, row.MetadataBits);
        Assert.Equal(0, row.NestedMaskBits);
        Assert.Equal(0, row.ExplicitCodeBits);
        Assert.Equal(0.0, row.EntropyBoundBits);
        Assert.Equal(0, row.ScaleBits);
        Assert.Equal(802_816, row.TotalBits);
        Assert.Equal(100_352, row.TotalBytes);               // 802,816 / 8
        Assert.Equal(25_690_112, row.Float32BaselineBits);   // 32 · 802,816
        Assert.Equal(3_211_264, row.Float32BaselineBytes);   // 4 · 802,816
        Assert.Equal(32.0, row.CompressionRatio);
    }

    [Fact]
    public void EstimateLayer_Heterogeneous702010_PayloadMasksEntropyMatchHandCounts()
    {
        var row = CostModel.EstimateLayer(Heterogeneous702010());

        Assert.Equal(1000, row.Weights);
        Assert.Equal(1.4, row.AverageWeightBits, Tolerance); // 1400 / 1000 = 0.7·1 + 0.2·2 + 0.1·3
        Assert.Equal(1400, row.PayloadBits);                 // 1000 + 300 + 100 sign bits
        Assert.Equal(1300, row.NestedMaskBits);              // m_2 over A_1 (1000) + m_3 over A_2 (300); m_1 is all ones
        Assert.Equal(2000, row.ExplicitCodeBits);            // 1000 · ⌈log2 3⌉
        // H(0.7, 0.2, 0.1) = 0.7·0.514573 + 0.2·2.321928 + 0.1·3.321928 = 1.1567796494470 bits per weight.
        Assert.Equal(1156.7796494470, row.EntropyBoundBits, 1e-6);
        Assert.Equal(1300, row.MetadataBits);                // default scheme: nested masks
        Assert.Equal(96, row.ScaleBits);                     // 3 μ_j · 32
        Assert.Equal(2796, row.TotalBits);                   // 1400 + 1300 + 96
        Assert.Equal(350, row.TotalBytes);                   // ⌈2796 / 8⌉ = ⌈349.5⌉
        Assert.Equal(32_000, row.Float32BaselineBits);
        Assert.Equal(32_000.0 / 2796, row.CompressionRatio!.Value, Tolerance);
    }

    [Fact]
    public void EstimateLayer_ExplicitCodeScheme_CountsTwoBitsPerWeight()
    {
        var options = CostModelOptions.Default with { MetadataScheme = HeterogeneousMetadataScheme.ExplicitCode };
        var row = CostModel.EstimateLayer(Heterogeneous702010(), options);

        Assert.Equal(2000, row.MetadataBits);
        Assert.Equal(3496, row.TotalBits);                   // 1400 + 2000 + 96
        Assert.Equal(437, row.TotalBytes);
        Assert.Equal(1300, row.NestedMaskBits);              // still reported as a column
    }

    [Fact]
    public void EstimateLayer_HeterogeneousAllOneBit_MatchesBinaryExceptScalesAndHasNoEntropy()
    {
        var layer = LayerCostInput.Dense("het", 10, 100, OperandEncoding.Heterogeneous(2), OperandEncoding.Binary, 1, [1000, 0]);
        var row = CostModel.EstimateLayer(layer);

        Assert.Equal(1000, row.PayloadBits);
        Assert.Equal(1000, row.NestedMaskBits);              // the m_2 mask is stored even though it is empty
        Assert.Equal(1000, row.ExplicitCodeBits);            // ⌈log2 2⌉ = 1
        Assert.Equal(0.0, row.EntropyBoundBits);             // a single bitwidth carries no information
    }

    [Fact]
    public void EstimateLayer_ResidualTwoPlanes_PayloadIsTwoBitsPerWeightWithoutMetadata()
    {
        var layer = LayerCostInput.Dense("res", 10, 100, OperandEncoding.Residual(2), OperandEncoding.Binary, 1) with { ScaleCount = 2 };
        var row = CostModel.EstimateLayer(layer);

        Assert.Equal(2000, row.PayloadBits);
        Assert.Equal(0, row.MetadataBits);
        Assert.Equal(64, row.ScaleBits);
        Assert.Equal(2064, row.TotalBits);
        Assert.Equal(2.0, row.AverageWeightBits);
    }

    [Fact]
    public void EstimateLayer_FloatDenseWithBias_BaselineEqualsTotal()
    {
        var layer = LayerCostInput.Dense("fp", 4, 2, OperandEncoding.Float32, OperandEncoding.Float32, 32) with { OtherFloatParameters = 2 };
        var row = CostModel.EstimateLayer(layer);

        Assert.Equal(256, row.PayloadBits);                  // 8 weights · 32
        Assert.Equal(64, row.OtherFloatBits);                // 2 biases · 32
        Assert.Equal(320, row.TotalBits);
        Assert.Equal(320, row.Float32BaselineBits);
        Assert.Equal(1.0, row.CompressionRatio);
    }

    [Fact]
    public void EstimateLayer_PoolStoresNothing_RatioIsNull()
    {
        var row = CostModel.EstimateLayer(LayerCostInput.Pool("pool", 8, 4, 4, 1));

        Assert.Equal(0, row.TotalBits);
        Assert.Null(row.CompressionRatio);
        Assert.Equal(128.0, row.OutputActivationBits);       // 8·4·4 elements · 1 bit
        Assert.Equal(Datapath.None, row.Datapath);
        Assert.Null(row.XnorGates);
    }

    [Fact]
    public void EstimateLayer_BatchNorm_FourFloatParametersPerChannel()
    {
        var row = CostModel.EstimateLayer(LayerCostInput.BatchNorm("bn", 1024, 1, 1));

        Assert.Equal(131_072, row.OtherFloatBits);           // 4 · 1024 · 32
        Assert.Equal(131_072, row.Float32BaselineBits);
        Assert.Equal(0, row.Macs);
    }
}
