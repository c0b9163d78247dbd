using System.Numerics;

namespace Lowbit.Kernels.Bits;

/// <summary>
/// The weight operand of <see cref="MaskedPlaneGemm.MultiplyPacked"/>: sign planes and masks <c>[n, levels, words]</c>
/// prepared once (inference) for the vector path — the masks and the masked signs s AND m as two 8-row panel sets
/// (<see cref="XnorWeights"/>), and per weight row |m| and |s AND m|.
/// </summary>
/// <remarks>
/// The vector path uses popcount(m AND (a XOR s)) = popcount(a AND m) + popcount(s') − 2·popcount(a AND s') with
/// s' = s AND m (inside m, a XOR s' = a XOR s; outside m both sides count nothing), i.e. two plain AND-popcount GEMMs.
/// </remarks>
public sealed class MaskedPlaneWeights
{
    private MaskedPlaneWeights(int n, int levels, int bits, ulong[] signs, ulong[] masks, XnorWeights maskPanels, XnorWeights signPanels, int[] active, int[] signCounts)
    {
        Count = n;
        Levels = levels;
        Bits = bits;
        Signs = signs;
        Masks = masks;
        MaskPanels = maskPanels;
        SignPanels = signPanels;
        Active = active;
        SignCounts = signCounts;
    }

    /// <summary>Weight rows n.</summary>
    public int Count { get; }

    /// <summary>Levels per weight row.</summary>
    public int Levels { get; }

    /// <summary>Reduction length in values.</summary>
    public int Bits { get; }

    /// <summary>Sign planes as given <c>[n, levels, words]</c>.</summary>
    internal ulong[] Signs { get; }

    /// <summary>Masks as given <c>[n, levels, words]</c>.</summary>
    internal ulong[] Masks { get; }

    /// <summary>The masks (n·levels rows) in panels.</summary>
    internal XnorWeights MaskPanels { get; }

    /// <summary>The masked signs s AND m (n·levels rows) in panels.</summary>
    internal XnorWeights SignPanels { get; }

    /// <summary>popcount(m) per row (n·levels).</summary>
    internal int[] Active { get; }

    /// <summary>popcount(s AND m) per row (n·levels).</summary>
    internal int[] SignCounts { get; }

    /// <summary>Prepares <paramref name="signs"/> and <paramref name="masks"/> (copied).</summary>
    /// <param name="signs">Sign planes <c>[n, levels, WordsPerRow(bits)]</c> (bit 1 = +1).</param>
    /// <param name="masks">Level masks <c>[n, levels, WordsPerRow(bits)]</c> (bit set = active).</param>
    /// <param name="n">Weight rows (≥ 0).</param>
    /// <param name="levels">Levels per weight row (≥ 1).</param>
    /// <param name="bits">Reduction length (≥ 0).</param>
    /// <returns>The prepared operand.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A size is out of range.</exception>
    /// <exception cref="ArgumentException">A span is too short or has non-zero padding bits.</exception>
    public static MaskedPlaneWeights Pack(ReadOnlySpan<ulong> signs, ReadOnlySpan<ulong> masks, int n, int levels, int bits)
    {
        MaskedPlaneGemm.Validate(default, signs, masks, 0, n, levels, bits, 0, 1);
        int words = BitLayout.WordsPerRow(bits), rows = n * levels;
        var s = signs[..(rows * words)].ToArray();
        var m = masks[..(rows * words)].ToArray();
        var masked = new ulong[rows * words];
        var active = new int[rows];
        var signCounts = new int[rows];
        for (int r = 0; r < rows; r++)
            for (int w = 0; w < words; w++)
            {
                int at = r * words + w;
                masked[at] = s[at] & m[at];
                active[r] += BitOperations.PopCount(m[at]);
                signCounts[r] += BitOperations.PopCount(masked[at]);
            }
        return new MaskedPlaneWeights(n, levels, bits, s, m, XnorWeights.Pack(m, rows, bits), XnorWeights.Pack(masked, rows, bits), active, signCounts);
    }
}
