namespace Lowbit.Hardware;

/// <summary>How the values of one operand (weights or activations) of a layer are represented.</summary>
public enum QuantizationKind
{
    /// <summary>IEEE float32, 32 bits per value; the datapath multiplies in floating point.</summary>
    Float32,

    /// <summary>
    /// k-bit uniform (integer / fixed-point) values, stored as k bit planes. k = 1 is the ±1 sign code of
    /// BinaryConnect/BinaryNet; k ≥ 2 are DoReFa/QNN/LSQ-style codes (docs/QUANTIZERS.md).
    /// </summary>
    Uniform,

    /// <summary>
    /// Homogeneous residual binarization with B ±1 planes and one float scale μ_j per plane (docs/MIXED-PRECISION.md):
    /// every value is active on every plane, so |A_j| = N for j = 1..B.
    /// </summary>
    Residual,

    /// <summary>
    /// Heterogeneous residual binarization with a per-value bit map M ∈ {1..B_max} (HBB, Fromm et al., arXiv 1805.10368): plane j acts on
    /// A_j = {n : M_n ≥ j}. Weights only; the per-level counts |A_j| come with the layer description.
    /// </summary>
    Heterogeneous,
}
