namespace Lowbit.Kernels.Bits;

/// <summary>
/// ±1 weights <c>[n, k]</c> expanded once from packed signs to one signed byte each, rows zero-padded to
/// <see cref="Stride"/> = a multiple of 64 bytes: the B operand of <see cref="SignByteGemm"/>.
/// </summary>
/// <remarks>
/// Holding only −1, 0 and +1 (|s| ≤ 1, zero padding) is what makes the 16-bit pair sums of the vector paths exact.
/// Binary panels (<see cref="FromPackedSigns"/>) hold ±1 only and keep the packed signs for the few-rows path;
/// ternary panels (<see cref="FromPackedMaskedSigns"/>: a sign plane restricted to a mask, HBB's higher levels) have
/// zeros inside the rows too and always use the byte path.
/// </remarks>
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

    /// <summary>The packed signs <c>[Rows, WordsPerRow(Length)]</c> (padding bits zero), 1/8 of the bytes: for few input rows; empty for ternary panels.</summary>
    internal ulong[] Packed { get; }

    private sbyte[]? _pairMajor;

    /// <summary>
    /// The weights transposed pair-major for <see cref="SignByteGemm"/>'s sparse-input path, built on first use:
    /// <c>[PairCount, PairRowBytes]</c> with byte <c>p·PairRowBytes + 2j + e</c> = weight (j, 2p + e), zero past
    /// <see cref="Length"/> and past <see cref="Rows"/>. One 64-byte load then holds 32 units' weights for one input pair.
    /// </summary>
    internal sbyte[] PairMajor => LazyInitializer.EnsureInitialized(ref _pairMajor, BuildPairMajor);

    /// <summary>Input pairs per row: ⌈Length / 2⌉.</summary>
    internal int PairCount => (Length + 1) / 2;

    /// <summary>Bytes per pair row of <see cref="PairMajor"/>: Rows rounded up to 32 units, 2 bytes each.</summary>
    internal int PairRowBytes => (Rows + 31) / 32 * 64;

    private sbyte[] BuildPairMajor()
    {
        int pairs = PairCount, rowBytes = PairRowBytes, stride = Stride;
        var table = new sbyte[BitChecks.Count("pair table", pairs, rowBytes)];
        for (int j = 0; j < Rows; j++)
            for (int t = 0; t < Length; t++)
                table[(t >> 1) * rowBytes + 2 * j + (t & 1)] = Weights[j * stride + t];
        return table;
    }

    private sbyte[]? _blockMajor;

    /// <summary>Units per block of <see cref="BlockMajor"/>.</summary>
    internal const int BlockUnits = 64;

    /// <summary>
    /// The weights in blocks of <see cref="BlockUnits"/> units, pair-major inside a block, built on first use:
    /// <c>[UnitBlocks, PairCount, 2·BlockUnits]</c> with byte <c>(b·PairCount + p)·128 + 2j + e</c> = weight
    /// (64b + j, 2p + e), zero past <see cref="Length"/> and past <see cref="Rows"/>. A block's weights are contiguous
    /// (about 50 KB for 784 inputs), so the 512-bit sparse path keeps one block in the first-level cache while it runs
    /// every input row through it.
    /// </summary>
    internal sbyte[] BlockMajor => LazyInitializer.EnsureInitialized(ref _blockMajor, BuildBlockMajor);

    /// <summary>Blocks of <see cref="BlockUnits"/> units: ⌈Rows / 64⌉.</summary>
    internal int UnitBlocks => (Rows + BlockUnits - 1) / BlockUnits;

    private sbyte[] BuildBlockMajor()
    {
        int pairs = PairCount, stride = Stride, blockBytes = 2 * BlockUnits;
        var table = new sbyte[BitChecks.Count("block table", UnitBlocks * pairs, blockBytes)];
        for (int j = 0; j < Rows; j++)
        {
            int b = j / BlockUnits, inBlock = j % BlockUnits;
            for (int t = 0; t < Length; t++)
                table[((long)b * pairs + (t >> 1)) * blockBytes + 2 * inBlock + (t & 1)] = Weights[j * stride + t];
        }
        return table;
    }

    /// <summary>Whether every weight is ±1 (<see cref="Packed"/> holds them); false for masked (ternary) panels.</summary>
    internal bool IsBinary => Packed.Length > 0 || Rows == 0 || Length == 0;

    /// <summary>
    /// Expands a sign plane restricted to a mask into a panel: weight = +1 where the mask bit is 1 and the sign bit 1,
    /// −1 where the mask bit is 1 and the sign bit 0, 0 where the mask bit is 0 (masked planes, see <see cref="BitLayout"/>).
    /// </summary>
    /// <param name="signs">Packed signs <c>[n, WordsPerRow(k)]</c> (bit 1 = +1).</param>
    /// <param name="masks">Packed masks <c>[n, WordsPerRow(k)]</c> (bit 1 = active).</param>
    /// <param name="n">Rows (≥ 0).</param>
    /// <param name="k">Values per row (≥ 0).</param>
    /// <returns>The panel.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A size is negative.</exception>
    /// <exception cref="ArgumentException">A span is too short or has non-zero padding bits.</exception>
    public static SignBytePanel FromPackedMaskedSigns(ReadOnlySpan<ulong> signs, ReadOnlySpan<ulong> masks, int n, int k)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        ArgumentOutOfRangeException.ThrowIfNegative(k);
        int words = BitLayout.WordsPerRow(k);
        BitChecks.Length(nameof(signs), signs.Length, BitChecks.Count(nameof(signs), n, words), $"[n={n}, words={words}]");
        BitChecks.Length(nameof(masks), masks.Length, BitChecks.Count(nameof(masks), n, words), $"[n={n}, words={words}]");
        BitChecks.Padding(nameof(signs), signs, n, words, k);
        BitChecks.Padding(nameof(masks), masks, n, words, k);
        int stride = SignByteGemm.Stride(k);
        var weights = new sbyte[BitChecks.Count("panel", n, stride)];
        for (int j = 0; j < n; j++)
            for (int t = 0; t < k; t++)
            {
                int at = j * words + (t >> 6);
                if (((masks[at] >> (t & 63)) & 1) != 0)
                    weights[j * stride + t] = ((signs[at] >> (t & 63)) & 1) != 0 ? (sbyte)1 : (sbyte)-1;
            }
        return new SignBytePanel(n, k, weights, []);
    }

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
