namespace Lowbit.Inference.Runtime;

/// <summary>Settings of an <see cref="InferenceSession"/>.</summary>
/// <param name="Threads">Worker threads for the bit GEMMs (≥ 1); results are identical for every count.</param>
/// <param name="MaxBatch">Images processed per internal chunk (≥ 1); bounds the scratch memory (about
/// MaxBatch × (widest layer) × 4 bytes).</param>
public sealed record InferenceOptions(int Threads = 1, int MaxBatch = 256)
{
    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(Threads, 1, nameof(Threads));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxBatch, 1, nameof(MaxBatch));
    }
}
