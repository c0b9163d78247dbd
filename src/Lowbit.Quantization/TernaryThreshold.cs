using Lowbit.Tensors;

namespace Lowbit.Quantization;

/// <summary>Threshold ternary weights in the style of Ternary Weight Networks (<c>ternary</c>).</summary>
/// <remarks>
/// Forward (per tensor, or per output channel with per_channel): Δ = t·mean|w| (t = <c>threshold</c>, default 0.7);
/// α = mean of |w_i| over {i : |w_i| &gt; Δ} (strict; α = 0 when that set is empty, i.e. an all-zero group);
/// q_i = α·sign(w_i) when |w_i| &gt; Δ, else 0. Levels {−α, 0, α}.
/// Backward: identity STE, g_w = g (Δ and α are constants in backward).
/// Options: <c>threshold</c> (t in (0, 1], default 0.7), <c>per_channel</c> (default false).
/// Paper: Li, Zhang, Liu, "Ternary Weight Networks", arXiv 1605.04711.
/// </remarks>
public sealed class TernaryThreshold : Quantizer
{
    /// <summary>Creates the quantizer.</summary>
    /// <param name="threshold">Threshold factor t in (0, 1].</param>
    /// <param name="perChannel">Per-output-channel Δ and α.</param>
    /// <exception cref="ArgumentOutOfRangeException">t outside (0, 1].</exception>
    public TernaryThreshold(double threshold = 0.7, bool perChannel = false)
    {
        if (!(threshold > 0 && threshold <= 1))
            throw new ArgumentOutOfRangeException(nameof(threshold), threshold, "ternary: threshold must be in (0, 1].");
        Threshold = threshold;
        PerChannel = perChannel;
    }

    /// <summary>Threshold factor t.</summary>
    public double Threshold { get; }

    /// <summary>Per-output-channel statistics.</summary>
    public bool PerChannel { get; }

    /// <inheritdoc/>
    public override string Name => "ternary";

    /// <inheritdoc/>
    public override IReadOnlyDictionary<string, object>? Options => new Dictionary<string, object>(StringComparer.Ordinal) { ["threshold"] = Threshold, ["per_channel"] = PerChannel };

    /// <inheritdoc/>
    public override double BitWidth => 2;

    /// <inheritdoc/>
    public override Tensor Quantize(Tensor x, QuantizerContext context)
    {
        ArgumentNullException.ThrowIfNull(x);
        int groups = QuantMath.Groups(x, PerChannel, Name);
        var v = x.ToDoubleArray();
        int size = v.Length / groups;
        var delta = QuantMath.MeanAbs(x, groups);
        var alpha = new double[groups];
        for (int c = 0; c < groups; c++)
        {
            delta[c] *= Threshold;
            double sum = 0;
            int count = 0;
            for (int i = c * size; i < (c + 1) * size; i++)
                if (Math.Abs(v[i]) > delta[c]) { sum += Math.Abs(v[i]); count++; }
            alpha[c] = count == 0 ? 0 : sum / count;
        }
        return QuantMath.Apply(x, (double w, int i, out double slope) =>
        {
            slope = 1;
            int c = i / size;
            return Math.Abs(w) > delta[c] ? alpha[c] * QuantMath.Sign(w) : 0;
        });
    }
}
