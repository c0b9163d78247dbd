using System.Runtime.Intrinsics;
using Lowbit.Tensors;

namespace Lowbit.Quantization;

/// <summary>DoReFa-Net k-bit activations (<c>dorefa_act</c>).</summary>
/// <remarks>
/// Forward: q = quantize_k(clip(x, 0, 1)) = round((2^k − 1)·clip(x, 0, 1))/(2^k − 1), round half away from
/// zero; levels {0, 1/(2^k − 1), …, 1}.
/// Backward: identity STE inside the clip range, g_x = g·1[0 ≤ x ≤ 1] (inclusive, like <c>Tensor.Clamp</c>), else 0.
/// Unsigned. Options: <c>bits</c> (1..16, default 2).
/// Paper: Zhou et al., "DoReFa-Net", arXiv 1606.06160; QNN (Hubara et al., arXiv 1609.07061) uses the same form.
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
        if (x.DType == DType.Float32) return QuantizeFloat32(x);
        int bits = Bits;
        return QuantMath.Apply(x, (double v, int _, out double slope) =>
        {
            slope = v >= 0 && v <= 1 ? 1 : 0;
            return QuantMath.QuantizeUnit(Math.Clamp(v, 0, 1), bits);
        });
    }

    /// <summary>
    /// The float32 path: the same double arithmetic as <see cref="QuantMath.QuantizeUnit"/> rounded once to float, and
    /// the same backward as <see cref="QuantMath.Apply"/> (no slope tensor when every input lies in [0, 1]), so results
    /// are bit-identical to the generic path (tests/Lowbit.Quantization.Tests/Float32PathTests.cs).
    /// </summary>
    private Tensor QuantizeFloat32(Tensor x)
    {
        var values = Tensor.Empty(x.DType, x.Shape.ToArray()); // every element is written below
        ReadOnlySpan<float> xs = x.AsSpan();
        Span<float> vs = values.AsSpan();
        double levels = Math.ScaleB(1.0, Bits) - 1;
        bool outside = false;
        int done = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            done = QuantizeVector256(xs, vs, levels, out outside);
            if (done < 0) (done, outside) = (0, false); // a NaN: the scalar loop reproduces the generic path's NaN handling
        }
        outside |= QuantizeScalar(xs[done..], vs[done..], levels);
        if (!x.TracksGrad) return values;
        if (!outside) return Lowbit.Tensors.Autograd.GradGraph.Record(values, "StraightThrough", [x], g => [g]);
        return Tensor.StraightThroughWindow(x, values, 0, 1);
    }

    /// <summary>Reference loop: q = round_half_away(levels·clip(v, 0, 1)) / levels in double; true if some v is outside [0, 1].</summary>
    internal static bool QuantizeScalar(ReadOnlySpan<float> xs, Span<float> vs, double levels)
    {
        bool outside = false;
        for (int i = 0; i < xs.Length; i++)
        {
            double v = xs[i];
            vs[i] = (float)(QuantMath.Round(levels * Math.Clamp(v, 0, 1)) / levels);
            outside |= !(v >= 0 && v <= 1);
        }
        return outside;
    }

    /// <summary>
    /// Eight floats at a time, widened to double. Rounding is ⌊y + 0.5⌋, which equals round-half-away-from-zero here:
    /// y = levels·v ≥ 0 with levels &lt; 2^16 and v a float has at most 40 significant bits below 2^16, so y + 0.5 is
    /// exact. Returns the elements done (a multiple of 8), or −1 if an input is NaN.
    /// </summary>
    internal static int QuantizeVector256(ReadOnlySpan<float> xs, Span<float> vs, double levels, out bool outside)
    {
        var scale = Vector256.Create(levels);
        var half = Vector256.Create(0.5);
        var zero = Vector256<double>.Zero;
        var one = Vector256<double>.One;
        var inside = Vector256<double>.AllBitsSet;
        int i = 0;
        for (; i + 8 <= xs.Length; i += 8)
        {
            var f = Vector256.Create(xs.Slice(i, 8));
            var lo = Vector256.WidenLower(f);
            var hi = Vector256.WidenUpper(f);
            if (!Vector256.EqualsAll(lo, lo) || !Vector256.EqualsAll(hi, hi))
            {
                outside = true;
                return -1;
            }
            var qlo = Vector256.Floor(scale * Vector256.Min(Vector256.Max(lo, zero), one) + half) / scale;
            var qhi = Vector256.Floor(scale * Vector256.Min(Vector256.Max(hi, zero), one) + half) / scale;
            // Math.Clamp keeps −0 (the reference gives −0 for an input −0); the vector Max turns it into +0.
            qlo = Vector256.ConditionalSelect(Vector256.Equals(lo, zero), lo, qlo);
            qhi = Vector256.ConditionalSelect(Vector256.Equals(hi, zero), hi, qhi);
            Vector256.Narrow(qlo, qhi).CopyTo(vs.Slice(i, 8));
            inside &= Vector256.GreaterThanOrEqual(lo, zero) & Vector256.LessThanOrEqual(lo, one)
                & Vector256.GreaterThanOrEqual(hi, zero) & Vector256.LessThanOrEqual(hi, one);
        }
        outside = !Vector256.EqualsAll(inside.AsUInt64(), Vector256<ulong>.AllBitsSet);
        return i;
    }
}
