using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Lowbit.Inference.Runtime.Steps;

/// <summary>Thresholding float outputs of a convolution into a channel-packed ±1 map.</summary>
internal static class SignPacking
{
    /// <summary>
    /// From y <c>[m, O, P]</c> (channel-major, as a convolution writes it) to bits <c>[m, P, WordsPerRow(O)]</c>: channel
    /// o of position p is +1 iff z ≥ τ_o with z = y or −y by the channel's direction.
    /// </summary>
    /// <remarks>
    /// Vector path: 8 channels × 8 positions at a time; each channel's 8 comparisons become one byte of a 64-bit
    /// matrix (row = channel), an 8 × 8 bit transpose turns it into one byte of 8 channels per position. −y is y with
    /// its sign bit flipped (exactly IEEE negation). Positions past the last multiple of 8 take the scalar path.
    /// </remarks>
    public static void PackChannels(ReadOnlySpan<float> y, int m, int channels, int positions, bool[] negated, float[] thresholds, Span<ulong> bits)
    {
        int words = Kernels.Bits.BitLayout.WordsPerRow(channels);
        bits[..(m * positions * words)].Clear();
        int blocked = Vector256.IsHardwareAccelerated ? positions & ~7 : 0;
        ref float y0 = ref MemoryMarshal.GetReference(y);
        for (int i = 0; i < m; i++)
            for (int o0 = 0; o0 < channels; o0 += 8)
            {
                int group = Math.Min(8, channels - o0), word = i * positions * words + (o0 >> 6), shift = o0 & 63;
                for (int p = 0; p < blocked; p += 8)
                {
                    ulong matrix = 0;
                    for (int k = 0; k < group; k++)
                    {
                        int o = o0 + k;
                        var v = Vector256.LoadUnsafe(ref y0, (nuint)((i * channels + o) * positions + p));
                        if (negated[o]) v = -v;
                        ulong mask = Vector256.GreaterThanOrEqual(v, Vector256.Create(thresholds[o])).ExtractMostSignificantBits();
                        matrix |= mask << (8 * k);
                    }
                    matrix = Transpose8x8(matrix);
                    for (int j = 0; j < 8; j++) bits[word + (p + j) * words] |= ((matrix >> (8 * j)) & 0xFF) << shift;
                }
                for (int k = 0; k < group; k++)
                {
                    int o = o0 + k;
                    var plane = y.Slice((i * channels + o) * positions, positions);
                    float t = thresholds[o];
                    bool neg = negated[o];
                    for (int p = blocked; p < positions; p++)
                    {
                        float z = neg ? -plane[p] : plane[p];
                        if (z >= t) bits[word + p * words] |= 1UL << (o & 63);
                    }
                }
            }
    }

    /// <summary>The scalar reference of <see cref="PackChannels"/> (test oracle).</summary>
    internal static void PackChannelsScalar(ReadOnlySpan<float> y, int m, int channels, int positions, bool[] negated, float[] thresholds, Span<ulong> bits)
    {
        int words = Kernels.Bits.BitLayout.WordsPerRow(channels);
        bits[..(m * positions * words)].Clear();
        for (int i = 0; i < m; i++)
            for (int o = 0; o < channels; o++)
            {
                var plane = y.Slice((i * channels + o) * positions, positions);
                for (int p = 0; p < positions; p++)
                {
                    float z = negated[o] ? -plane[p] : plane[p];
                    if (z >= thresholds[o]) bits[i * positions * words + (o >> 6) + p * words] |= 1UL << (o & 63);
                }
            }
    }

    /// <summary>Transposes an 8 × 8 bit matrix held as 8 bytes: bit 8r + c moves to bit 8c + r (Hacker's Delight §7-3).</summary>
    internal static ulong Transpose8x8(ulong x)
    {
        ulong t = (x ^ (x >> 7)) & 0x00AA00AA00AA00AAUL;
        x ^= t ^ (t << 7);
        t = (x ^ (x >> 14)) & 0x0000CCCC0000CCCCUL;
        x ^= t ^ (t << 14);
        t = (x ^ (x >> 28)) & 0x00000000F0F0F0F0UL;
        return x ^ t ^ (t << 28);
    }

    /// <summary>The signs of a real map <c>[m, C, P]</c> (x ≥ 0 → +1, as ste_sign) packed per pixel: <c>[m, P, WordsPerRow(C)]</c>.</summary>
    public static void PackSigns(ReadOnlySpan<float> x, int m, int channels, int positions, Span<ulong> bits) =>
        PackChannels(x, m, channels, positions, new bool[channels], new float[channels], bits);
}
