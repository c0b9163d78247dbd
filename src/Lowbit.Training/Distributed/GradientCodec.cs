namespace Lowbit.Training.Distributed;

/// <summary>
/// k-bit stochastic quantization of a block of gradients for the wire (the gradient quantizer of DoReFa-Net and QNN,
/// applied to a bucket instead of a layer's error signal), packed k bits per value after a float32 scale.
/// </summary>
/// <remarks>
/// With m = max|g| over the block and L = 2^k − 1 levels: u = g/(2m) + 1/2 + ν, ν ~ U(−1/(2L), 1/(2L)) per element;
/// code = round(L·clip(u, 0, 1)) (half up); decoded value
/// 2m·(code/L − 1/2). The noise makes the rounding stochastic, so the decoded value is unbiased: E = g (inside the
/// clip, which only the extremes ±m can touch). A block with m = 0 decodes to zeros. Paper: Zhou et al., "DoReFa-Net",
/// arXiv 1606.06160, eq. 12; Hubara et al., "Quantized Neural Networks", JMLR 2018, section 5.
/// Message layout: scale m as little-endian float32, then the codes, value i in bits [k·i, k·i + k) of the byte stream
/// (least significant bit first); the last byte's unused high bits are zero.
/// Noise comes from a SplitMix64 stream seeded with the caller's seed (16 bits per draw), so a message is a pure function
/// of (gradients, seed).
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
        float m = System.Numerics.Tensors.TensorPrimitives.MaxMagnitude(values.IsEmpty ? [0f] : values);
        m = Math.Abs(m);
        var codes = message[4..];
        codes.Clear();
        if (!float.IsFinite(m))
        {
            BitConverter.TryWriteBytes(message, float.NaN); // a non-finite gradient stays visible
            return;
        }
        BitConverter.TryWriteBytes(message, m);
        if (m == 0) return;
        // code = round(clip(y + e, 0, L)) with y = L(g/(2m) + 1/2) in [0, L], e uniform in [−1/2, 1/2), equals
        // min(floor(y + r), L) with r = e + 1/2 uniform in [0, 1): y + r ≥ 0, and the rounding of y + e > L is L.
        double levels = Math.ScaleB(1.0, bits) - 1;
        double a = levels / (2.0 * m), b = levels / 2;
        ulong top = (ulong)levels;
        var writer = new BitWriter(codes, bits);
        var noise = new NoiseStream(seed);
        for (int i = 0; i < values.Length; i++)
            writer.Write(Math.Min((ulong)(values[i] * a + b + noise.Next()), top));
        writer.Flush();
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
        float step = (float)(2.0 * m / levels);
        ulong mask = (1UL << bits) - 1;
        int i = 0;
        if (bits <= 8)
        {
            // Eight values fill exactly `bits` bytes: read them as one word.
            Span<byte> word = stackalloc byte[8];
            for (; i + 8 <= sum.Length; i += 8)
            {
                codes.Slice(i / 8 * bits, bits).CopyTo(word);
                ulong w = BitConverter.ToUInt64(word);
                for (int j = 0; j < 8; j++, w >>= bits) sum[i + j] += (w & mask) * step - m;
            }
        }
        long bit = (long)i * bits;
        for (; i < sum.Length; i++, bit += bits)
        {
            ulong code = 0;
            for (int j = 0; j < bits; j++)
                code |= (ulong)((codes[(int)((bit + j) >> 3)] >> (int)((bit + j) & 7)) & 1) << j;
            sum[i] += code * step - m;
        }
    }

    /// <summary>Appends codes of a fixed width to a byte span, least significant bit first.</summary>
    private ref struct BitWriter(Span<byte> target, int bits)
    {
        private readonly Span<byte> _target = target;
        private ulong _accumulator;
        private int _held;
        private int _position;

        public void Write(ulong code)
        {
            _accumulator |= code << _held;
            _held += bits;
            if (_held < 32) return;
            BitConverter.TryWriteBytes(_target.Slice(_position, 4), (uint)_accumulator);
            _position += 4;
            _accumulator >>= 32;
            _held -= 32;
        }

        public void Flush()
        {
            for (; _held > 0; _held -= 8, _accumulator >>= 8) _target[_position++] = (byte)_accumulator;
        }
    }

    /// <summary>
    /// Uniform draws in [0, 1) with 16 bits each, four from every SplitMix64 output; a pure function of the seed and
    /// the position (1/65536 of a level is far below the rounding's own noise).
    /// </summary>
    private struct NoiseStream(ulong seed)
    {
        private ulong _state = seed;
        private ulong _bits;
        private int _left;

        public double Next()
        {
            if (_left == 0)
            {
                ulong z = _state += 0x9E3779B97F4A7C15UL;
                z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
                z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
                _bits = z ^ (z >> 31);
                _left = 4;
            }
            _left--;
            double r = (_bits & 0xFFFF) * (1.0 / 65536);
            _bits >>= 16;
            return r;
        }
    }

    private static void Check(int count, int bits, int messageBytes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(bits, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(bits, 16);
        if (messageBytes != MessageBytes(count, bits))
            throw new ArgumentException($"A message of {count} values at {bits} bits is {MessageBytes(count, bits)} bytes; got {messageBytes}.", nameof(messageBytes));
    }
}
