using Lowbit.Tensors;

namespace Lowbit.Quantization.MixedPrecision;

/// <summary>Balanced quantization: equal-count bins by recursive median (or mean) splits, then uniform codes (<c>balanced</c>).</summary>
/// <remarks>
/// Forward (the code rule and the scale are our choices): split the tensor's values at their median, each half at its
/// median, … k levels deep → 2^k bins of equal count (see <c>BalancedPartition</c>: lower median, values ≤ t go low,
/// so ties share a bin); the equalized value x̃ of bin j lies in [j/2^k, (j+1)/2^k], so the code c = min(⌊x̃·2^k⌋, 2^k − 1) is the bin
/// index j and is taken directly. q = c/(2^k − 1), u = 2q − 1 ∈ [−1, 1], output s·u with
/// s = mean|x| / mean|u| (our choice: keeps the layer's mean magnitude; s = 0 for an all-zero tensor).
/// With partition "mean" each median is replaced by the subset mean (one pass per level, no sort needed in
/// principle; this reference implementation sorts once for both). Error bound of the approximation: for any
/// subset, |mean − median| ≤ σ (the subset's population standard deviation), so each mean threshold lies within one
/// σ of the exact median threshold; counts can still be unbalanced for skewed data (for N(0,1) with k = 2 the code
/// fractions are Φ(−√(2/π)), ½ − Φ(−√(2/π)), … ≈ 0.2125, 0.2875, 0.2875, 0.2125).
/// Backward: identity STE through equalization and quantization (g_x = g), no gradient through s.
/// Scope: per tensor, recomputed on every forward (weights, as in the paper; activations use ordinary uniform
/// quantizers).
/// Options: <c>bits</c> k (1..8, default 2), <c>partition</c> ("median" | "mean").
/// Paper: Zhou, Wang, Wen, He, Zou, "Balanced Quantization: An Effective and Efficient Approach to Quantized Neural
/// Networks", arXiv 1706.07145 (JCST 32(4), 2017).
/// </remarks>
public sealed class BalancedQuantizer : Quantizer
{
    /// <summary>Creates the quantizer.</summary>
    /// <param name="bits">Bits k (1..8).</param>
    /// <param name="partition">"median" (exact percentiles) or "mean" (cheap approximation).</param>
    /// <exception cref="ArgumentOutOfRangeException">An option is outside its range.</exception>
    public BalancedQuantizer(int bits = 2, string partition = "median")
    {
        Bits = QuantMath.CheckBits(bits, 1, 8, "balanced");
        if (partition is not ("median" or "mean"))
            throw new ArgumentOutOfRangeException(nameof(partition), partition, "balanced: partition must be \"median\" or \"mean\".");
        Partition = partition;
    }

    /// <summary>Bits k.</summary>
    public int Bits { get; }

    /// <summary>"median" or "mean".</summary>
    public string Partition { get; }

    /// <inheritdoc/>
    public override string Name => "balanced";

    /// <inheritdoc/>
    public override IReadOnlyDictionary<string, object>? Options => new Dictionary<string, object>(StringComparer.Ordinal) { ["bits"] = Bits, ["partition"] = Partition };

    /// <inheritdoc/>
    public override double BitWidth => Bits;

    /// <summary>Codes c ∈ [0, 2^k) of the values of <paramref name="x"/> (flat order).</summary>
    public int[] Codes(Tensor x) => BalancedPartition.Codes(MixedMath.FiniteValues(x, Name), Bits, Partition == "median");

    /// <inheritdoc/>
    public override Tensor Quantize(Tensor x, QuantizerContext context)
    {
        if (x.DType == DType.Float32 && x.Length > 0 && Partition == "median") return QuantizeMedianFloat(x);
        var v = MixedMath.FiniteValues(x, Name);
        var codes = BalancedPartition.Codes(v, Bits, Partition == "median");
        double levels = (1 << Bits) - 1;
        var u = new double[v.Length];
        double sumAbsX = 0, sumAbsU = 0;
        for (int i = 0; i < v.Length; i++)
        {
            u[i] = 2 * (codes[i] / levels) - 1;
            sumAbsX += Math.Abs(v[i]);
            sumAbsU += Math.Abs(u[i]);
        }
        double s = sumAbsX / sumAbsU; // mean|u| > 0: 2c − (2^k − 1) is odd, so u ≠ 0
        for (int i = 0; i < u.Length; i++) u[i] *= s;
        return MixedMath.IdentityStraightThrough(x, u, Name);
    }

    /// <summary>
    /// The median mode on float32 values without double copies: radix-sorted thresholds
    /// (<see cref="BalancedPartition.CodesMedian"/>), then the same double arithmetic per element as the generic path,
    /// so the result is bit-identical to it.
    /// </summary>
    private Tensor QuantizeMedianFloat(Tensor x)
    {
        ReadOnlySpan<float> xs = x.AsSpan();
        MixedMath.CheckFinite(xs, x, Name);
        var codes = BalancedPartition.CodesMedian(xs, Bits);
        double levels = (1 << Bits) - 1;
        var u = new double[1 << Bits]; // u(c) = 2c/(2^k − 1) − 1, the generic path's expression, per code
        for (int c = 0; c < u.Length; c++) u[c] = 2 * (c / levels) - 1;
        double sumAbsX = 0, sumAbsU = 0;
        for (int i = 0; i < xs.Length; i++)
        {
            sumAbsX += Math.Abs((double)xs[i]);
            sumAbsU += Math.Abs(u[codes[i]]);
        }

        double s = sumAbsX / sumAbsU;
        var levelValues = u.Select(uc => (float)(uc * s)).ToArray();
        var q = Tensor.ZerosLike(x);
        var qs = q.AsSpan();
        for (int i = 0; i < qs.Length; i++) qs[i] = levelValues[codes[i]];
        return Lowbit.Tensors.Autograd.GradGraph.Record(q, Name, [x], g => [g]);
    }
}
