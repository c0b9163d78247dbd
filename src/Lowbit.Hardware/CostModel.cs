namespace Lowbit.Hardware;

/// <summary>
/// Pure cost model over layer descriptions: memory (payload, bit-map metadata, scales), compute (MACs, HBB binary
/// work, BOPs, UNIQ BOPs, scale multiplications), activation peak, and 45 nm energy/area/bit-serial estimates.
/// </summary>
/// <remarks>Formulas and their sources are listed in docs/COST-MODEL.md.</remarks>
public static partial class CostModel
{
    /// <summary>Computes the per-layer rows and totals of <paramref name="network"/>.</summary>
    /// <param name="network">Network input and layers in execution order.</param>
    /// <param name="options">Options, or null for <see cref="CostModelOptions.Default"/>.</param>
    /// <returns>The report.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="network"/> or one of its layers is null.</exception>
    /// <exception cref="ArgumentException">A layer or the input description is inconsistent.</exception>
    public static CostReport Estimate(NetworkCostInput network, CostModelOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(network.Layers, nameof(network));
        ArgumentException.ThrowIfNullOrWhiteSpace(network.Name, nameof(network));
        ArgumentOutOfRangeException.ThrowIfNegative(network.InputElements, nameof(network.InputElements));
        if (!double.IsFinite(network.InputBits) || network.InputBits < 0 || network.InputBits > 64)
        {
            throw new ArgumentOutOfRangeException(nameof(network), network.InputBits, "InputBits must be 0..64 bits per element.");
        }

        options ??= CostModelOptions.Default;
        var rows = new LayerCostRow[network.Layers.Count];
        for (int i = 0; i < rows.Length; i++)
        {
            var layer = network.Layers[i]
                ?? throw new ArgumentNullException(nameof(network), $"Layer {i} of '{network.Name}' is null.");
            rows[i] = EstimateLayer(layer, options);
        }

        double inputBits = network.InputElements * network.InputBits;
        return new CostReport(network.Name, options, rows, SumRows(rows, inputBits));
    }

    /// <summary>Computes the cost row of a single layer.</summary>
    /// <param name="layer">Layer description; validated first.</param>
    /// <param name="options">Options, or null for <see cref="CostModelOptions.Default"/>.</param>
    /// <returns>The row.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="layer"/> is null.</exception>
    /// <exception cref="ArgumentException">The layer description is inconsistent.</exception>
    public static LayerCostRow EstimateLayer(LayerCostInput layer, CostModelOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(layer);
        layer.Validate();
        options ??= CostModelOptions.Default;

        var memory = ComputeMemory(layer, options.MetadataScheme);
        var compute = ComputeOperations(layer, memory.PayloadBits);
        var datapath = ClassifyDatapath(layer);
        double computeEnergy = ComputeEnergy(layer, datapath, compute, memory.PayloadBits);
        double memoryEnergy = memory.TotalBits * Horowitz45nm.ReadPicojoulesPerBit(options.WeightMemory);
        var hardware = ComputeHardware(layer, datapath, memory.PayloadBits);

        return new LayerCostRow
        {
            Name = layer.Name,
            Kind = layer.Kind,
            WeightEncoding = layer.WeightEncoding,
            ActivationEncoding = layer.ActivationEncoding,
            Datapath = datapath,
            Weights = layer.Weights,
            AverageWeightBits = memory.AverageWeightBits,
            PayloadBits = memory.PayloadBits,
            MetadataBits = memory.MetadataBits,
            NestedMaskBits = memory.NestedMaskBits,
            ExplicitCodeBits = memory.ExplicitCodeBits,
            EntropyBoundBits = memory.EntropyBoundBits,
            ScaleBits = memory.ScaleBits,
            OtherFloatBits = memory.OtherFloatBits,
            TotalBits = memory.TotalBits,
            TotalBytes = CeilingBytes(memory.TotalBits),
            Float32BaselineBits = memory.BaselineBits,
            Float32BaselineBytes = memory.BaselineBits / 8,
            CompressionRatio = memory.TotalBits > 0 ? (double)memory.BaselineBits / memory.TotalBits : null,
            Macs = layer.Macs,
            BinaryWork = compute.BinaryWork,
            Bops = compute.Bops,
            UniqBops = compute.UniqBops,
            Fp32EquivalentBops = checked(layer.Macs * 32 * 32),
            ScaleMultiplications = compute.ScaleMultiplications,
            OutputActivationBits = layer.OutputElements * layer.OutputBits,
            ComputeEnergyPicojoules = computeEnergy,
            MemoryEnergyPicojoules = memoryEnergy,
            TotalEnergyPicojoules = computeEnergy + memoryEnergy,
            XnorGates = hardware?.XnorGates,
            PopcountFullAdders = hardware?.XnorGates,
            EstimatedAdderAreaSquareMicrometers = hardware?.XnorGates * Horowitz45nm.FullAdderAreaSquareMicrometers,
            BitSerialPassesPerOutput = hardware?.Passes,
            EffectiveBitSerialPassesPerOutput = hardware?.EffectivePasses,
            BitSerialCycles = hardware is null ? null : checked(layer.OutputElements * hardware.Value.Passes),
        };
    }

    internal static long CeilingBytes(long bits) => (bits + 7) / 8;

    private static CostTotals SumRows(IReadOnlyList<LayerCostRow> rows, double inputBits)
    {
        long weights = rows.Sum(r => r.Weights);
        long payload = rows.Sum(r => r.PayloadBits);
        long totalBits = rows.Sum(r => r.TotalBits);
        long baselineBits = rows.Sum(r => r.Float32BaselineBits);
        var (peak, peakLayer) = PeakActivation(rows, inputBits);
        return new CostTotals
        {
            Weights = weights,
            AverageWeightBits = weights > 0 ? (double)payload / weights : 0,
            PayloadBits = payload,
            MetadataBits = rows.Sum(r => r.MetadataBits),
            NestedMaskBits = rows.Sum(r => r.NestedMaskBits),
            ExplicitCodeBits = rows.Sum(r => r.ExplicitCodeBits),
            EntropyBoundBits = rows.Sum(r => r.EntropyBoundBits),
            ScaleBits = rows.Sum(r => r.ScaleBits),
            OtherFloatBits = rows.Sum(r => r.OtherFloatBits),
            TotalBits = totalBits,
            TotalBytes = rows.Sum(r => r.TotalBytes),
            Float32BaselineBits = baselineBits,
            Float32BaselineBytes = rows.Sum(r => r.Float32BaselineBytes),
            CompressionRatio = totalBits > 0 ? (double)baselineBits / totalBits : null,
            Macs = rows.Sum(r => r.Macs),
            BinaryWork = rows.Sum(r => r.BinaryWork),
            Bops = rows.Sum(r => r.Bops),
            UniqBops = rows.Sum(r => r.UniqBops),
            Fp32EquivalentBops = rows.Sum(r => r.Fp32EquivalentBops),
            ScaleMultiplications = rows.Sum(r => r.ScaleMultiplications),
            ComputeEnergyPicojoules = rows.Sum(r => r.ComputeEnergyPicojoules),
            MemoryEnergyPicojoules = rows.Sum(r => r.MemoryEnergyPicojoules),
            TotalEnergyPicojoules = rows.Sum(r => r.TotalEnergyPicojoules),
            XnorGates = rows.Sum(r => r.XnorGates ?? 0),
            PopcountFullAdders = rows.Sum(r => r.PopcountFullAdders ?? 0),
            EstimatedAdderAreaSquareMicrometers = rows.Sum(r => r.EstimatedAdderAreaSquareMicrometers ?? 0),
            BitSerialCycles = rows.Sum(r => r.BitSerialCycles ?? 0),
            InputActivationBits = inputBits,
            PeakActivationBits = peak,
            PeakActivationLayer = peakLayer,
        };
    }

    /// <remarks>
    /// Chain assumption: while layer l runs, its input (the output of l−1, or the network input for l = 1) and its
    /// output are live; earlier tensors are freed. Peak = max_l (in_l + out_l). Skip connections are not modelled.
    /// </remarks>
    private static (double Peak, string? Layer) PeakActivation(IReadOnlyList<LayerCostRow> rows, double inputBits)
    {
        double previous = inputBits;
        double peak = rows.Count == 0 ? inputBits : double.NegativeInfinity;
        string? peakLayer = null;
        foreach (var row in rows)
        {
            double live = previous + row.OutputActivationBits;
            if (live > peak)
            {
                peak = live;
                peakLayer = row.Name;
            }

            previous = row.OutputActivationBits;
        }

        return (peak, peakLayer);
    }
}
