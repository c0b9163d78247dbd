namespace Lowbit.Hardware;

public static partial class CostModel
{
    internal readonly record struct MemoryBits(
        long PayloadBits, double AverageWeightBits, long MetadataBits, long NestedMaskBits, long ExplicitCodeBits,
        double EntropyBoundBits, long ScaleBits, long OtherFloatBits, long TotalBits, long BaselineBits);

    /// <remarks>
    /// docs/COST-MODEL.md section 2: weights Σ_l N_l·b_l + 32·#scales; heterogeneous payload Σ_j |A_j|; metadata per
    /// <see cref="HeterogeneousMetadataScheme"/>, plus the shift indices of shift-attention layers (indices · index bits);
    /// float32 baseline 32·(N + other float parameters) + the shift indices.
    /// </remarks>
    internal static MemoryBits ComputeMemory(LayerCostInput layer, HeterogeneousMetadataScheme scheme)
    {
        long payload = WeightPlaneBits(layer);
        long nested = 0, explicitCode = 0;
        double entropy = 0;
        if (layer.WeightEncoding.Kind == QuantizationKind.Heterogeneous)
        {
            var levels = layer.ActiveWeightsPerLevel!;
            nested = NestedMaskBits(levels);
            explicitCode = checked(layer.Weights * CeilingLog2(layer.WeightEncoding.Bits));
            entropy = EntropyBoundBits(levels);
        }

        long metadata = scheme switch
        {
            HeterogeneousMetadataScheme.NestedMasks => nested,
            HeterogeneousMetadataScheme.ExplicitCode => explicitCode,
            _ => throw new ArgumentOutOfRangeException(nameof(scheme), scheme, "Use NestedMasks or ExplicitCode."),
        };
        long indexBits = checked(layer.ShiftIndices * layer.ShiftIndexBits);
        metadata = checked(metadata + indexBits);
        long scaleBits = 32L * layer.ScaleCount;
        long otherBits = checked(32 * layer.OtherFloatParameters);
        long total = checked(payload + metadata + scaleBits + otherBits);
        long baseline = checked(32 * (layer.Weights + layer.OtherFloatParameters) + indexBits);
        double average = layer.Weights > 0 ? (double)payload / layer.Weights : 0;
        return new MemoryBits(payload, average, metadata, nested, explicitCode, entropy, scaleBits, otherBits, total, baseline);
    }

    /// <summary>Σ_j |A_j|: bits of all weight planes (32·N for float, k·N uniform, B·N residual).</summary>
    internal static long WeightPlaneBits(LayerCostInput layer) => layer.WeightEncoding.Kind == QuantizationKind.Heterogeneous
        ? layer.ActiveWeightsPerLevel!.Sum()
        : checked(layer.Weights * layer.WeightEncoding.Bits);

    /// <summary>
    /// Compact nested masks: m_1 is all ones (not stored); m_{j+1} is stored only over A_j, for j = 1..B_max−1.
    /// Σ_{j=1}^{B_max−1} |A_j| = N + |A_2| + … + |A_{B_max−1}|.
    /// </summary>
    internal static long NestedMaskBits(IReadOnlyList<long> levels)
    {
        long bits = 0;
        for (int j = 0; j < levels.Count - 1; j++)
        {
            bits += levels[j];
        }

        return bits;
    }

    /// <summary>N·H(p) with p_b = c_b / N and c_b = |A_b| − |A_{b+1}| weights of exactly b bits; 0·log 0 = 0.</summary>
    internal static double EntropyBoundBits(IReadOnlyList<long> levels)
    {
        long n = levels[0];
        double bits = 0;
        for (int b = 0; b < levels.Count; b++)
        {
            long count = levels[b] - (b + 1 < levels.Count ? levels[b + 1] : 0);
            if (count > 0)
            {
                bits -= count * Math.Log2((double)count / n);
            }
        }

        return bits;
    }

    /// <summary>⌈log2 x⌉ for x ≥ 1 (0 for x = 1).</summary>
    internal static int CeilingLog2(long x)
    {
        System.Diagnostics.Debug.Assert(x >= 1);
        int bits = 0;
        while ((1L << bits) < x)
        {
            bits++;
        }

        return bits;
    }
}
