using Lowbit.Hardware.Accelerators;

namespace Lowbit.Hardware.Tests.Accelerators;

/// <summary>
/// HBB's hardware claim (Fromm et al. 2018: heterogeneous bit maps give correspondingly smaller FPGA/ASIC area and
/// energy) under the estimates of docs/COST-MODEL.md, section 11: it holds where the bit map is wiring (unrolled,
/// hardwired weights) and fails where a per-weight bit map must be stored and read (folded and bit-serial arrays).
/// Layer: 3×3 convolution 64→64 on a 16×16 output with 2-plane residual inputs; heterogeneous weights with
/// B_max = 2 and |A_2| = (n̄ − 1)·N, against homogeneous residual 1- and 2-plane weights.
/// </summary>
public sealed class HbbHardwareClaimTests
{
    private const int N = 64 * 64 * 9;

    private static LayerCostInput Conv(OperandEncoding weights, IReadOnlyList<long>? levels = null) =>
        LayerCostInput.Conv2d("conv", 64, 64, 3, 3, 16, 16, weights, OperandEncoding.Residual(2), 32, activeWeightsPerLevel: levels) with { ScaleCount = weights.Bits };

    private static LayerCostInput Heterogeneous(double averageBits) =>
        Conv(OperandEncoding.Heterogeneous(2), [N, (long)Math.Round((averageBits - 1) * N)]);

    private static AcceleratorLayerEstimate Estimate(LayerCostInput layer, AcceleratorArchitecture architecture) =>
        AcceleratorEstimator.Estimate(new NetworkCostInput("c", 64 * 16 * 16, 32, [layer]), new AcceleratorOptions { Architecture = architecture }).Layers[0];

    [Fact]
    public void Unrolled_AreaLutsAndEnergy_FallWithAverageBits()
    {
        double[] bits = [2.0, 1.8, 1.6, 1.4, 1.2, 1.0];
        var estimates = bits.Select(b => Estimate(Heterogeneous(b), AcceleratorArchitecture.Unrolled)).ToArray();
        for (int i = 1; i < estimates.Length; i++)
        {
            Assert.True(estimates[i].Luts < estimates[i - 1].Luts, $"LUTs at n̄ = {bits[i]} not below n̄ = {bits[i - 1]}");
            Assert.True(estimates[i].AreaSquareMicrometers < estimates[i - 1].AreaSquareMicrometers, $"area at n̄ = {bits[i]}");
            Assert.True(estimates[i].EnergyPicojoules < estimates[i - 1].EnergyPicojoules, $"energy at n̄ = {bits[i]}");
        }

        // At n̄ = B_max the heterogeneous layer is the homogeneous one (the map is wiring); at n̄ = 1 it still pays for
        // the second plane's combining adders and scale multipliers, so it costs more than homogeneous 1-plane weights.
        var res2 = Estimate(Conv(OperandEncoding.Residual(2)), AcceleratorArchitecture.Unrolled);
        var res1 = Estimate(Conv(OperandEncoding.Residual(1)), AcceleratorArchitecture.Unrolled);
        Assert.Equal(res2.Luts, estimates[0].Luts);
        Assert.Equal(res2.EnergyPicojoules, estimates[0].EnergyPicojoules, 1e-6);
        Assert.True(estimates[^1].Luts > res1.Luts);
    }

    [Theory]
    [InlineData(AcceleratorArchitecture.Folded)]
    [InlineData(AcceleratorArchitecture.BitSerial)]
    public void StoredBitMap_HeterogeneousCostsMoreThanHomogeneousTwoBit(AcceleratorArchitecture architecture)
    {
        var res2 = Estimate(Conv(OperandEncoding.Residual(2)), architecture);
        foreach (double b in new[] { 1.2, 1.4, 1.6 })
        {
            var het = Estimate(Heterogeneous(b), architecture);
            Assert.Equal(3L * N, het.StoredWeightBits);          // two dense sign planes + one mask plane, whatever n̄
            Assert.Equal(2L * N, res2.StoredWeightBits);
            Assert.True(het.Luts > res2.Luts, $"LUTs at n̄ = {b}");            // lanes sized for B_max, plus mask gates
            Assert.Equal(res2.CyclesPerSample, het.CyclesPerSample);            // passes use B_max
            Assert.True(het.EnergyPicojoules > res2.EnergyPicojoules, $"energy at n̄ = {b}"); // weight reads dominate
        }
    }

    [Fact]
    public void CostModel_CompactMasks_BreakEvenNeedsSpatialReuse()
    {
        // Weights read once per sample with compact nested masks (the cost model's energy): per weight HBB 1.4 saves
        // S·a·(2 − 1.4)·0.004 pJ of XNOR work and pays 0.4 more stored bits (1.4 payload + 1 mask vs 2) · 5/32 pJ.
        // Break-even S·a = 0.4·(5/32) / (0.6·0.004) = 26.04: a dense layer (S = 1) loses, a 16×16 convolution wins.
        static double SavingPerWeight(long positions)
        {
            static LayerCostInput Dense(OperandEncoding w, long positions, IReadOnlyList<long>? levels) =>
                LayerCostInput.Conv2d("c", 10, 10, 1, 1, (int)positions, 1, w, OperandEncoding.Residual(2), 32, activeWeightsPerLevel: levels);
            var het = CostModel.EstimateLayer(Dense(OperandEncoding.Heterogeneous(2), positions, [100, 40]));
            var res2 = CostModel.EstimateLayer(Dense(OperandEncoding.Residual(2), positions, null));
            return (res2.TotalEnergyPicojoules - het.TotalEnergyPicojoules) / 100;
        }

        Assert.True(SavingPerWeight(1) < 0);
        Assert.True(SavingPerWeight(12) < 0);    // S·a = 24 < 26.04
        Assert.True(SavingPerWeight(14) > 0);    // S·a = 28 > 26.04
        Assert.True(SavingPerWeight(256) > 0);
        Assert.Equal(256 * 2 * 0.6 * 0.004 - 0.4 * 5.0 / 32, SavingPerWeight(256), 1e-9);
    }
}
