using Lowbit.Kernels.Bits;

namespace Lowbit.Inference.Format;

/// <summary>
/// The weights of a k-bit convolution: unsigned m-bit codes c with float32 values <see cref="Levels"/>[c], stored as m
/// bit planes per output channel, <c>[O, m, ceil(C·k·k/64)]</c>, the reduction in the model's [C, k, k] order.
/// </summary>
public sealed class KBitConv
{
    /// <summary>Creates the weights (checked against a geometry by the layer).</summary>
    /// <param name="bits">m.</param>
    /// <param name="levels">W[c], 2^m finite values.</param>
    /// <param name="planes">Code planes <c>[O, m, ceil(K/64)]</c>.</param>
    public KBitConv(int bits, float[] levels, ulong[] planes)
    {
        ArgumentNullException.ThrowIfNull(levels);
        ArgumentNullException.ThrowIfNull(planes);
        if (bits is < 1 or > PlaneDenseLayer.MaxBits || levels.Length != 1 << bits)
            throw new ArgumentException($"Weight codes of {bits} bits need 2^{bits} levels, got {levels.Length}.", nameof(levels));
        for (int i = 0; i < levels.Length; i++)
            if (!float.IsFinite(levels[i])) throw new ArgumentException($"Weight level {i} is {levels[i]}; it must be finite.", nameof(levels));
        Bits = bits;
        Levels = levels;
        Planes = planes;
    }

    /// <summary>m.</summary>
    public int Bits { get; }

    /// <summary>W[c].</summary>
    public float[] Levels { get; }

    /// <summary>Code planes <c>[O, m, ceil(K/64)]</c>.</summary>
    public ulong[] Planes { get; }

    /// <summary>Bytes: levels and planes.</summary>
    internal static long Size(ConvGeometry g, int bits) => 4L * (1 << bits) + 8L * g.OutChannels * bits * BitLayout.WordsPerRow(g.PatchSize);

    internal void Validate(ConvGeometry g, int inputBits, string name)
    {
        int k = g.PatchSize, words = BitLayout.WordsPerRow(k);
        long rows = (long)g.OutChannels * Bits;
        if (Planes.Length != rows * words)
            throw new ArgumentException($"{name}: planes of a {g} convolution with {Bits}-bit codes need {rows * words} words but have {Planes.Length}.", name);
        for (long r = 0; r < rows; r++)
            if ((Planes[(r + 1) * words - 1] & ~BitLayout.LastWordMask(k)) != 0)
                throw new ArgumentException($"{name}: plane row {r} has non-zero padding bits past {k} inputs.", name);
        if (((1L << Bits) - 1) * ((1L << inputBits) - 1) * k > int.MaxValue)
            throw new ArgumentException($"{name}: {Bits}-bit weights on {inputBits}-bit inputs over {k} products overflow 32 bits.", name);
    }

    internal void Write(ref PackedWriter w)
    {
        w.F32(Levels);
        w.U64(Planes);
    }

    internal static KBitConv Read(ref PackedModelReader r, ConvGeometry g, int bits, int index)
    {
        var levels = r.ReadFloats(1 << bits, $"layer {index} weight levels", false);
        return new KBitConv(bits, levels, r.ReadWeights(index, g.PatchSize, g.OutChannels, bits));
    }
}
