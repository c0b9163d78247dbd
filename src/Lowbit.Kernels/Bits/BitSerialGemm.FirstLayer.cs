using System.Buffers;
using System.Runtime.Intrinsics;

namespace Lowbit.Kernels.Bits;

public static partial class BitSerialGemm
{
    /// <summary>
    /// First layer of a binary network: 8-bit unsigned inputs times ±1 weights,
    /// <c>c[i, j] = Σ_t x[i, t]·s[j, t] = Σ_{p=0}^{7} 2^p·(unipolar dot of input plane p with s_j)</c>, the bit-plane first layer of
    /// BinaryNet (Courbariaux, Hubara et al. 2016).
    /// </summary>
    /// <param name="x">Unsigned 8-bit inputs <c>[m, k]</c> (e.g. raw pixels).</param>
    /// <param name="w">Packed ±1 weights <c>[n, WordsPerRow(k)]</c> from <see cref="BitPacking.PackSigns"/>.</param>
    /// <param name="m">Input rows (≥ 0).</param>
    /// <param name="n">Weight rows = output columns (≥ 0).</param>
    /// <param name="k">Reduction length (0 ≤ k ≤ int.MaxValue / 255 so every result fits in an int).</param>
    /// <param name="c">Output <c>[m, n]</c>.</param>
    /// <param name="threads">Worker threads (≥ 1).</param>
    /// <exception cref="ArgumentOutOfRangeException">A size is out of range.</exception>
    /// <exception cref="ArgumentException">A span is too short or <paramref name="w"/> has non-zero padding bits.</exception>
    public static void MultiplyBytesBySigns(ReadOnlySpan<byte> x, ReadOnlySpan<ulong> w, int m, int n, int k, Span<int> c, int threads = 1)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(m);
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        ArgumentOutOfRangeException.ThrowIfNegative(k);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(k, int.MaxValue / 255);
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        int words = BitLayout.WordsPerRow(k);
        BitChecks.Length(nameof(x), x.Length, BitChecks.Count(nameof(x), m, k), $"[m={m}, k={k}]");
        BitChecks.Length(nameof(w), w.Length, BitChecks.Count(nameof(w), n, words), $"[n={n}, words={words}]");
        BitChecks.Length(nameof(c), c.Length, BitChecks.Count(nameof(c), m, n), $"[m={m}, n={n}]");
        BitChecks.Padding(nameof(w), w, n, words, k);
        if (m == 0 || n == 0) return;
        int planeLength = (int)BitChecks.Count("planes", m, 8, words);
        ulong[] planes = ArrayPool<ulong>.Shared.Rent(Math.Max(1, planeLength));
        try
        {
            BitPacking.PackBitPlanes(x.Slice(0, m * k), m, k, 8, planes);
            MultiplyFast<UnipolarTerm, int>(planes.AsSpan(0, planeLength), 8, w, 1, m, n, k, c, threads, PopCountGemm.PanelsAccelerated);
        }
        finally
        {
            ArrayPool<ulong>.Shared.Return(planes);
        }
    }
}
