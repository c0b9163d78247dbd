namespace Lowbit.Kernels.Bits;

/// <summary>
/// The packed filters of a binary shift convolution (<see cref="ShiftXnorConv"/>): every connection (o, c) reads input
/// channel c at one of the k·k cells of a k×k window (its shift) or is pruned, with a ±1 weight. Stored per used cell
/// t as a mask of the input channels whose connection to o reads cell t, so that a pixel's gathered input word for o
/// is OR_t (x_t AND mask_t[o]) — the shift is an index offset (which input word is read), no multiply.
/// </summary>
/// <remarks>
/// Layout (u64, output channels along the lanes, padded with zero lanes to a multiple of <see cref="LaneGroup"/>):
/// masks <c>[taps, words, lanes]</c>, weights <c>[words, lanes]</c> with the bits of pruned connections cleared (the
/// gathered word has them clear too, so they never mismatch). <see cref="Active"/>[o] counts o's connections: the ±1
/// dot product of o is Active[o] − 2·d.
/// </remarks>
public sealed class ShiftXnorFilters
{
    /// <summary>Output channels per vector group (the vector path's lanes); lanes are padded to a multiple of it.</summary>
    public const int LaneGroup = 4;

    private ShiftXnorFilters(XnorConvShape shape, int[] tapY, int[] tapX, ulong[] masks, ulong[] weights, int[] active, int lanes)
    {
        (Shape, TapY, TapX, Masks, Weights, Active, Lanes) = (shape, tapY, tapX, masks, weights, active, lanes);
    }

    /// <summary>The geometry of the equivalent k×k convolution (padding, stride, pad bits).</summary>
    public XnorConvShape Shape { get; }

    /// <summary>Window row of each used cell.</summary>
    internal int[] TapY { get; }

    /// <summary>Window column of each used cell.</summary>
    internal int[] TapX { get; }

    /// <summary>Masks <c>[taps, words, lanes]</c>.</summary>
    internal ulong[] Masks { get; }

    /// <summary>Weights <c>[words, lanes]</c>, pruned bits clear.</summary>
    internal ulong[] Weights { get; }

    /// <summary>Active (unpruned) connections of each output channel.</summary>
    public int[] Active { get; }

    /// <summary>Output channels rounded up to <see cref="LaneGroup"/>.</summary>
    internal int Lanes { get; }

    /// <summary>Cells the connections use (at most k·k).</summary>
    internal int Taps => TapY.Length;

    /// <summary>Packs the filters.</summary>
    /// <param name="shape">The equivalent k×k convolution (input and output shape, kernel, stride, padding, pad bits).</param>
    /// <param name="positions">Cell of every connection <c>[O·C]</c> in (o, c) order: p ∈ [0, k·k) or −1 (pruned).</param>
    /// <param name="weights">±1 weight rows <c>[O, WordsPerRow(C)]</c> (<see cref="BitLayout"/>); bits of pruned connections are ignored.</param>
    /// <returns>The filters.</returns>
    /// <exception cref="ArgumentException">A length is wrong or a position is out of range.</exception>
    public static ShiftXnorFilters Pack(XnorConvShape shape, ReadOnlySpan<int> positions, ReadOnlySpan<ulong> weights)
    {
        shape.Validate();
        int o = shape.OutChannels, c = shape.InChannels, words = BitLayout.WordsPerRow(c), cells = shape.Kernel * shape.Kernel;
        BitChecks.Length(nameof(positions), positions.Length, (long)o * c, "[O·C]");
        BitChecks.Length(nameof(weights), weights.Length, (long)o * words, "[O, WordsPerRow(C)]");
        var used = new int[cells];
        Array.Fill(used, -1);
        var tapY = new List<int>();
        var tapX = new List<int>();
        foreach (int p in positions)
        {
            if (p < -1 || p >= cells) throw new ArgumentException($"Shift position {p} is outside [0, {cells}) and not −1 (pruned).", nameof(positions));
            if (p < 0 || used[p] >= 0) continue;
            used[p] = 0;
        }
        for (int p = 0; p < cells; p++)
            if (used[p] == 0)
            {
                used[p] = tapY.Count;
                tapY.Add(p / shape.Kernel);
                tapX.Add(p % shape.Kernel);
            }
        int lanes = (o + LaneGroup - 1) / LaneGroup * LaneGroup;
        var masks = new ulong[tapY.Count * words * lanes];
        var packed = new ulong[words * lanes];
        var active = new int[o];
        for (int oc = 0; oc < o; oc++)
            for (int ch = 0; ch < c; ch++)
            {
                int p = positions[oc * c + ch];
                if (p < 0) continue;
                ulong bit = 1UL << (ch & 63);
                int w = ch >> 6;
                masks[(used[p] * words + w) * lanes + oc] |= bit;
                packed[w * lanes + oc] |= weights[oc * words + w] & bit;
                active[oc]++;
            }
        return new ShiftXnorFilters(shape, [.. tapY], [.. tapX], masks, packed, active, lanes);
    }
}
