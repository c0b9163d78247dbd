namespace Lowbit.Hardware.Tests;

public sealed partial class CostModelTests
{
    // log2 784 = 4 + 2·log2 7 = 4 + 2·2.807354922057604; log2 144 = 4 + 2·log2 3 = 4 + 2·1.584962500721156.
    private const double Log2Of784 = 9.614709844115208;
    private const double Log2Of144 = 7.169925001442312;

    /// <summary>3×3 conv 16→32 on an 8×8 output, 2-bit weights and activations, one α per output channel.</summary>
    private static LayerCostInput Conv16To32W2A2() =>
        LayerCostInput.Conv2d("conv", 16, 32, 3, 3, 8, 8, OperandEncoding.Uniform(2), OperandEncoding.Uniform(2), outputBits: 2)
            with { ScaleCount = 32 };

    [Fact]
    public void EstimateLayer_BinaryDense784x1024_OperationsMatchHandCounts()
    {
        var row = CostModel.EstimateLayer(BinaryDense784x1024());

        Assert.Equal(802_816, row.Macs);
        Assert.Equal(802_816, row.BinaryWork);               // S = 1 · b_a = 1 · Σ|A_j| = 802,816
        Assert.Equal(802_816.0, row.Bops);                   // MAC · 1 · 1
        Assert.Equal(802_816 * (1 + 1 + 1 + Log2Of784), row.UniqBops, 1e-6);
        Assert.Equal(822_083_584, row.Fp32EquivalentBops);   // 802,816 · 1024
        Assert.Equal(0, row.ScaleMultiplications);           // BNN: no stored scales
        Assert.Equal(Datapath.Binary, row.Datapath);
    }

    [Fact]
    public void EstimateLayer_Conv16To32W2A2_CountsMatchHandDerivation()
    {
        var row = CostModel.EstimateLayer(Conv16To32W2A2());

        Assert.Equal(4608, row.Weights);                     // 32 · 16 · 3 · 3
        Assert.Equal(294_912, row.Macs);                     // 64 positions · 4608
        Assert.Equal(1_179_648.0, row.Bops);                 // 294,912 · 2 · 2
        Assert.Equal(1_179_648, row.BinaryWork);             // S 64 · b_a 2 · Σ|A_j| 9216
        Assert.Equal(294_912 * (4 + 2 + 2 + Log2Of144), row.UniqBops, 1e-6);
        Assert.Equal(2048, row.ScaleMultiplications);        // one α multiply per output: 32 · 64
        Assert.Equal(Datapath.Integer, row.Datapath);
        Assert.Equal(9216 + 32 * 32, row.TotalBits);
    }

    [Fact]
    public void EstimateLayer_Heterogeneous702010_WorkUsesExactPerLevelCounts()
    {
        var row = CostModel.EstimateLayer(Heterogeneous702010());

        Assert.Equal(1000, row.Macs);
        Assert.Equal(1400, row.BinaryWork);                  // 1 · 1 · (1000 + 300 + 100)
        Assert.Equal(1400.0, row.Bops, Tolerance);
        Assert.Equal(1000 * (1.4 * 1 + 1.4 + 1 + 3.321928094887362), row.UniqBops, 1e-6);
        Assert.Equal(300, row.ScaleMultiplications);         // 3 μ_j planes · 100 outputs
    }

    [Fact]
    public void EstimateLayer_HeterogeneousConv_BopsEqualHbbBinaryWork()
    {
        // N = 8·4·3·3 = 288 weights, |A| = 288, 100, 20 -> Σ = 408; S = 5·5 = 25; b_a = 2 -> work = 25·2·408 = 20,400.
        var layer = LayerCostInput.Conv2d("hconv", 4, 8, 3, 3, 5, 5, OperandEncoding.Heterogeneous(3), OperandEncoding.Residual(2),
            outputBits: 2, activeWeightsPerLevel: [288, 100, 20]) with { ScaleCount = 3 };
        var row = CostModel.EstimateLayer(layer);

        Assert.Equal(20_400, row.BinaryWork);
        Assert.Equal(20_400.0, row.Bops);
        Assert.Equal(200 * 3 * 2, row.ScaleMultiplications); // 8·25 outputs · 3 weight planes · 2 activation planes
        Assert.Equal(6, row.BitSerialPassesPerOutput);        // B_max 3 · b_a 2
        Assert.Equal(408.0 / 288 * 2, row.EffectiveBitSerialPassesPerOutput!.Value, Tolerance);
        Assert.Equal(1200, row.BitSerialCycles);              // 200 outputs · 6 passes
        Assert.Equal(816, row.XnorGates);                     // Σ|A_j| 408 · b_a 2
    }

    [Fact]
    public void EstimateLayer_BinaryDense784x1024_AreaAndBitSerialModels()
    {
        var row = CostModel.EstimateLayer(BinaryDense784x1024());

        Assert.Equal(802_816, row.XnorGates);
        Assert.Equal(802_816, row.PopcountFullAdders);
        Assert.Equal(802_816 * 4.5, row.EstimatedAdderAreaSquareMicrometers!.Value, Tolerance);
        Assert.Equal(1, row.BitSerialPassesPerOutput);
        Assert.Equal(1024, row.BitSerialCycles);
    }

    [Fact]
    public void EstimateLayer_BinaryWeightsFloatInputs_SignFlipDatapathWithoutAreaModel()
    {
        var layer = LayerCostInput.Dense("bc", 4, 2, OperandEncoding.Binary, OperandEncoding.Float32, 32);
        var row = CostModel.EstimateLayer(layer);

        Assert.Equal(Datapath.SignFlip, row.Datapath);
        Assert.Equal(256.0, row.Bops);                        // 8 MACs · 1 · 32
        Assert.Null(row.XnorGates);
        Assert.Null(row.BitSerialCycles);
    }

    [Theory]
    [InlineData(QuantizationKind.Float32, 0, QuantizationKind.Float32, 0, 0)]
    [InlineData(QuantizationKind.Uniform, 1, QuantizationKind.Uniform, 1, 0)]   // BNN, no α
    [InlineData(QuantizationKind.Residual, 3, QuantizationKind.Uniform, 2, 3)]
    [InlineData(QuantizationKind.Residual, 3, QuantizationKind.Residual, 2, 6)]
    [InlineData(QuantizationKind.Float32, 0, QuantizationKind.Residual, 2, 2)]
    public void ScaleMultiplicationsPerOutput_Schemes_MatchMethods142(
        QuantizationKind weightKind, int weightBits, QuantizationKind activationKind, int activationBits, long expected)
    {
        var layer = LayerCostInput.Dense("x", 4, 2, Make(weightKind, weightBits), Make(activationKind, activationBits), 1);

        Assert.Equal(expected, CostModel.ScaleMultiplicationsPerOutput(layer));
    }

    [Fact]
    public void ScaleMultiplicationsPerOutput_UniformWeightsWithAlpha_OnePerOutput()
    {
        var layer = LayerCostInput.Dense("xnor", 4, 2, OperandEncoding.Binary, OperandEncoding.Binary, 1) with { ScaleCount = 2 };

        Assert.Equal(1, CostModel.ScaleMultiplicationsPerOutput(layer));
    }

    [Theory]
    [InlineData(1, 0)]
    [InlineData(2, 1)]
    [InlineData(3, 2)]
    [InlineData(4, 2)]
    [InlineData(5, 3)]
    [InlineData(144, 8)]
    [InlineData(784, 10)]
    public void CeilingLog2_Values_MatchHandTable(long x, int expected) => Assert.Equal(expected, CostModel.CeilingLog2(x));

    private static OperandEncoding Make(QuantizationKind kind, int bits) => kind switch
    {
        QuantizationKind.Float32 => OperandEncoding.Float32,
        QuantizationKind.Uniform => OperandEncoding.Uniform(bits),
        QuantizationKind.Residual => OperandEncoding.Residual(bits),
        _ => OperandEncoding.Heterogeneous(bits),
    };
}
