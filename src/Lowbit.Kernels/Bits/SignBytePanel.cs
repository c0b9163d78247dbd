namespace Lowbit.Kernels.Bits;

/// <summary>
/// ±1 weights <c>[n, k]</c> expanded once from packed signs to one signed byte each, rows zero-padded to
/// <see cref="Stride"/> = a multiple of 64 bytes: the B operand of <see cref="SignByteGemm"/>.
/// </summary>
/// <remarks>Holding only −1 and +1 (and zero padding) is what makes the 16-bit pair sums of the vector paths exact.</remarks>
public sealed class SignBytePanel
{
    private SignBytePanel(int n, int k, sbyte[] weights, ulong[] packed)
    {
        Rows = n;
        Length = k;
        Weights = weights;
        Packed = packed;
    }

    /// <summary>Weight rows n (output columns of the product).</summary>
    public int Rows { get; }

    /// <summary>Reduction length k in values.</summary>
    public int Length { get; }

    /// <summary>Bytes per stored row: k rounded up to a multiple of 64.</summary>
    public int Stride => SignByteGemm.Stride(Length);

    /// <summary>The expanded weights <c>[Rows, Stride]</c>: +1, −1, and 0 in the padding.</summary>
    internal sbyte[] Weights { get; }

    /// <summary>The packed signs <c>[Rows, WordsPerRow(Length)]</c> (padding bits zero), 1/8 of the bytes: for few input rows.</summary>
    internal ulong[] Packed { get; }

    /// <summary>Expands packed signs (bit 1 = +1, see <see cref="BitLayout"/>) into a panel.</summary>
    /// <param name="packed">Packed rows <c>[n, WordsPerRow(k)]</c>.</param>
    /// <param name="n">Rows (≥ 0).</param>
    /// <param name="k">Values per row (≥ 0).</param>
    /// <returns>The panel.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A size is negative.</exception>
    /// <exception cref="ArgumentException"><paramref name="packed"/> is too short or has non-zero padding bits.</exception>
    public static SignBytePanel FromPackedSigns(ReadOnlySpan<ulong> packed, int n, int k)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        ArgumentOutOfRangeException.ThrowIfNegative(k);
        int words = BitLayout.WordsPerRow(k);
        BitChecks.Length(nameof(packed), packed.Length, BitChecks.Count(nameof(packed), n, words), $"[n={n}, words={words}]");
        BitChecks.Padding(nameof(packed), packed, n, words, k);
        int stride = SignByteGemm.Stride(k);
        var weights = new sbyte[BitChecks.Count("panel", n, stride)];
        for (int j = 0; j < n; j++)
            for (int t = 0; t < k; t++)
                weights[j * stride + t] = ((packed[j * words + (t >> 6)] >> (t & 63)) & 1) != 0 ? (sbyte)1 : (sbyte)-1;
        return new SignBytePanel(n, k, weights, packed[..(n * words)].ToArray());
    }
}
