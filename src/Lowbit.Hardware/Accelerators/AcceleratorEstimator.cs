namespace Lowbit.Hardware.Accelerators;

/// <summary>
/// FPGA (LUTs, BRAM36, DSPs) and 45 nm ASIC (area, energy) estimates per layer, from the same per-layer facts the
/// cost model uses (<see cref="LayerCostInput"/> and its <see cref="LayerCostRow"/>). Every formula and constant is in
/// docs/COST-MODEL.md, section 11; constants live in <see cref="FpgaConstants"/>, <see cref="AsicConstants"/> and
/// <see cref="Horowitz45nm"/>.
/// </summary>
/// <remarks>
/// Quantized × quantized layers are bit-plane arrays: a product of a weight plane and an activation plane is an XNOR
/// (±1 planes) or AND (unsigned planes) feeding a popcount, plane partial sums are combined by adders (shifts for
/// uniform planes, scale multiplies μ_j·ν_i for residual planes); this is the bit-serial formulation of DoReFa and the
/// residual one of Fromm et al. (HBB, 2018), laid out as in FINN (Umuroglu et al., 2017). Layers with a float operand
/// use float32 multipliers and adders. Batch norm, pooling, activations and branch sums are not charged (folded into
/// thresholds or negligible); the per-sample means of residual activations are taken as given.
/// </remarks>
public static class AcceleratorEstimator
{
    /// <summary>Estimates every layer of <paramref name="network"/>.</summary>
    /// <param name="network">The cost-model description of the network.</param>
    /// <param name="options">Architecture and array size, or null for <see cref="AcceleratorOptions.Default"/>.</param>
    /// <param name="costOptions">Cost-model options (metadata scheme, memory level) for the shared rows, or null for the defaults.</param>
    /// <returns>The report.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="network"/> is null.</exception>
    /// <exception cref="ArgumentException">A layer is inconsistent, or its weights are not a whole number of fan-in rows.</exception>
    public static AcceleratorReport Estimate(NetworkCostInput network, AcceleratorOptions? options = null, CostModelOptions? costOptions = null)
    {
        ArgumentNullException.ThrowIfNull(network);
        options ??= AcceleratorOptions.Default;
        options.Validate();
        var report = CostModel.Estimate(network, costOptions);
        var layers = new AcceleratorLayerEstimate[network.Layers.Count];
        for (int i = 0; i < layers.Length; i++)
        {
            layers[i] = EstimateLayer(network.Layers[i], report.Layers[i], options);
        }

        return new AcceleratorReport(network.Name, options, layers);
    }

    /// <summary>Estimates one layer given its cost-model row.</summary>
    /// <param name="layer">Layer description.</param>
    /// <param name="row">The row <see cref="CostModel.EstimateLayer"/> computed for <paramref name="layer"/>.</param>
    /// <param name="options">Architecture and array size.</param>
    /// <returns>The estimate.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException">The weights are not a whole number of fan-in rows.</exception>
    public static AcceleratorLayerEstimate EstimateLayer(LayerCostInput layer, LayerCostRow row, AcceleratorOptions options)
    {
        ArgumentNullException.ThrowIfNull(layer);
        ArgumentNullException.ThrowIfNull(row);
        ArgumentNullException.ThrowIfNull(options);
        var u = DatapathUnits.Of(layer, row, options);
        return new AcceleratorLayerEstimate
        {
            Name = layer.Name,
            Datapath = row.Datapath,
            WeightEncoding = layer.WeightEncoding,
            ActivationEncoding = layer.ActivationEncoding,
            AverageWeightBits = row.AverageWeightBits,
            OutputChannels = u.OutputChannels,
            ProcessingElements = u.ProcessingElements,
            SimdLanes = u.SimdLanes,
            ProductGates = u.ProductGates,
            PopcountInputs = u.PopcountInputs,
            AdderBits = u.AdderBits,
            ScaleMultipliers = u.ScaleMultipliers,
            FloatMultipliers = u.FloatMultipliers,
            FloatAdders = u.FloatAdders,
            StoredWeightBits = u.StoredWeightBits,
            MemoryWidthBitsPerPe = u.MemoryWidthBitsPerPe,
            CyclesPerSample = u.CyclesPerSample,
            Luts = u.ProductGates * FpgaConstants.LutsPerProductGate + u.PopcountInputs * FpgaConstants.LutsPerPopcountInput
                + u.AdderBits * FpgaConstants.LutsPerAdderBit,
            Bram36 = Bram36(u),
            Dsps = checked((u.ScaleMultipliers + u.FloatMultipliers) * FpgaConstants.DspsPerFloatMultiplier + u.FloatAdders * FpgaConstants.DspsPerFloatAdder),
            LogicAreaSquareMicrometers = u.ProductGates * AsicConstants.ProductGateSquareMicrometers
                + (u.PopcountInputs + u.AdderBits) * AsicConstants.FullAdderSquareMicrometers
                + (u.ScaleMultipliers + u.FloatMultipliers) * AsicConstants.Float32MultiplierSquareMicrometers
                + u.FloatAdders * AsicConstants.Float32AdderSquareMicrometers,
            MemoryAreaSquareMicrometers = u.StoredWeightBits * AsicConstants.SramBitSquareMicrometers,
            ComputeEnergyPicojoules = ComputeEnergy(row, u),
            MemoryEnergyPicojoules = u.WeightBitsReadPerSample * AsicConstants.SramReadPicojoulesPerBit,
        };
    }

    /// <summary>
    /// Each PE owns its weight memory (as in FINN): ⌈(stored bits / PE) / 36,864⌉ blocks for capacity, ⌈width / 72⌉
    /// for the bits it reads per cycle; the larger, times PE.
    /// </summary>
    private static long Bram36(DatapathUnits u)
    {
        if (u.StoredWeightBits == 0)
        {
            return 0;
        }

        long perPeBits = CeilDiv(u.StoredWeightBits, u.ProcessingElements);
        long blocks = Math.Max(CeilDiv(perPeBits, FpgaConstants.Bram36Bits), CeilDiv(u.MemoryWidthBitsPerPe, FpgaConstants.Bram36MaxWidthBits));
        return checked(u.ProcessingElements * blocks);
    }

    /// <summary>
    /// Bit-plane datapaths: one XNOR/AND-popcount step per bit operation (0.004 pJ, the cost model's charge) + the
    /// accumulator adds at their width (linear 45 nm interpolation) + scale multiplies (3.7 pJ each). Float datapaths:
    /// the cost model's compute energy (float32 multiply-adds, sign-flip adds, scale multiplies).
    /// </summary>
    private static double ComputeEnergy(LayerCostRow row, DatapathUnits u) => row.Datapath is Datapath.Binary or Datapath.Integer
        ? row.Bops * Horowitz45nm.XnorPopcountPicojoules
            + u.AccumulateAdds * Horowitz45nm.IntegerAddPicojoules(u.AccumulatorWidthBits)
            + row.ScaleMultiplications * Horowitz45nm.Float32MultPicojoules
        : row.ComputeEnergyPicojoules;

    internal static long CeilDiv(long a, long b) => (a + b - 1) / b;
}
