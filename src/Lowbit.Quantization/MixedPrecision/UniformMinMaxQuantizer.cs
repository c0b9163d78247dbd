using System.Runtime.Intrinsics;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;
using Lowbit.Tensors;
using Lowbit.Tensors.Autograd;

namespace Lowbit.Quantization.MixedPrecision;

/// <summary>k-bit uniform quantization over the tensor's [min, max] (<c>uniform_minmax</c>), the baseline of balanced quantization.</summary>
/// <remarks>
/// Forward: Δ = (max − min)/(2^k − 1), q = min + round((x − min)/Δ)·Δ (round half away from zero), per tensor and
/// recomputed every forward; a constant tensor (max = min) is returned unchanged.
/// Backward: identity STE (g_x = g); no gradient through min and max.
/// Options: <c>bits</c> k (1..16, default 2).
/// Paper: the min/max uniform baseline that Zhou et al., arXiv 1706.07145, compare balanced quantization with.
/// </remarks>
public sealed class UniformMinMaxQuantizer : Quantizer
{
    /// <summary>Creates the quantizer.</summary>
    /// <param name="bits">Bits k (1..16).</param>
    /// <exception cref="ArgumentOutOfRangeException">bits is outside 1..16.</exception>
    public UniformMinMaxQuantizer(int bits = 2) => Bits = QuantMath.CheckBits(bits, 1, 16, "uniform_minmax");

    /// <summary>Bits k.</summary>
    public int Bits { get; }

    /// <inheritdoc/>
    public override string Name => "uniform_minmax";

    /// <inheritdoc/>
    public override IReadOnlyDictionary<string, object>? Options => new Dictionary<string, object>(StringComparer.Ordinal) { ["bits"] = Bits };

    /// <inheritdoc/>
    public override double BitWidth => Bits;

    /// <summary>Codes round((x − min)/Δ) ∈ [0, 2^k) in flat order (all 0 for a constant tensor).</summary>
    public int[] Codes(Tensor x)
    {
        var v = MixedMath.FiniteValues(x, Name);
        var (min, step) = Grid(v);
        return v.Select(a => step > 0 ? (int)QuantMath.Round((a - min) / step) : 0).ToArray();
    }

    /// <inheritdoc/>
    public override Tensor Quantize(Tensor x, QuantizerContext context)
    {
        if (x.DType == DType.Float32 && x.Length > 0) return QuantizeFloat(x);
        var v = MixedMath.FiniteValues(x, Name);
        var (min, step) = Grid(v);
        var q = new double[v.Length];
        for (int i = 0; i < v.Length; i++) q[i] = step > 0 ? min + QuantMath.Round((v[i] - min) / step) * step : v[i];
        return MixedMath.IdentityStraightThrough(x, q, Name);
    }

    /// <summary>
    /// The float32 path: the same arithmetic as the double path (min, max and Δ in double from the float values, each
    /// output rounded to float once), without the double copies and with vectorised min/max; bit-identical results.
    /// </summary>
    private Tensor QuantizeFloat(Tensor x)
    {
        ReadOnlySpan<float> src = x.AsSpan();
        MixedMath.CheckFinite(src, x, Name);
        double min = TensorPrimitives.Min(src), max = TensorPrimitives.Max(src);
        double step = (max - min) / ((1 << Bits) - 1);
        var q = Tensor.ZerosLike(x);
        var dst = q.AsSpan();
        if (step > 0)
        {
            int done = Vector256.IsHardwareAccelerated ? QuantizeVector256(src, dst, min, step) : 0;
            QuantizeScalar(src[done..], dst[done..], min, step);
        }
        else
        {
            src.CopyTo(dst);
        }
        return GradGraph.Record(q, Name, [x], g => [g]);
    }

    /// <summary>The reference loop: q = min + round((x − min)/step)·step in double, rounding half away from zero.</summary>
    internal static void QuantizeScalar(ReadOnlySpan<float> src, Span<float> dst, double min, double step)
    {
        for (int i = 0; i < src.Length; i++) dst[i] = (float)(min + QuantMath.Round((src[i] - min) / step) * step);
    }

    /// <summary>
    /// <see cref="QuantizeScalar"/> four doubles at a time, bit-identical: y = (x − min)/step ≥ 0, so rounding half away
    /// from zero is ⌊y⌋ + [y − ⌊y⌋ ≥ ½] (y − ⌊y⌋ is exact), unlike ⌊y + ½⌋, which rounds 0.5 − 2⁻⁵⁴ up. Returns how many
    /// values were done (whole blocks of eight).
    /// </summary>
    internal static int QuantizeVector256(ReadOnlySpan<float> src, Span<float> dst, double min, double step)
    {
        var minV = Vector256.Create(min);
        var stepV = Vector256.Create(step);
        var half = Vector256.Create(0.5);
        var one = Vector256<double>.One;
        int i = 0;
        for (; i + 8 <= src.Length; i += 8)
        {
            var f = Vector256.Create(src.Slice(i, 8));
            Vector256.Narrow(Level(Vector256.WidenLower(f)), Level(Vector256.WidenUpper(f))).CopyTo(dst.Slice(i, 8));
        }

        return i;

        Vector256<double> Level(Vector256<double> x)
        {
            var y = (x - minV) / stepV;
            var r = Vector256.Floor(y);
            r += Vector256.GreaterThanOrEqual(y - r, half) & one;
            return minV + r * stepV;
        }
    }

    private (double Min, double Step) Grid(double[] v) => (v.Min(), (v.Max() - v.Min()) / ((1 << Bits) - 1));
}
