using Lowbit.Tensors;

namespace Lowbit.Quantization.MixedPrecision;

/// <summary>What the BitPruning regulariser pushes down (Nikolić et al., arXiv 2002.03090).</summary>
public enum BitPruningTarget
{
    /// <summary>Average bitlength over all groups: c_g = 1.</summary>
    AverageBits,

    /// <summary>Memory footprint: c_g = elements of group g.</summary>
    Memory,

    /// <summary>Bit operations: Σ_l MAC_l·n̄_w,l·n_a,l / Σ_l MAC_l.</summary>
    BitOperations,
}

/// <summary>One layer's entry for <see cref="BitPruningRegularizer"/>.</summary>
/// <param name="WeightBitLength">Learnable bitlengths n_g of the layer's weight groups, shape [groups] (equal-size groups).</param>
/// <param name="Elements">Weights of the layer (all groups together).</param>
/// <param name="Macs">Multiply-accumulates of the layer per sample.</param>
/// <param name="ActivationBitLength">Learnable activation bitlength (one element), or null to use <paramref name="ActivationBits"/>.</param>
/// <param name="ActivationBits">Fixed activation bits when <paramref name="ActivationBitLength"/> is null (32 for float).</param>
public sealed record BitPruningLayer(Tensor WeightBitLength, long Elements, long Macs, Tensor? ActivationBitLength = null, double ActivationBits = 32);

/// <summary>BitPruning's bit regulariser λ·R over a network (docs/MIXED-PRECISION.md), differentiable in every bitlength.</summary>
/// <remarks>
/// R = Σ_g c_g·n_g / Σ_g c_g over all weight groups g of all layers: c_g = 1 (<see cref="BitPruningTarget.AverageBits"/>)
/// or c_g = elements of g = Elements_l / groups_l (<see cref="BitPruningTarget.Memory"/>).
/// Bit operations: R = Σ_l MAC_l·n̄_w,l·n_a,l / Σ_l MAC_l with n̄_w,l the mean of the layer's n_g, so
/// ∂R/∂n_w,l,g = MAC_l·n_a,l / (groups_l·Σ MAC) and ∂R/∂n_a,l = MAC_l·n̄_w,l / Σ MAC (the form follows the paper as we read
/// it; the normalisation by Σ MAC is ours). The result is a rank-0 tensor built from autograd ops; add it to the task loss.
/// The paper's λ values are not confirmed; the caller picks one. Paper: Nikolić et al., arXiv 2002.03090.
/// </remarks>
/// <param name="target">What to penalise.</param>
/// <param name="lambda">Strength λ ≥ 0.</param>
public sealed class BitPruningRegularizer(BitPruningTarget target, double lambda)
{
    /// <summary>What is penalised.</summary>
    public BitPruningTarget Target { get; } = target;

    /// <summary>Strength λ.</summary>
    public double Lambda { get; } = lambda >= 0 && double.IsFinite(lambda) ? lambda
        : throw new ArgumentOutOfRangeException(nameof(lambda), lambda, "bitpruning: the regulariser strength λ must be a finite number ≥ 0.");

    /// <summary>λ·R for <paramref name="layers"/> (rank-0 tensor of the bitlengths' type).</summary>
    /// <exception cref="ArgumentException">No layers, empty bitlength tensors, non-positive sizes, or a zero MAC total for bit operations.</exception>
    public Tensor Compute(IReadOnlyList<BitPruningLayer> layers)
    {
        ArgumentNullException.ThrowIfNull(layers);
        if (layers.Count == 0) throw new ArgumentException("bitpruning: the regulariser needs at least one layer.", nameof(layers));
        foreach (var l in layers)
        {
            ArgumentNullException.ThrowIfNull(l.WeightBitLength, nameof(layers));
            if (l.WeightBitLength.Length == 0 || l.Elements <= 0 || l.Macs < 0)
                throw new ArgumentException($"bitpruning: layer with {l.WeightBitLength.Length} bitlengths, {l.Elements} elements and {l.Macs} MACs; need ≥ 1 bitlength, ≥ 1 element and ≥ 0 MACs.", nameof(layers));
            if (l.ActivationBitLength is { Length: not 1 })
                throw new ArgumentException($"bitpruning: an activation bitlength must have one element, got {l.ActivationBitLength}.", nameof(layers));
        }
        Tensor? total = null;
        double norm = 0;
        foreach (var l in layers)
        {
            Tensor sum = Tensor.Sum(l.WeightBitLength);
            int groups = l.WeightBitLength.Length;
            Tensor term;
            switch (Target)
            {
                case BitPruningTarget.AverageBits:
                    term = sum;
                    norm += groups;
                    break;
                case BitPruningTarget.Memory:
                    term = Tensor.MulScalar(sum, (double)l.Elements / groups);
                    norm += l.Elements;
                    break;
                default:
                    term = Tensor.MulScalar(sum, (double)l.Macs / groups);
                    term = l.ActivationBitLength is null ? Tensor.MulScalar(term, l.ActivationBits) : Tensor.Mul(term, Tensor.Sum(l.ActivationBitLength));
                    norm += l.Macs;
                    break;
            }
            total = total is null ? term : Tensor.Add(total, term);
        }
        if (!(norm > 0)) throw new ArgumentException("bitpruning: the bit-operation regulariser needs layers with MACs > 0.", nameof(layers));
        return Tensor.MulScalar(total!, Lambda / norm);
    }
}
