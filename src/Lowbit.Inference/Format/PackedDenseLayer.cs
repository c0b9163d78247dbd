using Lowbit.Kernels.Bits;

namespace Lowbit.Inference.Format;

/// <summary>
/// A fully connected packed layer whose weights are bit planes packed 64 to a word (<see cref="BitLayout"/>):
/// <see cref="Planes"/> packed rows of <see cref="InFeatures"/> bits per output unit,
/// <c>[OutFeatures, Planes, WordsPerRow(InFeatures)]</c>, padding bits zero. Binary layers have one plane (±1 signs).
/// Every dense kind starts with the 12-byte <see cref="DenseHeader"/>.
/// </summary>
public abstract class PackedDenseLayer : PackedLayer
{
    /// <summary>Validates and stores the shared fields.</summary>
    /// <exception cref="ArgumentException">The weight array has the wrong length or non-zero padding bits.</exception>
    protected PackedDenseLayer(int inFeatures, int outFeatures, ulong[] weights, int planes = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(inFeatures, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(outFeatures, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(planes, 1);
        ArgumentNullException.ThrowIfNull(weights);
        int words = BitLayout.WordsPerRow(inFeatures);
        long rows = (long)outFeatures * planes;
        if (weights.Length != rows * words)
            throw new ArgumentException($"Packed weights of a {inFeatures} → {outFeatures} layer with {planes} plane(s) need {rows * words} words but {weights.Length} were given.", nameof(weights));
        ulong mask = BitLayout.LastWordMask(inFeatures);
        for (long r = 0; r < rows; r++)
            if ((weights[(r + 1) * words - 1] & ~mask) != 0)
                throw new ArgumentException($"Packed weight row {r / planes} (plane {r % planes}) has non-zero padding bits past {inFeatures} inputs.", nameof(weights));
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
        Planes = planes;
        Weights = weights;
    }

    /// <summary>Inputs per unit (the reduction length N).</summary>
    public int InFeatures { get; }

    /// <summary>Output units.</summary>
    public int OutFeatures { get; }

    /// <summary>Words per packed weight row: <c>ceil(InFeatures / 64)</c>.</summary>
    public int WordsPerRow => BitLayout.WordsPerRow(InFeatures);

    /// <summary>Weight bit planes per output unit (1 for ±1 weights).</summary>
    public int Planes { get; }

    /// <summary>Packed weights <c>[OutFeatures, Planes, WordsPerRow]</c>; for ±1 weights bit 1 = +1.</summary>
    public ulong[] Weights { get; }

    /// <summary>Bytes of <paramref name="planes"/> packed rows per unit: <c>8·M·planes·ceil(N/64)</c>.</summary>
    internal static long WeightBytes(int inFeatures, int outFeatures, int planes) => 8L * outFeatures * planes * BitLayout.WordsPerRow(inFeatures);
}
