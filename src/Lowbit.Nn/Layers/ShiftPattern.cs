namespace Lowbit.Nn.Layers;

/// <summary>
/// Shift positions of shift layers. A position p ∈ [0, k·k) is the kernel cell (p / k, p mod k) a one-hot k×k kernel
/// would select; with padding P the input is read at offset (p / k − P, p mod k − P) from the output position
/// (times the stride). −1 marks a pruned shift (no position).
/// </summary>
public static class ShiftPattern
{
    /// <summary>
    /// The fixed assignment of shift layers (Wu et al. 2018, "Shift: A Zero FLOP, Zero Parameter Alternative to Spatial
    /// Convolutions"): the channels split into k·k groups of ⌊C / k²⌋ consecutive channels, group g shifted to position g
    /// (row-major), and the C mod k² remaining channels left in place (the centre position).
    /// </summary>
    /// <param name="channels">Input channels C (≥ k·k, so that every direction has a channel).</param>
    /// <param name="kernelSize">Kernel size k (≥ 1).</param>
    /// <returns>The position of every channel.</returns>
    /// <exception cref="ArgumentException">Fewer channels than directions.</exception>
    public static int[] Even(int channels, int kernelSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(kernelSize, 1);
        int directions = kernelSize * kernelSize;
        if (channels < directions)
            throw new ArgumentException($"A shift layer with kernel {kernelSize} has {directions} directions and needs at least that many input channels, got {channels}.", nameof(channels));
        int group = channels / directions, centre = directions / 2;
        var positions = new int[channels];
        for (int c = 0; c < channels; c++) positions[c] = c < group * directions ? c / group : centre;
        return positions;
    }

    /// <summary>Row and column offsets of each position for padding <paramref name="padding"/> (pruned positions: 0, 0).</summary>
    /// <param name="positions">Positions in [0, k·k) or −1.</param>
    /// <param name="kernelSize">Kernel size k.</param>
    /// <param name="padding">Padding of the equivalent k×k convolution.</param>
    /// <returns>The offsets, one pair per position.</returns>
    public static (int[] OffsetY, int[] OffsetX) Offsets(ReadOnlySpan<int> positions, int kernelSize, int padding)
    {
        var dy = new int[positions.Length];
        var dx = new int[positions.Length];
        for (int i = 0; i < positions.Length; i++)
        {
            int p = positions[i];
            if (p < 0) continue;
            if (p >= kernelSize * kernelSize) throw new ArgumentOutOfRangeException(nameof(positions), p, $"A shift position must lie in [0, {kernelSize * kernelSize}) or be −1 (pruned).");
            (dy[i], dx[i]) = (p / kernelSize - padding, p % kernelSize - padding);
        }
        return (dy, dx);
    }

    /// <summary>Bits of one stored shift index: ⌈log2(k·k)⌉ (4 for a 3×3 kernel).</summary>
    public static int IndexBits(int kernelSize)
    {
        int bits = 0;
        while ((1 << bits) < kernelSize * kernelSize) bits++;
        return bits;
    }
}
