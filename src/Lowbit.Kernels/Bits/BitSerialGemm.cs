using System.Buffers;
using System.Numerics;
using System.Runtime.Intrinsics;

namespace Lowbit.Kernels.Bits;

/// <summary>
/// Bit-serial GEMM on bit planes: unsigned k-bit activations times unsigned or ±1 weight planes,
/// computed exactly with AND-popcounts.
/// </summary>
/// <remarks>
/// <para>Unsigned × unsigned (DoReFa, Zhou et al. 2016): <c>c[i, j] = Σ_p Σ_q 2^(p+q)·popcount(a_{i,p} AND w_{j,q})</c>,
/// which equals <c>Σ_t A[i, t]·W[j, t]</c> for the integer codes.</para>
/// <para>Unipolar (TVM bitserial_dense): weight planes hold ±1 values (bit 1 = +1, bit 0 = −1) and
/// <c>c[i, j] = Σ_p Σ_q 2^(p+q)·[popcount(a_{i,p} AND w_{j,q}) − popcount(a_{i,p} AND NOT w_{j,q})]
/// = Σ_p Σ_q 2^(p+q)·[2·popcount(a_{i,p} AND w_{j,q}) − popcount(a_{i,p})]</c>. Padding bits of a are zero, so
/// padding never counts. With one weight plane this is <c>Σ_t A[i, t]·s[j, t]</c> for signs s.</para>
/// <para>Layouts (see <see cref="BitLayout"/>): a <c>[m, activationBits, WordsPerRow(k)]</c>,
/// w <c>[n, weightBits, WordsPerRow(k)]</c>, c <c>[m, n]</c>. Accumulation is in <see cref="long"/>; results are
/// exact and do not depend on the thread count.</para>
/// </remarks>
public static partial class BitSerialGemm
{
    /// <summary>Unsigned activation codes times unsigned weight codes: <c>c[i, j] = Σ_t A[i, t]·W[j, t]</c>.</summary>
    /// <param name="a">Activation planes <c>[m, activationBits, WordsPerRow(k)]</c>.</param>
    /// <param name="activationBits">Activation planes per row, 1..31.</param>
    /// <param name="w">Weight planes <c>[n, weightBits, WordsPerRow(k)]</c>.</param>
    /// <param name="weightBits">Weight planes per row, 1..31; activationBits + weightBits ≤ 32.</param>
    /// <param name="m">Activation rows (≥ 0).</param>
    /// <param name="n">Weight rows = output columns (≥ 0).</param>
    /// <param name="k">Reduction length in values (≥ 0).</param>
    /// <param name="c">Output <c>[m, n]</c>.</param>
    /// <param name="threads">Worker threads (≥ 1).</param>
    /// <exception cref="ArgumentOutOfRangeException">A size or bit count is out of range.</exception>
    /// <exception cref="ArgumentException">A span is too short or has non-zero padding bits.</exception>
    public static void Multiply(ReadOnlySpan<ulong> a, int activationBits, ReadOnlySpan<ulong> w, int weightBits,
        int m, int n, int k, Span<long> c, int threads = 1)
    {
        Validate(a, activationBits, w, weightBits, m, n, k, c.Length, threads);
        if (m == 0 || n == 0) return;
        MultiplyFast<UnsignedTerm, long>(a, activationBits, w, weightBits, m, n, k, c, threads, PopCountGemm.PanelsAccelerated);
    }

    /// <summary>Unsigned activation codes times ±1 weight planes (unipolar): see the type remarks.</summary>
    /// <param name="a">Activation planes <c>[m, activationBits, WordsPerRow(k)]</c>.</param>
    /// <param name="activationBits">Activation planes per row, 1..31.</param>
    /// <param name="w">±1 weight planes <c>[n, weightBits, WordsPerRow(k)]</c> (bit 1 = +1).</param>
    /// <param name="weightBits">Weight planes per row, 1..31; activationBits + weightBits ≤ 32.</param>
    /// <param name="m">Activation rows (≥ 0).</param>
    /// <param name="n">Weight rows = output columns (≥ 0).</param>
    /// <param name="k">Reduction length in values (≥ 0).</param>
    /// <param name="c">Output <c>[m, n]</c>.</param>
    /// <param name="threads">Worker threads (≥ 1).</param>
    /// <exception cref="ArgumentOutOfRangeException">A size or bit count is out of range.</exception>
    /// <exception cref="ArgumentException">A span is too short or has non-zero padding bits.</exception>
    public static void MultiplyUnipolar(ReadOnlySpan<ulong> a, int activationBits, ReadOnlySpan<ulong> w, int weightBits,
        int m, int n, int k, Span<long> c, int threads = 1)
    {
        Validate(a, activationBits, w, weightBits, m, n, k, c.Length, threads);
        if (m == 0 || n == 0) return;
        MultiplyFast<UnipolarTerm, long>(a, activationBits, w, weightBits, m, n, k, c, threads, PopCountGemm.PanelsAccelerated);
    }

    internal static void Validate(ReadOnlySpan<ulong> a, int activationBits, ReadOnlySpan<ulong> w, int weightBits,
        int m, int n, int k, int cLength, int threads)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(m);
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        ArgumentOutOfRangeException.ThrowIfNegative(k);
        ArgumentOutOfRangeException.ThrowIfLessThan(activationBits, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(weightBits, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        if (activationBits + weightBits > 32)
        {
            throw new ArgumentOutOfRangeException(nameof(weightBits),
                $"activationBits ({activationBits}) + weightBits ({weightBits}) must be at most 32 so that 2^(p+q) fits the long accumulator.");
        }
        int words = BitLayout.WordsPerRow(k);
        BitChecks.Length(nameof(a), a.Length, BitChecks.Count(nameof(a), m, activationBits, words), $"[m={m}, activationBits={activationBits}, words={words}]");
        BitChecks.Length(nameof(w), w.Length, BitChecks.Count(nameof(w), n, weightBits, words), $"[n={n}, weightBits={weightBits}, words={words}]");
        BitChecks.Length("c", cLength, BitChecks.Count("c", m, n), $"[m={m}, n={n}]");
        BitChecks.Padding(nameof(a), a, m * activationBits, words, k);
        BitChecks.Padding(nameof(w), w, n * weightBits, words, k);
    }

    /// <summary>Reference path for both variants: direct plane loops with <see cref="BitOperations.PopCount(ulong)"/>.</summary>
    internal static void MultiplyScalar(ReadOnlySpan<ulong> a, int activationBits, ReadOnlySpan<ulong> w, int weightBits,
        int m, int n, int k, Span<long> c, bool unipolar)
    {
        int words = BitLayout.WordsPerRow(k);
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                long sum = 0;
                for (int p = 0; p < activationBits; p++)
                {
                    ReadOnlySpan<ulong> ap = a.Slice((i * activationBits + p) * words, words);
                    for (int q = 0; q < weightBits; q++)
                    {
                        ReadOnlySpan<ulong> wq = w.Slice((j * weightBits + q) * words, words);
                        long term = 0;
                        for (int t = 0; t < words; t++)
                        {
                            term += BitOperations.PopCount(ap[t] & wq[t]);
                            if (unipolar) term -= BitOperations.PopCount(ap[t] & ~wq[t]);
                        }
                        sum += term << (p + q);
                    }
                }
                c[i * n + j] = sum;
            }
        }
    }
}
