namespace Lowbit.Inference.Runtime;

/// <summary>One network family's pipeline over a chunk of at most <see cref="InferenceOptions.MaxBatch"/> images.</summary>
internal interface IChunkRunner
{
    /// <summary>Grows the scratch buffers to hold <paramref name="m"/> images.</summary>
    void EnsureScratch(int m);

    /// <summary>Predicts <paramref name="m"/> images; the optional outputs are empty to skip.</summary>
    void RunChunk(ReadOnlySpan<byte> pixels, int m, Span<int> classes, Span<int> dotsOut, Span<float> logitsOut);
}
