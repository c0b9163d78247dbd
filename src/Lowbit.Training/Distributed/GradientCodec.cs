namespace Lowbit.Training.Distributed;

/// <summary>
/// k-bit stochastic quantization of a block of gradients for the wire (the gradient quantizer of DoReFa-Net and QNN,
/// applied to a bucket instead of a layer's error signal), packed k bits per value after a float32 scale.
/// </summary>
/// <remarks>
/// With m = max|g| over the block and L = 2^k − 1 levels: u = g/(2m) + 1/2 + ν, ν ~ U(−1/(2L), 1/(2L)) per element;
/// code = round(L·clip(u, 0, 1)) (half away from zero; a tie has probability zero with continuous noise); decoded value
/// 2m·(code/L − 1/2). The noise makes the rounding stochastic, so the decoded value is unbiased: E = g (inside the
/// clip, which only the extremes ±m can touch). A block with m = 0 decodes to zeros. Paper: Zhou et al., "DoReFa-Net",
/// arXiv 1606.06160, eq. 12; Hubara et al., "Quantized Neural Networks", JMLR 2018, section 5.
/// Message layout: scale m as little-endian float32, then the codes, value i in bits [k·i, k·i + k) of the byte stream
/// (least significant bit first); the last byte's unused high bits are zero.
/// Noise comes from a SplitMix64 hash of (seed, element index), so a message is a pure function of (gradients, seed).
/// </remarks>
public static class GradientCodec
{
    /// <summary>Bytes of a message for <paramref name="count"/> values at <paramref name="bits"/> bits.</summary>
    public static int MessageBytes(int count, int bits) => 4 + (int)(((long)count * bits + 7) / 8);

    /// <summary>Quantizes <paramref name="values"/> into <paramref name="message"/> (see remarks).</summary>
    /// <exception cref="ArgumentOutOfRangeException">bits outside 1..16.</exception>
    /// <exception cref="ArgumentException">The message is not <see cref="MessageBytes"/> long.</exception>
    public static void Encode(ReadOnlySpan<float> values, int bits, ulong seed, Span<byte> message)
    {
        Check(values.Length, bits, message.Length);
        float m = 0;
        foreach (float v in values) m = Math.Max(m, Math.Abs(v));
        BitConverter.TryWriteBytes(message, m);
        var codes = message[4..];
        codes.Clear();
        if (m == 0 || !float.IsFinite(m))
        {
            if (!float.IsFinite(m)) BitConverter.TryWriteBytes(message, float.NaN); // a non-finite gradient stays visible
            return;
        }
        double levels = Math.ScaleB(1.0, bits) - 1;
        double inverse = 1.0 / (2.0 * m);
        double halfNoise = 0.5 / levels;
        ulong accumulator = 0;
        int held = 0, position = 0;
        for (int i = 0; i < values.Length; i++)
        {
            double u = values[i] * inverse + 0.5 + (2 * Noise(seed, i) - 1) * halfNoise;
            ulong code = (ulong)Math.Round(Math.Clamp(u, 0, 1) * levels, MidpointRounding.AwayFromZero);
            accumulator |= code << held;
            held += bits;
            while (held >= 8)
            {
                codes[position++] = (byte)accumulator;
                accumulator >>= 8;
                held -= 8;
            }
        }
        if (held > 0) codes[position] = (byte)accumulator;
    }

    /// <summary>Adds the decoded values of <paramref name="message"/> to <paramref name="sum"/>.</summary>
    /// <exception cref="ArgumentException">The message is not <see cref="MessageBytes"/> long.</exception>
    public static void DecodeAdd(ReadOnlySpan<byte> message, int bits, Span<float> sum)
    {
        Check(sum.Length, bits, message.Length);
        float m = BitConverter.ToSingle(message);
        if (m == 0) return;
        if (!float.IsFinite(m))
        {
            sum.Fill(float.NaN);
            return;
        }
        var codes = message[4..];
        double levels = Math.ScaleB(1.0, bits) - 1;
        double step = 2.0 * m / levels;
        ulong mask = (1UL << bits) - 1;
        ulong accumulator = 0;
        int held = 0, position = 0;
        for (int i = 0; i < sum.Length; i++)
        {
            while (held < bits)
            {
                accumulator |= (ulong)codes[position++] << held;
                held += 8;
            }
            ulong code = accumulator & mask;
            accumulator >>= bits;
            held -= bits;
            sum[i] += (float)(code * step - m);
        }
    }

    /// <summary>The uniform draw in [0, 1) for element <paramref name="index"/> (53 bits of a SplitMix64 hash).</summary>
    internal static double Noise(ulong seed, int index)
    {
        ulong z = seed + 0x9E3779B97F4A7C15UL * ((ulong)(uint)index + 1);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        z ^= z >> 31;
        return (z >> 11) * (1.0 / (1UL << 53));
    }

    private static void Check(int count, int bits, int messageBytes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(bits, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(bits, 16);
        if (messageBytes != MessageBytes(count, bits))
            throw new ArgumentException($"A message of {count} values at {bits} bits is {MessageBytes(count, bits)} bytes; got {messageBytes}.", nameof(messageBytes));
    }
}
