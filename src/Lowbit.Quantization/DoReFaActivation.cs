using Lowbit.Tensors;

namespace Lowbit.Quantization;

/// <summary>DoReFa-Net k-bit activations (<c>dorefa_act</c>).</summary>
/// <remarks>
/// Forward: q = quantize_k(clip(x, 0, 1)) = round((2^k − 1)·clip(x, 0, 1))/(2^k − 1), round half away from
/// zero; levels {0, 1/(2^k − 1), …, 1}.
/// Backward: identity STE inside the clip range, g_x = g·1[0 ≤ x ≤ 1] (inclusive, like <c>Tensor.Clamp</c>), else 0.
/// Unsigned. Options: <c>bits</c> (1..16, default 2).
/// Paper: Zhou et al., "DoReFa-Net", arXiv 1606.06160 (METHODS.md §7.2); QNN uses the same form (§5).
/// </remarks>
public sealed class DoReFaActivation : Quantizer
{
    /// <summary>Creates the quantizer.</summary>
    /// <param name="bits">Activation bits k (1..16).</param>
    /// <exception cref="ArgumentOutOfRangeException">bits outside 1..16.</exception>
    public DoReFaActivation(int bits = 2) => Bits = QuantMath.CheckBits(bits, 1, 16, "dorefa_act");

    /// <summary>Activation bits k.</summary>
    public int Bits { get; }

    /// <inheritdoc/>
    public override string Name => "dorefa_act";

    /// <inheritdoc/>
    public override IReadOnlyDictionary<string, object>? Options => new Dictionary<string, object>(StringComparer.Ordinal) { ["bits"] = Bits };

    /// <inheritdoc/>
    public override double BitWidth => Bits;

    /// <inheritdoc/>
    public override bool Signed => false;

    /// <inheritdoc/>
    public override Tensor Quantize(Tensor x, QuantizerContext context)
    {
        ArgumentNullException.ThrowIfNull(x);
        int bits = Bits;
        return QuantMath.Apply(x, (double v, int _, out double slope) =>
        {
            slope = v >= 0 && v <= 1 ? 1 : 0;
            return QuantMath.QuantizeUnit(Math.Clamp(v, 0, 1), bits);
        });
    }
}
