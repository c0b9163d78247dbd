using Lowbit.Tensors;
using Lowbit.Tensors.Autograd;

namespace Lowbit.Quantization;

/// <summary>DoReFa-Net k-bit weights (<c>dorefa_weight</c>).</summary>
/// <remarks>
/// k = 1: q = sign(w)·E with E = mean|w| (whole tensor, or per output channel with per_channel); sign(0) = +1.
/// Backward: E is a constant and sign has the identity STE, so g_w = g (tensorpack's fw(x/E)·E).
/// k &gt; 1: t = tanh(w); m = max|t| (tensor or channel); u = t/(2m) + 1/2 ∈ [0, 1]; q = 2·quantize_k(u) − 1 with
/// quantize_k(u) = round((2^k − 1)u)/(2^k − 1), round half away from zero. Levels: 2^k values in [−1, 1].
/// Backward: identity STE through quantize_k only; tanh, the division and the max are differentiated exactly
/// (the max's gradient goes to its first arg-max). If every t is 0, m is taken as 1 (u = 1/2; our choice).
/// Options: <c>bits</c> (1..16, default 1), <c>per_channel</c> (default false).
/// Paper: Zhou et al., "DoReFa-Net", arXiv 1606.06160.
/// </remarks>
public sealed class DoReFaWeight : Quantizer
{
    /// <summary>Creates the quantizer.</summary>
    /// <param name="bits">Weight bits k (1..16).</param>
    /// <param name="perChannel">Per-output-channel E (k = 1) or max (k &gt; 1) instead of per tensor.</param>
    /// <exception cref="ArgumentOutOfRangeException">bits outside 1..16.</exception>
    public DoReFaWeight(int bits = 1, bool perChannel = false)
    {
        Bits = QuantMath.CheckBits(bits, 1, 16, "dorefa_weight");
        PerChannel = perChannel;
    }

    /// <summary>Weight bits k.</summary>
    public int Bits { get; }

    /// <summary>Whether statistics are per output channel.</summary>
    public bool PerChannel { get; }

    /// <inheritdoc/>
    public override string Name => "dorefa_weight";

    /// <inheritdoc/>
    public override IReadOnlyDictionary<string, object>? Options => new Dictionary<string, object>(StringComparer.Ordinal) { ["bits"] = Bits, ["per_channel"] = PerChannel };

    /// <inheritdoc/>
    public override double BitWidth => Bits;

    /// <inheritdoc/>
    public override Tensor Quantize(Tensor x, QuantizerContext context)
    {
        ArgumentNullException.ThrowIfNull(x);
        int groups = QuantMath.Groups(x, PerChannel, Name);
        if (Bits == 1)
        {
            var e = QuantMath.MeanAbs(x, groups);
            int size = x.Length / groups;
            return QuantMath.Apply(x, (double v, int i, out double slope) =>
            {
                slope = 1;
                return QuantMath.Sign(v) * e[i / size];
            });
        }
        var u = Normalize(x, groups);
        int bits = Bits;
        var q = QuantMath.Apply(u, (double v, int _, out double slope) =>
        {
            slope = 1;
            return QuantMath.QuantizeUnit(v, bits);
        });
        return Tensor.AddScalar(Tensor.MulScalar(q, 2), -1);
    }

    /// <summary>The smooth pre-processing u = tanh(w)/(2·max|tanh(w)|) + 1/2 (differentiable; for k &gt; 1).</summary>
    internal static Tensor Normalize(Tensor w, int groups)
    {
        var t = Tensor.Tanh(w);
        var m = MaxAbs(t, groups);
        return Tensor.AddScalar(Tensor.Div(t, Tensor.MulScalar(m, 2)), 0.5);
    }

    /// <summary>max|t| per group, shape [groups, 1, …] (broadcastable against t); gradient to the first arg-max.</summary>
    private static Tensor MaxAbs(Tensor t, int groups)
    {
        var v = t.ToDoubleArray();
        int size = v.Length / groups;
        var argMax = new int[groups];
        var result = Tensor.Zeros(t.DType, QuantMath.ChannelShape(groups, Math.Max(t.Rank, 1)));
        for (int c = 0; c < groups; c++)
        {
            int best = c * size;
            for (int i = c * size + 1; i < (c + 1) * size; i++) if (Math.Abs(v[i]) > Math.Abs(v[best])) best = i;
            argMax[c] = best;
            double m = Math.Abs(v[best]);
            result.SetFlat(c, m > 0 ? m : 1.0);
        }
        return GradGraph.Record(result, "dorefa_max_abs", [t], g =>
        {
            var gt = Tensor.ZerosLike(t);
            for (int c = 0; c < groups; c++)
                if (v[argMax[c]] != 0) gt.SetFlat(argMax[c], g.GetFlat(c) * Math.Sign(v[argMax[c]]));
            return [gt];
        });
    }
}
