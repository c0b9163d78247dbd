using Lowbit.Kernels.Bits;

namespace Lowbit.Inference.Format;

/// <summary>
/// A fully connected layer with ±1 weights packed 64 to a word (<see cref="BitLayout"/>): one packed row of
/// <see cref="InFeatures"/> signs per output unit, <c>[OutFeatures, WordsPerRow(InFeatures)]</c>, padding bits zero.
/// </summary>
public abstract class PackedDenseLayer
{
    /// <summary>Validates and stores the shared fields.</summary>
    /// <exception cref="ArgumentException">The weight array has the wrong length or non-zero padding bits.</exception>
    protected PackedDenseLayer(int inFeatures, int outFeatures, ulong[] weights)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(inFeatures, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(outFeatures, 1);
        ArgumentNullException.ThrowIfNull(weights);
        int words = BitLayout.WordsPerRow(inFeatures);
        if (weights.Length != (long)outFeatures * words)
            throw new ArgumentException($"Packed weights of a {inFeatures} → {outFeatures} layer need {(long)outFeatures * words} words but {weights.Length} were given.", nameof(weights));
        ulong mask = BitLayout.LastWordMask(inFeatures);
        for (int j = 0; j < outFeatures; j++)
            if ((weights[(j + 1) * words - 1] & ~mask) != 0)
                throw new ArgumentException($"Packed weight row {j} has non-zero padding bits past {inFeatures} inputs.", nameof(weights));
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
        Weights = weights;
    }

    /// <summary>Inputs per unit (the reduction length N).</summary>
    public int InFeatures { get; }

    /// <summary>Output units.</summary>
    public int OutFeatures { get; }

    /// <summary>Words per packed weight row: <c>ceil(InFeatures / 64)</c>.</summary>
    public int WordsPerRow => BitLayout.WordsPerRow(InFeatures);

    /// <summary>Packed ±1 weights <c>[OutFeatures, WordsPerRow]</c> (bit 1 = +1).</summary>
    public ulong[] Weights { get; }
}
