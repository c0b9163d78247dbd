using Lowbit.Tensors;

namespace Lowbit.Quantization;

/// <summary>
/// Optional cost description of a quantizer whose output is a sum of scaled ±1 bit planes: homogeneous residual
/// binarization or heterogeneous binarization with a bit map (HBB, Fromm et al., arXiv 1805.10368; docs/MIXED-PRECISION.md). The hardware cost model
/// (Lowbit.Hardware's ModelCostMapper) reads it when present; quantizers without it are described by
/// <see cref="Quantizer.BitWidth"/> alone (1 bit = ±1 code, integer k = k-bit uniform code).
/// </summary>
/// <remarks>
/// Symbols as in docs/COST-MODEL.md: B (or B_max) = <see cref="MaxPlanes"/>; A_j = {n : M_n ≥ j} is the set of elements active
/// on plane j, so |A_1| = N and |A_1| ≥ |A_2| ≥ … ≥ |A_B|.
/// </remarks>
public interface ICostInfo
{
    /// <summary>B for residual binarization, B_max for heterogeneous binarization (1..16).</summary>
    int MaxPlanes { get; }

    /// <summary>True when elements carry different numbers of planes (a bit map); false for homogeneous residual binarization.</summary>
    bool Heterogeneous { get; }

    /// <summary>
    /// The per-plane active counts |A_1|..|A_B| for the given latent tensor when <see cref="Heterogeneous"/> is true (the
    /// bit map the quantizer would use for it, e.g. frozen or recomputed by Middle-Out); null when every element is
    /// active on every plane.
    /// </summary>
    /// <param name="latent">The latent (real) tensor this quantizer is applied to, e.g. a layer's weights [out, in].</param>
    /// <returns>Exactly <see cref="MaxPlanes"/> non-increasing counts starting with N = latent.Length, or null.</returns>
    IReadOnlyList<long>? ActivePerLevel(Tensor latent);

    /// <summary>Float32 scales stored with a tensor quantized by this quantizer (one μ_j per plane, per-channel α, …).</summary>
    /// <param name="latent">The latent tensor.</param>
    /// <returns>The number of scales (≥ 0).</returns>
    int ScaleCount(Tensor latent);
}
