namespace Lowbit.Inference.Format;

/// <summary>
/// Little-endian bit streams in byte arrays (kind 15's shift indices and sign bits): value i of b bits occupies bits
/// [i·b, (i + 1)·b), bit t being bit t mod 8 of byte t / 8, least significant bit first; bits past the end are zero.
/// </summary>
internal static class BitStream
{
    /// <summary>Writes the low <paramref name="bits"/> bits of <paramref name="value"/> at bit <paramref name="offset"/> (the target bits must be zero).</summary>
    public static void Put(Span<byte> stream, long offset, int bits, int value)
    {
        for (int b = 0; b < bits; b++)
            if ((value >> b & 1) != 0) stream[(int)((offset + b) >> 3)] |= (byte)(1 << (int)((offset + b) & 7));
    }

    /// <summary>The <paramref name="bits"/>-bit value at bit <paramref name="offset"/>.</summary>
    public static int Get(ReadOnlySpan<byte> stream, long offset, int bits)
    {
        int value = 0;
        for (int b = 0; b < bits; b++) value |= (stream[(int)((offset + b) >> 3)] >> (int)((offset + b) & 7) & 1) << b;
        return value;
    }

    /// <summary>Whether the bits from <paramref name="used"/> to the end of the stream are zero.</summary>
    public static bool PaddingClear(ReadOnlySpan<byte> stream, long used)
    {
        int rest = (int)(used & 7);
        return rest == 0 || stream.Length == 0 || (stream[^1] >> rest) == 0;
    }
}
