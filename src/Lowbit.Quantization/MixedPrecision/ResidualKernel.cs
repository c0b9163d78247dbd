using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Lowbit.Quantization.MixedPrecision;

/// <summary>
/// Fast path for homogeneous residual binarization (<see cref="ResidualBinarizer"/>): the same x̂ and means as
/// <see cref="ResidualMath.Binarize"/> with an empty bit map, bit for bit, in B + 1 branch-free passes and without
/// allocating.
/// </summary>
/// <remarks>
/// Exactness: μ_i is the same sequential double sum of |r_n| over ascending n as in the reference (the sum for level
/// i + 1 is accumulated in the pass that applies level i, element by element in the same order); ±μ is
/// CopySign(μ, r + 0.0), which equals the reference's μ·(r ≥ 0 ? 1 : −1) for every finite r including −0.0 (r + 0.0
/// is +0.0 then); x̂ and r are updated with the same operations in the same order per element. The residual after
/// the last level is not needed and not computed.
/// </remarks>
internal static class ResidualKernel
{
    /// <summary>x̂ and μ_1..μ_B of one slice.</summary>
    /// <param name="x">Values of the slice (finite).</param>
    /// <param name="bits">B ≥ 1.</param>
    /// <param name="xhat">Output x̂, length of x.</param>
    /// <param name="means">Output μ_1..μ_B.</param>
    /// <param name="residual">Scratch, at least the length of x.</param>
    public static void Binarize(ReadOnlySpan<double> x, int bits, Span<double> xhat, Span<double> means, Span<double> residual)
    {
        int n = x.Length;
        if (xhat.Length != n || residual.Length < n || means.Length < bits || bits < 1)
            throw new ArgumentException($"ResidualKernel: x̂ ({xhat.Length}) must have x's length {n}, the scratch ({residual.Length}) at least that, and means ({means.Length}) at least B = {bits} entries.");
        double sum = 0;
        foreach (double v in x) sum += Math.Abs(v);
        double mu = n > 0 ? sum / n : 0.0;
        means[0] = mu;
        var r = residual[..n];
        if (bits == 1)
        {
            for (int k = 0; k < n; k++) xhat[k] = 0.0 + Math.CopySign(mu, x[k] + 0.0);
            return;
        }
        // Level 1 reads x and writes r; x̂ starts at 0, so 0 + s as in the reference.
        sum = 0;
        for (int k = 0; k < n; k++)
        {
            double v = x[k];
            double s = Math.CopySign(mu, v + 0.0);
            xhat[k] = 0.0 + s;
            double next = v - s;
            r[k] = next;
            sum += Math.Abs(next);
        }
        for (int level = 2; level <= bits; level++)
        {
            mu = n > 0 ? sum / n : 0.0;
            means[level - 1] = mu;
            if (level == bits)
            {
                for (int k = 0; k < n; k++) xhat[k] += Math.CopySign(mu, r[k] + 0.0);
                return;
            }
            sum = 0;
            for (int k = 0; k < n; k++)
            {
                double v = r[k];
                double s = Math.CopySign(mu, v + 0.0);
                xhat[k] += s;
                double next = v - s;
                r[k] = next;
                sum += Math.Abs(next);
            }
        }
    }
    /// <summary>Largest B for which <see cref="BinarizeSlices"/> recomputes earlier levels instead of storing residuals.</summary>
    internal const int MaxRecomputeBits = 3;

    /// <summary>
    /// x̂ of <paramref name="slices"/> consecutive float slices (per-sample activations), each rounded once to float: for
    /// every slice the value <see cref="Binarize"/> gives for that slice widened to double, bit for bit.
    /// </summary>
    /// <remarks>
    /// Speed: every level's mean is a sequential double sum, a chain of dependent additions. Four slices are processed
    /// side by side so that their four chains overlap, and for B ≤ <see cref="MaxRecomputeBits"/> each pass recomputes
    /// the earlier levels of an element from x (the same operations in the same order as the stored-residual loop:
    /// s = ±μ_i from the sign of r + 0.0, x̂ = x̂ + s, r = r − s, starting from x̂ = 0.0, r = x) instead of writing and
    /// reading double residual arrays. Other slices (the last slices % 4, or B &gt; 3) take <see cref="Binarize"/>.
    /// </remarks>
    /// <param name="x">Slices × size finite-checked-or-not values; a NaN or infinity makes the method return false.</param>
    /// <param name="slices">Number of slices (x.Length is a multiple of it).</param>
    /// <param name="bits">B, 1..8.</param>
    /// <param name="q">Output x̂, length of x.</param>
    /// <param name="scratch">At least 3 × x.Length / slices doubles (the fallback's widened slice, x̂ and residual).</param>
    /// <returns>False when some value of x is NaN or infinite (q is then partly written); true otherwise.</returns>
    public static bool BinarizeSlices(ReadOnlySpan<float> x, int slices, int bits, Span<float> q, Span<double> scratch)
    {
        int size = x.Length / slices;
        if (size * slices != x.Length || q.Length != x.Length || bits < 1 || scratch.Length < 3 * size)
            throw new ArgumentException($"ResidualKernel: {x.Length} values in {slices} slices, x̂ of {q.Length}, B = {bits}, scratch of {scratch.Length} (needs {3 * size}).");
        int s = 0;
        if (bits <= MaxRecomputeBits && size > 0 && Vector256.IsHardwareAccelerated)
        {
            for (; s + 4 <= slices; s += 4)
                if (!Group4(x.Slice(s * size, 4 * size), size, bits, q.Slice(s * size, 4 * size))) return false;
        }
        Span<double> means = stackalloc double[bits];
        var input = scratch[..size];
        var output = scratch.Slice(size, size);
        var residual = scratch.Slice(2 * size, size);
        for (; s < slices; s++)
        {
            var slice = x.Slice(s * size, size);
            for (int k = 0; k < size; k++) input[k] = slice[k];
            Binarize(input, bits, output, means, residual);
            if (!double.IsFinite(means[0])) return false;
            var target = q.Slice(s * size, size);
            for (int k = 0; k < size; k++) target[k] = (float)output[k];
        }
        return true;
    }

    /// <summary>
    /// Four slices of n values, B ≤ 3, one slice per lane of a 256-bit double vector: B passes of four sequential sums
    /// (each lane adds its slice's terms in ascending order, as the scalar loop does), then the x̂ pass.
    /// </summary>
    private static bool Group4(ReadOnlySpan<float> x, int n, int bits, Span<float> q)
    {
        ref float p = ref MemoryMarshal.GetReference(x);
        ref float o = ref MemoryMarshal.GetReference(q);
        var none = Vector256<double>.Zero;
        // μ of level i, lane j = slice j: the sequential sum of |r| after the earlier levels, divided by n.
        var m1 = SumPass<Levels0>(ref p, n, none, none);
        if (!Vector256.EqualsAll(m1 - m1, Vector256<double>.Zero)) return false; // a NaN or infinity in x
        var m2 = bits >= 2 ? SumPass<Levels1>(ref p, n, m1, none) : none;
        var m3 = bits >= 3 ? SumPass<Levels2>(ref p, n, m1, m2) : none;
        if (bits == 1) XhatPass<Levels1>(ref p, ref o, n, m1, m2, m3);
        else if (bits == 2) XhatPass<Levels2>(ref p, ref o, n, m1, m2, m3);
        else XhatPass<Levels3>(ref p, ref o, n, m1, m2, m3);
        return true;
    }

    /// <summary>Element k of the four slices (n apart), widened to double, one per lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<double> Load4(ref float p, int n, int k)
    {
        var f = Vector128.Create(Unsafe.Add(ref p, k), Unsafe.Add(ref p, n + k), Unsafe.Add(ref p, 2 * n + k), Unsafe.Add(ref p, 3 * n + k));
        return Vector256.Create(Vector128.WidenLower(f), Vector128.WidenUpper(f));
    }

    /// <summary>Per-lane means of |r| after TL levels (each lane's sum in ascending k, then divided by n).</summary>
    private static Vector256<double> SumPass<TL>(ref float p, int n, Vector256<double> m1, Vector256<double> m2) where TL : struct, ILevelCount
    {
        var sum = Vector256<double>.Zero;
        for (int k = 0; k < n; k++) sum += Vector256.Abs(Residual<TL>(Load4(ref p, n, k), m1, m2));
        return sum / Vector256.Create((double)n);
    }

    /// <summary>x̂ after TB levels, rounded to float and written back to the four slices.</summary>
    private static void XhatPass<TB>(ref float p, ref float o, int n, Vector256<double> m1, Vector256<double> m2, Vector256<double> m3) where TB : struct, ILevelCount
    {
        for (int k = 0; k < n; k++)
        {
            var h = Xhat<TB>(Load4(ref p, n, k), m1, m2, m3);
            var f = Vector128.Narrow(h.GetLower(), h.GetUpper());
            Unsafe.Add(ref o, k) = f.GetElement(0);
            Unsafe.Add(ref o, n + k) = f.GetElement(1);
            Unsafe.Add(ref o, 2 * n + k) = f.GetElement(2);
            Unsafe.Add(ref o, 3 * n + k) = f.GetElement(3);
        }
    }

    /// <summary>A level count as a type, so that each pass is compiled for its own count without branches.</summary>
    private interface ILevelCount
    {
        static abstract int Count { get; }
    }

    private struct Levels0 : ILevelCount { public static int Count => 0; }

    private struct Levels1 : ILevelCount { public static int Count => 1; }

    private struct Levels2 : ILevelCount { public static int Count => 2; }

    private struct Levels3 : ILevelCount { public static int Count => 3; }

    /// <summary>
    /// ±μ with the sign of r + 0.0, lane by lane: Math.CopySign(μ, r + 0.0) (μ ≥ +0, so its sign bit is clear and the
    /// result is μ with r + 0.0's sign bit).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<double> SignedMean(Vector256<double> mu, Vector256<double> r)
        => mu | ((r + Vector256<double>.Zero) & Vector256.Create(-0.0));

    /// <summary>r after TL (0..2) levels with means μ1, μ2, from r = v.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<double> Residual<TL>(Vector256<double> v, Vector256<double> m1, Vector256<double> m2) where TL : struct, ILevelCount
    {
        if (TL.Count >= 1) v -= SignedMean(m1, v);
        if (TL.Count >= 2) v -= SignedMean(m2, v);
        return v;
    }

    /// <summary>x̂ after TB (1..3) levels with means μ1..μ3: 0.0 + s_1 + s_2 + s_3 in that order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<double> Xhat<TB>(Vector256<double> v, Vector256<double> m1, Vector256<double> m2, Vector256<double> m3) where TB : struct, ILevelCount
    {
        var s = SignedMean(m1, v);
        var h = Vector256<double>.Zero + s;
        if (TB.Count >= 2)
        {
            v -= s;
            s = SignedMean(m2, v);
            h += s;
        }
        if (TB.Count >= 3)
        {
            v -= s;
            h += SignedMean(m3, v);
        }
        return h;
    }
}
