namespace Lowbit.Kernels.Bits;

/// <summary>
/// The B operand of <see cref="XnorGemm"/> (e.g. a binary layer's weights <c>[n, bits]</c>) packed once into the
/// vector kernels' 8-row panels, 64-byte aligned, so repeated products (inference) skip the per-call repacking.
/// </summary>
public sealed class XnorWeights
{
    private readonly ulong[] _storage; // pinned; panels start at _offset (64-byte aligned)

    private XnorWeights(ulong[] rows, int n, int bits, ulong[] storage, int offset, int panelLength)
    {
        Rows = rows;
        Count = n;
        Bits = bits;
        _storage = storage;
        Offset = offset;
        PanelLength = panelLength;
    }

    /// <summary>Rows n of B (output columns of the product).</summary>
    public int Count { get; }

    /// <summary>Reduction length in values.</summary>
    public int Bits { get; }

    /// <summary>Words per packed row: ceil(Bits / 64).</summary>
    public int Words => BitLayout.WordsPerRow(Bits);

    /// <summary>The original row-major packed rows <c>[n, Words]</c> (used by the non-AVX-512 paths).</summary>
    internal ulong[] Rows { get; }

    internal int Offset { get; }

    internal int PanelLength { get; }

    /// <summary>The aligned panels <c>[ceil(n/8), Words, 8]</c>.</summary>
    internal ReadOnlySpan<ulong> Panels => _storage.AsSpan(Offset, PanelLength);

    /// <summary>Packs <paramref name="b"/> (copied) into panels.</summary>
    /// <param name="b">Packed rows <c>[n, WordsPerRow(bits)]</c> (see <see cref="BitPacking.PackSigns"/>).</param>
    /// <param name="n">Rows (≥ 0).</param>
    /// <param name="bits">Values per row (≥ 0).</param>
    /// <returns>The packed operand.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A size is negative.</exception>
    /// <exception cref="ArgumentException"><paramref name="b"/> is too short or has non-zero padding bits.</exception>
    public static unsafe XnorWeights Pack(ReadOnlySpan<ulong> b, int n, int bits)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        ArgumentOutOfRangeException.ThrowIfNegative(bits);
        int words = BitLayout.WordsPerRow(bits);
        BitChecks.Length(nameof(b), b.Length, BitChecks.Count(nameof(b), n, words), $"[n={n}, words={words}] for bits={bits}");
        BitChecks.Padding(nameof(b), b, n, words, bits);
        int panelLength = PopCountGemm.PanelLength(n, words);
        var storage = GC.AllocateUninitializedArray<ulong>(panelLength + PopCountGemm.AlignmentSlack, pinned: true);
        int offset;
        fixed (ulong* p = storage) offset = (int)(PopCountGemm.AlignPanels(p) - p);
        PopCountGemm.PackPanels(b[..(n * words)], n, words, storage.AsSpan(offset, panelLength));
        return new XnorWeights(b[..(n * words)].ToArray(), n, bits, storage, offset, panelLength);
    }
}
