using Lowbit.Tensors;

namespace Lowbit.Quantization;

/// <summary>
/// Few Multiplications' power-of-two quantized back-propagation, used as a layer's input quantizer
/// (<c>fm_pow2_input</c>): the forward pass and the propagated error are unchanged, the weight gradient uses
/// x_q = sign(x)·2^e.
/// </summary>
/// <remarks>
/// Forward: <see cref="Quantize"/> returns x (identity; its gradient passes unchanged, so g_x = Wᵀδ stays exact).
/// Weight gradient: <see cref="WeightGradientInput"/> returns x_q and the layer computes g_W = δᵀ·x_q through
/// <see cref="QuantizedBackprop.Linear"/> (a hook in the layer; see that method).
/// x_q: e0 = floor(log2|x|); e = e0 + 1 with probability |x|/2^e0 − 1, else e0 (stochastic rounding of the
/// exponent, unbiased: E[x_q] = x); the exponent is limited to [min_exponent, max_exponent]
/// (default [−8, 0], our choice: the paper bounds the exponent range, but its released code shows no bound):
/// |x| ≥ 2^max_exponent saturates to ±2^max_exponent, and
/// |x| &lt; 2^min_exponent rounds stochastically between 0 and ±2^min_exponent with probability |x|/2^min_exponent
/// (our choice: keeps the estimate unbiased instead of clamping up). x = 0 gives 0; sign(0) is irrelevant.
/// Options: <c>min_exponent</c>, <c>max_exponent</c> (−126 ≤ min ≤ max ≤ 127).
/// Paper: Lin, Courbariaux, Memisevic, Bengio, "Neural Networks with Few Multiplications", arXiv 1510.03009.
/// </remarks>
public sealed class PowerOfTwoBackprop : Quantizer
{
    /// <summary>Creates the quantizer.</summary>
    /// <param name="minExponent">Smallest exponent (≥ −126).</param>
    /// <param name="maxExponent">Largest exponent (≤ 127, ≥ minExponent).</param>
    /// <exception cref="ArgumentOutOfRangeException">The exponent range is empty or outside float's.</exception>
    public PowerOfTwoBackprop(int minExponent = -8, int maxExponent = 0)
    {
        if (minExponent < -126 || minExponent > 127)
            throw new ArgumentOutOfRangeException(nameof(minExponent), minExponent, "fm_pow2_input: min_exponent must be in [−126, 127].");
        if (maxExponent < minExponent || maxExponent > 127)
            throw new ArgumentOutOfRangeException(nameof(maxExponent), maxExponent, $"fm_pow2_input: max_exponent must be in [min_exponent = {minExponent}, 127].");
        MinExponent = minExponent;
        MaxExponent = maxExponent;
    }

    /// <summary>Smallest exponent.</summary>
    public int MinExponent { get; }

    /// <summary>Largest exponent.</summary>
    public int MaxExponent { get; }

    /// <inheritdoc/>
    public override string Name => "fm_pow2_input";

    /// <inheritdoc/>
    public override IReadOnlyDictionary<string, object>? Options => new Dictionary<string, object>(StringComparer.Ordinal) { ["min_exponent"] = MinExponent, ["max_exponent"] = MaxExponent };

    /// <inheritdoc/>
    /// <remarks>The forward value is exact; only the weight gradient sees the power-of-two input.</remarks>
    public override bool IdentityAtEvaluation => true;

    /// <summary>Bits of x_q in the weight-gradient product: a sign plus an exponent index.</summary>
    public override double BitWidth => 1 + Math.Ceiling(Math.Log2(MaxExponent - MinExponent + 2));

    /// <inheritdoc/>
    public override Tensor Quantize(Tensor x, QuantizerContext context)
    {
        ArgumentNullException.ThrowIfNull(x);
        return x;
    }

    /// <inheritdoc/>
    public override Tensor? WeightGradientInput(Tensor input, QuantizerContext context)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(context);
        if (!context.Training) return null;
        return QuantizePowerOfTwo(input, QuantMath.RequireRandom(context, Name), MinExponent, MaxExponent);
    }

    /// <summary>x_q for every element (no autograd), drawing one uniform number per non-zero element.</summary>
    internal static Tensor QuantizePowerOfTwo(Tensor x, Random random, int minExponent, int maxExponent)
    {
        var v = x.ToDoubleArray();
        var q = Tensor.ZerosLike(x);
        double low = Math.ScaleB(1.0, minExponent), high = Math.ScaleB(1.0, maxExponent);
        for (int i = 0; i < v.Length; i++)
        {
            double a = Math.Abs(v[i]);
            if (a == 0) continue;
            double m;
            if (a >= high) m = high;
            else if (a < low) m = random.NextDouble() < a / low ? low : 0;
            else
            {
                int e0 = Math.ILogB(a);
                double floor = Math.ScaleB(1.0, e0);
                m = random.NextDouble() < a / floor - 1 ? 2 * floor : floor;
            }
            q.SetFlat(i, Math.CopySign(m, v[i]));
        }
        return q;
    }
}
