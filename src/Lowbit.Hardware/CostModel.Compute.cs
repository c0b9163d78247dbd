namespace Lowbit.Hardware;

public static partial class CostModel
{
    internal readonly record struct OperationCounts(long BinaryWork, double Bops, double UniqBops, long ScaleMultiplications);

    internal readonly record struct HardwareCounts(long XnorGates, int Passes, double EffectivePasses);

    /// <remarks>
    /// docs/COST-MODEL.md section 3. BinaryWork = S_l · b_a · Σ_j |A_j| (HBB's work model, Fromm et al., arXiv 1805.10368).
    /// Bops = MAC · b_w · b_a with MAC · Σ_j |A_j| / N for MAC · b_w (exact per-level counts);
    /// UniqBops = MAC · (b_w·b_a + b_w + b_a + log2 fanIn) (UNIQ, Baskin et al., arXiv 1804.10969) with b_w = n̄, so its first term equals Bops.
    /// Float operands count 32 planes.
    /// </remarks>
    internal static OperationCounts ComputeOperations(LayerCostInput layer, long weightPlaneBits)
    {
        if (layer.Macs == 0)
        {
            return default;
        }

        long activationPlanes = layer.ActivationEncoding.Bits;
        long binaryWork = checked(layer.OutputPositions * activationPlanes * weightPlaneBits);
        double bops = layer.Macs % layer.Weights == 0
            ? checked(layer.Macs / layer.Weights * weightPlaneBits * activationPlanes)
            : (double)layer.Macs * weightPlaneBits / layer.Weights * activationPlanes;
        double averageWeightBits = (double)weightPlaneBits / layer.Weights;
        double uniq = bops + layer.Macs * (averageWeightBits + activationPlanes + Math.Log2(layer.FanIn));
        return new OperationCounts(binaryWork, bops, uniq, checked(layer.OutputElements * ScaleMultiplicationsPerOutput(layer)));
    }

    /// <remarks>
    /// docs/COST-MODEL.md section 3: one real multiply per (weight plane, activation plane, output) for residual schemes, one per
    /// output for XNOR-style α·K. Scaled weight planes: B (residual / heterogeneous), 1 for uniform weights with stored
    /// scales, 0 otherwise. Scaled activation planes: B_a for residual activations, else 0 (one uniform activation scale
    /// folds into the weight scale or the following BN threshold). Product when both are present, otherwise the
    /// non-zero one.
    /// </remarks>
    internal static long ScaleMultiplicationsPerOutput(LayerCostInput layer)
    {
        long weightPlanes = layer.WeightEncoding.Kind switch
        {
            QuantizationKind.Residual or QuantizationKind.Heterogeneous => layer.WeightEncoding.Bits,
            QuantizationKind.Uniform when layer.ScaleCount > 0 => 1,
            _ => 0,
        };
        long activationPlanes = layer.ActivationEncoding.Kind == QuantizationKind.Residual ? layer.ActivationEncoding.Bits : 0;
        return weightPlanes > 0 && activationPlanes > 0 ? weightPlanes * activationPlanes : Math.Max(weightPlanes, activationPlanes);
    }

    internal static Datapath ClassifyDatapath(LayerCostInput layer)
    {
        var weights = layer.WeightEncoding;
        bool floatActivations = !layer.ActivationEncoding.IsQuantized;
        if (layer.Macs == 0)
        {
            return Datapath.None;
        }

        if (!weights.IsQuantized)
        {
            return Datapath.Float;
        }

        if (weights.IsSignPlanes)
        {
            return floatActivations ? Datapath.SignFlip : Datapath.Binary;
        }

        return floatActivations ? Datapath.Float : Datapath.Integer;
    }

    /// <remarks>
    /// Energy estimate from the 45 nm table (<see cref="Horowitz45nm"/>; docs/COST-MODEL.md section 5), per datapath (pJ):
    /// Float: MAC·(3.7 + 0.9). SignFlip: MAC·n̄·0.9 (one float add per active weight-plane bit).
    /// Binary: Bops·0.004 (one XNOR-popcount step per bit operation).
    /// Integer: MAC·(E_mul(b_w, b_a) + E_add(b_w + b_a + ⌈log2 fanIn⌉)).
    /// Plus 3.7 per scale multiplication (float32 multiply).
    /// </remarks>
    internal static double ComputeEnergy(LayerCostInput layer, Datapath datapath, OperationCounts counts, long weightPlaneBits)
    {
        double macEnergy = datapath switch
        {
            Datapath.None => 0,
            Datapath.Float => layer.Macs * (Horowitz45nm.Float32MultPicojoules + Horowitz45nm.Float32AddPicojoules),
            Datapath.SignFlip => (double)layer.Macs * weightPlaneBits / layer.Weights * Horowitz45nm.Float32AddPicojoules,
            Datapath.Binary => counts.Bops * Horowitz45nm.XnorPopcountPicojoules,
            Datapath.Integer => layer.Macs * IntegerMacPicojoules(layer),
            _ => throw new ArgumentOutOfRangeException(nameof(datapath), datapath, "Unknown datapath."),
        };
        return macEnergy + counts.ScaleMultiplications * Horowitz45nm.Float32MultPicojoules;
    }

    private static double IntegerMacPicojoules(LayerCostInput layer)
    {
        int weightBits = layer.WeightEncoding.Bits;
        int activationBits = layer.ActivationEncoding.Bits;
        int accumulatorBits = weightBits + activationBits + CeilingLog2(layer.FanIn);
        return Horowitz45nm.IntegerMultiplyPicojoules(weightBits, activationBits) + Horowitz45nm.IntegerAddPicojoules(accumulatorBits);
    }

    /// <remarks>
    /// Area and bit-serial models (docs/COST-MODEL.md section 6), for Binary and Integer datapaths only:
    /// gates = Σ_j |A_j| · b_a (XNOR for ±1 planes, AND for unsigned planes); popcount full adders ≈ gates;
    /// passes = weight planes (B_max) × activation planes; effective passes = n̄ · b_a.
    /// </remarks>
    internal static HardwareCounts? ComputeHardware(LayerCostInput layer, Datapath datapath, long weightPlaneBits)
    {
        if (datapath is not (Datapath.Binary or Datapath.Integer))
        {
            return null;
        }

        int activationPlanes = layer.ActivationEncoding.Bits;
        long gates = checked(weightPlaneBits * activationPlanes);
        int passes = layer.WeightEncoding.Bits * activationPlanes;
        double effective = (double)weightPlaneBits / layer.Weights * activationPlanes;
        return new HardwareCounts(gates, passes, effective);
    }
}
