namespace Lowbit.Hardware;

/// <summary>
/// Which storage format of the heterogeneous bit map is counted in a layer's metadata and total bits (docs/COST-MODEL.md
/// section 2).
/// </summary>
public enum HeterogeneousMetadataScheme
{
    /// <summary>
    /// Nested masks, stored compactly: m_1 is all ones and is not stored; m_{j+1} is stored only over A_j.
    /// Cost Σ_{j=1}^{B_max−1} |A_j| = N + |A_2| + … + |A_{B_max−1}| bits.
    /// </summary>
    NestedMasks,

    /// <summary>An explicit per-weight code of ⌈log2 B_max⌉ bits (B_max choices 1..B_max).</summary>
    ExplicitCode,
}
