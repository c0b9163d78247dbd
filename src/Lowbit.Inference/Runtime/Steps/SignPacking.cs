namespace Lowbit.Inference.Runtime.Steps;

/// <summary>Thresholding float outputs of a convolution into a channel-packed ±1 map.</summary>
internal static class SignPacking
{
    /// <summary>
    /// From y <c>[m, O, P]</c> (channel-major, as a convolution writes it) to bits <c>[m, P, WordsPerRow(O)]</c>: channel
    /// o of position p is +1 iff z ≥ τ_o with z = y or −y by the channel's direction.
    /// </summary>
    public static void PackChannels(ReadOnlySpan<float> y, int m, int channels, int positions, bool[] negated, float[] thresholds, Span<ulong> bits)
    {
        int words = Kernels.Bits.BitLayout.WordsPerRow(channels);
        bits[..(m * positions * words)].Clear();
        for (int i = 0; i < m; i++)
            for (int o = 0; o < channels; o++)
            {
                var plane = y.Slice((i * channels + o) * positions, positions);
                float t = thresholds[o];
                bool neg = negated[o];
                ulong bit = 1UL << (o & 63);
                int word = i * positions * words + (o >> 6);
                for (int p = 0; p < positions; p++)
                {
                    float z = neg ? -plane[p] : plane[p];
                    if (z >= t) bits[word + p * words] |= bit;
                }
            }
    }

    /// <summary>The signs of a real map <c>[m, C, P]</c> (x ≥ 0 → +1, as ste_sign) packed per pixel: <c>[m, P, WordsPerRow(C)]</c>.</summary>
    public static void PackSigns(ReadOnlySpan<float> x, int m, int channels, int positions, Span<ulong> bits)
    {
        int words = Kernels.Bits.BitLayout.WordsPerRow(channels);
        bits[..(m * positions * words)].Clear();
        for (int i = 0; i < m; i++)
            for (int c = 0; c < channels; c++)
            {
                var plane = x.Slice((i * channels + c) * positions, positions);
                ulong bit = 1UL << (c & 63);
                int word = i * positions * words + (c >> 6);
                for (int p = 0; p < positions; p++)
                    if (plane[p] >= 0) bits[word + p * words] |= bit;
            }
    }
}
