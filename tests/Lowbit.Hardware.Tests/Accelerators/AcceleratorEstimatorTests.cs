using Lowbit.Hardware.Accelerators;

namespace Lowbit.Hardware.Tests.Accelerators;

/// <summary>
/// Hand-computed FPGA / ASIC estimates of a two-layer model (docs/COST-MODEL.md, section 11):
/// fc1 = dense 64→16, heterogeneous weights B_max = 2 with |A| = [1024, 410] (n̄ = 1.4004), 2-plane residual inputs,
/// 2 scales; fc2 = dense 16→10, ±1 weights and inputs.
/// fc1: N = 1024, F = 64, O = 16, P = 1434, B = 2, a = 2, M = 1, w = ⌈log2 65⌉ + 2 + 2 = 11, f = 2·2 = 4 scale
/// multiplies per output; BOPs 1434·2 = 2868, scale multiplications 16·4 = 64.
/// fc2: N = 160, F = 16, O = 10, P = 160, B = a = 1, M = 0, w = ⌈log2 17⌉ + 1 + 1 = 7, f = 0; BOPs 160.
/// </summary>
public sealed class AcceleratorEstimatorTests
{
    private const double Tolerance = 1e-9;

    private static NetworkCostInput TwoLayers() => new("two", 64, 32,
    [
        LayerCostInput.Dense("fc1", 64, 16, OperandEncoding.Heterogeneous(2), OperandEncoding.Residual(2), 32, [1024, 410]) with { ScaleCount = 2 },
        LayerCostInput.Dense("fc2", 16, 10, OperandEncoding.Binary, OperandEncoding.Binary, 32),
    ]);

    private static AcceleratorReport Estimate(AcceleratorArchitecture architecture) =>
        AcceleratorEstimator.Estimate(TwoLayers(), new AcceleratorOptions { Architecture = architecture, ProcessingElements = 4, SimdLanes = 32 });

    [Fact]
    public void Estimate_Folded_MatchesHandCounts()
    {
        var r = Estimate(AcceleratorArchitecture.Folded);
        var fc1 = r.Layers[0];
        // pe = 4, simd = 32, lanes 128, input folds 2, folds 4·2 = 8, plane pairs 4.
        Assert.Equal((4, 32), (fc1.ProcessingElements, fc1.SimdLanes));
        Assert.Equal(768, fc1.ProductGates);        // 128 lanes · (B + M = 3) · a = 2
        Assert.Equal(512, fc1.PopcountInputs);      // 128 · 4
        Assert.Equal(308, fc1.AdderBits);           // 4 PEs · (2·4 − 1) · 11
        Assert.Equal(16, fc1.ScaleMultipliers);     // 4 PEs · f = 4
        Assert.Equal(3072, fc1.StoredWeightBits);   // (2 sign planes + 1 mask plane) · 1024
        Assert.Equal(96, fc1.MemoryWidthBitsPerPe); // 32 · 3
        Assert.Equal(8, fc1.CyclesPerSample);
        Assert.Equal(1204, fc1.Luts, Tolerance);    // 768·0.5 + 512 + 308
        Assert.Equal(8, fc1.Bram36);                // per PE max(⌈768 / 36864⌉ = 1, ⌈96 / 72⌉ = 2) = 2, · 4
        Assert.Equal(48, fc1.Dsps);                 // 16 · 3
        Assert.Equal(128_042, fc1.LogicAreaSquareMicrometers, Tolerance); // 768·1.5 + 820·4.5 + 16·7700
        Assert.Equal(1536, fc1.MemoryAreaSquareMicrometers, Tolerance);   // 3072 · 0.5
        // 2868·0.004 + 176 adds (16 outputs · (2·4 + 3)) · 0.03·11/8 + 64·3.7 = 11.472 + 7.26 + 236.8
        Assert.Equal(255.532, fc1.ComputeEnergyPicojoules, Tolerance);
        Assert.Equal(480, fc1.MemoryEnergyPicojoules, Tolerance);         // 3072 bits · 5/32

        var fc2 = r.Layers[1];
        // pe = 4, simd = 16, lanes 64, folds ⌈10/4⌉·1 = 3.
        Assert.Equal((64L, 64L, 28L), (fc2.ProductGates, fc2.PopcountInputs, fc2.AdderBits)); // adders 4·1·7
        Assert.Equal((160L, 16L, 3L), (fc2.StoredWeightBits, fc2.MemoryWidthBitsPerPe, fc2.CyclesPerSample));
        Assert.Equal(124, fc2.Luts, Tolerance);
        Assert.Equal(4, fc2.Bram36);
        Assert.Equal(0, fc2.Dsps);
        Assert.Equal(510, fc2.LogicAreaSquareMicrometers, Tolerance);     // 64·1.5 + 92·4.5
        Assert.Equal(0.9025, fc2.ComputeEnergyPicojoules, Tolerance);     // 160·0.004 + 10·0.03·7/8
        Assert.Equal(25, fc2.MemoryEnergyPicojoules, Tolerance);

        Assert.Equal(1328, r.Luts, Tolerance);
        Assert.Equal((12L, 48L, 11L), (r.Bram36, r.Dsps, r.CyclesPerSample));
    }

    [Fact]
    public void Estimate_Unrolled_MatchesHandCounts()
    {
        var r = Estimate(AcceleratorArchitecture.Unrolled);
        var fc1 = r.Layers[0];
        Assert.Equal((16, 64), (fc1.ProcessingElements, fc1.SimdLanes));
        Assert.Equal(0, fc1.ProductGates);          // hardwired weight bits: wires or inverters
        Assert.Equal(2868, fc1.PopcountInputs);     // P·a = 1434·2
        Assert.Equal(528, fc1.AdderBits);           // 16 · (4 − 1) · 11
        Assert.Equal(64, fc1.ScaleMultipliers);     // 16 · 4
        Assert.Equal((0L, 0L, 1L), (fc1.StoredWeightBits, fc1.Bram36, fc1.CyclesPerSample));
        Assert.Equal(3396, fc1.Luts, Tolerance);
        Assert.Equal(192, fc1.Dsps);
        Assert.Equal(508_082, fc1.LogicAreaSquareMicrometers, Tolerance); // 3396·4.5 + 64·7700
        Assert.Equal(250.252, fc1.ComputeEnergyPicojoules, Tolerance);    // 11.472 + 48·0.04125 + 236.8
        Assert.Equal(0, fc1.MemoryEnergyPicojoules);

        var fc2 = r.Layers[1];
        Assert.Equal((160L, 0L), (fc2.PopcountInputs, fc2.AdderBits));
        Assert.Equal(160, fc2.Luts, Tolerance);
        Assert.Equal(720, fc2.LogicAreaSquareMicrometers, Tolerance);
        Assert.Equal(0.64, fc2.ComputeEnergyPicojoules, Tolerance);
    }

    [Fact]
    public void Estimate_BitSerial_MatchesHandCounts()
    {
        var r = Estimate(AcceleratorArchitecture.BitSerial);
        var fc1 = r.Layers[0];
        Assert.Equal((256L, 128L, 44L), (fc1.ProductGates, fc1.PopcountInputs, fc1.AdderBits)); // lanes·(1 + mask), lanes, 4·11
        Assert.Equal(4, fc1.ScaleMultipliers);      // one per PE, shared by the passes
        Assert.Equal((3072L, 64L, 32L), (fc1.StoredWeightBits, fc1.MemoryWidthBitsPerPe, fc1.CyclesPerSample)); // 8 folds · 4 passes
        Assert.Equal(300, fc1.Luts, Tolerance);
        Assert.Equal((4L, 12L), (fc1.Bram36, fc1.Dsps));
        Assert.Equal(253.552, fc1.ComputeEnergyPicojoules, Tolerance);    // 11.472 + 128·0.04125 + 236.8
        Assert.Equal(960, fc1.MemoryEnergyPicojoules, Tolerance);         // a = 2 passes over 3072 stored bits

        var fc2 = r.Layers[1];
        Assert.Equal((64L, 64L, 28L, 3L), (fc2.ProductGates, fc2.PopcountInputs, fc2.AdderBits, fc2.CyclesPerSample));
        Assert.Equal(25, fc2.MemoryEnergyPicojoules, Tolerance);
    }

    [Fact]
    public void Estimate_LayersWithoutMacs_CostNothing()
    {
        var network = new NetworkCostInput("bn", 16, 32, [LayerCostInput.BatchNorm("bn", 16, 1, 32)]);
        var e = AcceleratorEstimator.Estimate(network).Layers[0];
        Assert.Equal(Datapath.None, e.Datapath);
        Assert.Equal((0.0, 0L, 0L, 0.0, 0.0), (e.Luts, e.Bram36, e.Dsps, e.AreaSquareMicrometers, e.EnergyPicojoules));
    }

    [Fact]
    public void Estimate_FloatDense_UsesFloatUnitsAndMemory()
    {
        var network = new NetworkCostInput("fp", 4, 32, [LayerCostInput.Dense("fp", 4, 2, OperandEncoding.Float32, OperandEncoding.Float32, 32)]);
        var e = AcceleratorEstimator.Estimate(network).Layers[0];
        // pe = 2, simd = 4: 8 lanes, each one float32 multiplier and adder; 256 stored bits, 128 bits per PE per cycle.
        Assert.Equal((8L, 8L), (e.FloatMultipliers, e.FloatAdders));
        Assert.Equal(8 * 3 + 8 * 2, e.Dsps);
        Assert.Equal(4, e.Bram36);                  // per PE: 128 stored bits -> 1 block, width 4·32 = 128 bits -> ⌈128 / 72⌉ = 2; · 2 PEs
        Assert.Equal(36.8, e.ComputeEnergyPicojoules, Tolerance); // the cost model's 8 · (3.7 + 0.9)
        Assert.Equal(40, e.MemoryEnergyPicojoules, Tolerance);    // one position: 256 bits · 5/32
    }

    [Fact]
    public void Options_NonPositiveArray_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => AcceleratorEstimator.Estimate(TwoLayers(), new AcceleratorOptions { ProcessingElements = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => AcceleratorEstimator.Estimate(TwoLayers(), new AcceleratorOptions { SimdLanes = -1 }));
    }

    [Fact]
    public void Estimate_WeightsNotWholeRows_ThrowsNamingLayer()
    {
        var bad = LayerCostInput.Dense("odd", 4, 2, OperandEncoding.Binary, OperandEncoding.Binary, 1) with { Weights = 7, Macs = 7 };
        var e = Assert.Throws<ArgumentException>(() => AcceleratorEstimator.Estimate(new NetworkCostInput("x", 4, 32, [bad])));
        Assert.Contains("odd", e.Message);
    }
}
