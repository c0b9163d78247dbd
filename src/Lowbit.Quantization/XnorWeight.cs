using Lowbit.Tensors;

namespace Lowbit.Quantization;

/// <summary>XNOR-Net / BWN scaled binary weights (<c>xnor_weight</c>).</summary>
/// <remarks>
/// Forward: q_i = α_c·sign(w_i), α_c = mean_{i in c}|w_i| = ||W_c||₁/n (n = elements per scale group: fan-in per
/// output filter when per_channel, the whole tensor otherwise); sign(0) = +1.
/// Backward (the paper's elementwise rule): g_{w_i} = g_i·(1/n + α_c·1[|w_i| ≤ 1]); the 1/n
/// term stands for the path through α, the second for sign with the clipped STE (inclusive at |w| = 1).
/// Options: <c>per_channel</c> (default true: one α per output filter, dimension 0).
/// Paper: Rastegari et al., "XNOR-Net", arXiv 1603.05279.
/// </remarks>
public sealed class XnorWeight : Quantizer
{
    /// <summary>Creates the quantizer.</summary>
    /// <param name="perChannel">One α per output channel (dimension 0) instead of one per tensor.</param>
    public XnorWeight(bool perChannel = true) => PerChannel = perChannel;

    /// <summary>Whether α is per output channel.</summary>
    public bool PerChannel { get; }

    /// <inheritdoc/>
    public override string Name => "xnor_weight";

    /// <inheritdoc/>
    public override IReadOnlyDictionary<string, object>? Options => new Dictionary<string, object>(StringComparer.Ordinal) { ["per_channel"] = PerChannel };

    /// <inheritdoc/>
    public override double BitWidth => 1;

    /// <inheritdoc/>
    public override Tensor Quantize(Tensor x, QuantizerContext context)
    {
        ArgumentNullException.ThrowIfNull(x);
        int groups = QuantMath.Groups(x, PerChannel, Name);
        var alpha = QuantMath.MeanAbs(x, groups);
        int size = x.Length / groups;
        double inverseN = 1.0 / size;
        return QuantMath.Apply(x, (double v, int i, out double slope) =>
        {
            double a = alpha[i / size];
            slope = inverseN + (Math.Abs(v) <= 1 ? a : 0);
            return a * QuantMath.Sign(v);
        });
    }
}
