namespace Lowbit.Hardware.Tests;

public sealed partial class CostModelTests
{
    [Fact]
    public void EstimateLayer_TinyW2A2Dense_EnergyFromInterpolationFormulas()
    {
        // 4→2 dense: 8 MACs. E_mul(2,2) = 0.2·4/64 = 0.0125 pJ; accumulator 2+2+⌈log2 4⌉ = 6 bits -> E_add = 0.03·6/8 = 0.0225 pJ.
        var layer = LayerCostInput.Dense("tiny", 4, 2, OperandEncoding.Uniform(2), OperandEncoding.Uniform(2), 2);
        var row = CostModel.EstimateLayer(layer);

        Assert.Equal(Datapath.Integer, row.Datapath);
        Assert.Equal(0.28, row.ComputeEnergyPicojoules, Tolerance);   // 8 · 0.035
        Assert.Equal(2.5, row.MemoryEnergyPicojoules, Tolerance);     // 16 bits · 5/32 pJ
        Assert.Equal(2.78, row.TotalEnergyPicojoules, Tolerance);
    }

    [Fact]
    public void EstimateLayer_TinyDenseFromDram_Charges20PicojoulesPerBit()
    {
        var layer = LayerCostInput.Dense("tiny", 4, 2, OperandEncoding.Uniform(2), OperandEncoding.Uniform(2), 2);
        var row = CostModel.EstimateLayer(layer, CostModelOptions.Default with { WeightMemory = WeightMemoryLevel.Dram });

        Assert.Equal(320.0, row.MemoryEnergyPicojoules, Tolerance);   // 16 bits · 640/32
    }

    [Fact]
    public void EstimateLayer_TinyFloatDense_UsesFloatMultiplyAndAdd()
    {
        var row = CostModel.EstimateLayer(LayerCostInput.Dense("fp", 4, 2, OperandEncoding.Float32, OperandEncoding.Float32, 32));

        Assert.Equal(Datapath.Float, row.Datapath);
        Assert.Equal(36.8, row.ComputeEnergyPicojoules, Tolerance);   // 8 · (3.7 + 0.9)
        Assert.Equal(40.0, row.MemoryEnergyPicojoules, Tolerance);    // 256 bits · 5/32
    }

    [Fact]
    public void EstimateLayer_TinyBinaryDense_ChargesXnorPopcountPerBitOperation()
    {
        var row = CostModel.EstimateLayer(LayerCostInput.Dense("bnn", 4, 2, OperandEncoding.Binary, OperandEncoding.Binary, 1));

        Assert.Equal(0.032, row.ComputeEnergyPicojoules, Tolerance);  // 8 BOPs · 0.004
        Assert.Equal(1.25, row.MemoryEnergyPicojoules, Tolerance);    // 8 bits · 5/32
    }

    [Fact]
    public void EstimateLayer_TinySignFlipDense_OneFloatAddPerWeightBit()
    {
        var row = CostModel.EstimateLayer(LayerCostInput.Dense("bc", 4, 2, OperandEncoding.Binary, OperandEncoding.Float32, 32));

        Assert.Equal(7.2, row.ComputeEnergyPicojoules, Tolerance);    // 8 MACs · 1 plane · 0.9
    }

    [Fact]
    public void EstimateLayer_TinyResidualDense_AddsScaleMultiplications()
    {
        // BOPs 8·2·2 = 32 -> 0.128 pJ; scale multiplies 2 outputs · 2 · 2 = 8 -> 29.6 pJ.
        var layer = LayerCostInput.Dense("res", 4, 2, OperandEncoding.Residual(2), OperandEncoding.Residual(2), 1) with { ScaleCount = 2 };
        var row = CostModel.EstimateLayer(layer);

        Assert.Equal(8, row.ScaleMultiplications);
        Assert.Equal(29.728, row.ComputeEnergyPicojoules, Tolerance);
    }

    [Fact]
    public void EstimateLayer_Conv16To32W2A2_EnergyMatchesHandDerivation()
    {
        // Per MAC: E_mul(2,2) 0.0125 + E_add(2+2+8 = 12 bits) 0.045 = 0.0575 pJ; 294,912 MACs -> 16,957.44 pJ.
        // 2048 α multiplies · 3.7 = 7,577.6 pJ. Stored bits 9216 + 1024 = 10,240 -> 1,600 pJ from SRAM.
        var row = CostModel.EstimateLayer(Conv16To32W2A2());

        Assert.Equal(16_957.44 + 7_577.6, row.ComputeEnergyPicojoules, 1e-6);
        Assert.Equal(1_600.0, row.MemoryEnergyPicojoules, Tolerance);
    }

    [Fact]
    public void EstimateLayer_BinaryDense784x1024_EnergyMatchesHandDerivation()
    {
        var row = CostModel.EstimateLayer(BinaryDense784x1024());

        Assert.Equal(3_211.264, row.ComputeEnergyPicojoules, 1e-6);   // 802,816 · 0.004
        Assert.Equal(125_440.0, row.MemoryEnergyPicojoules, 1e-6);    // 802,816 · 5/32
    }

    [Fact]
    public void Horowitz45nm_Interpolation_ReproducesTableAtEightBits()
    {
        Assert.Equal(0.2, Horowitz45nm.IntegerMultiplyPicojoules(8, 8), Tolerance);
        Assert.Equal(0.03, Horowitz45nm.IntegerAddPicojoules(8), Tolerance);
        // The linear add model over-estimates the 32-bit table entry (0.12 vs 0.1 pJ); documented in COST-MODEL.md.
        Assert.Equal(0.12, Horowitz45nm.IntegerAddPicojoules(32), Tolerance);
        Assert.Equal(11, Horowitz45nm.Entries.Count);
    }
}
