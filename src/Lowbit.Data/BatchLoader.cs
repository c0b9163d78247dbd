namespace Lowbit.Data;

/// <summary>
/// Cuts an <see cref="ImageDataset"/> into normalised float mini-batches, optionally shuffled and prefetched.
/// </summary>
/// <remarks>
/// The order of an epoch is a Fisher-Yates permutation drawn from a SplitMix64 generator seeded with a mix of
/// (seed, epoch), so a resumed run reproduces it exactly, and prefetching never changes the content of a batch:
/// the order is fixed before any batch is filled.
/// </remarks>
public sealed class BatchLoader
{
    private readonly float[] _table;

    /// <summary>Creates a loader over <paramref name="dataset"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The batch size is not positive.</exception>
    /// <exception cref="ArgumentException">The normalisation statistics do not match the dataset's channel count.</exception>
    public BatchLoader(ImageDataset dataset, BatchLoaderOptions options)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.BatchSize, $"{nameof(options)}.{nameof(options.BatchSize)}");
        ArgumentNullException.ThrowIfNull(options.Normalization, $"{nameof(options)}.{nameof(options.Normalization)}");
        Dataset = dataset;
        Options = options;
        _table = options.Normalization.BuildTable(dataset.Channels);
        int fullBatches = dataset.Count / options.BatchSize;
        BatchCount = options.DropLast || dataset.Count % options.BatchSize == 0 ? fullBatches : fullBatches + 1;
    }

    /// <summary>The dataset being batched.</summary>
    public ImageDataset Dataset { get; }

    /// <summary>The loader's settings.</summary>
    public BatchLoaderOptions Options { get; }

    /// <summary>Batches per epoch (the last one may be partial unless DropLast is set).</summary>
    public int BatchCount { get; }

    /// <summary>The dataset indices in the order epoch <paramref name="epoch"/> visits them (identity when not shuffling).</summary>
    public int[] GetEpochOrder(int epoch)
    {
        if (!Options.Shuffle)
        {
            var identity = new int[Dataset.Count];
            for (int i = 0; i < identity.Length; i++)
            {
                identity[i] = i;
            }

            return identity;
        }

        return SplitMix64.Permutation(Dataset.Count, SplitMix64.EpochSeed(Options.Seed, epoch));
    }

    /// <summary>
    /// Yields the batches of epoch <paramref name="epoch"/>. The yielded <see cref="ImageBatch"/> objects are reused:
    /// each is valid until the enumerator moves to the next batch.
    /// </summary>
    public IEnumerable<ImageBatch> GetBatches(int epoch)
    {
        int[] order = GetEpochOrder(epoch);
        return Options.Prefetch ? EnumeratePrefetched(order) : Enumerate(order);
    }

    private IEnumerable<ImageBatch> Enumerate(int[] order)
    {
        var batch = new ImageBatch(Options.BatchSize, Dataset.SampleSize);
        for (int b = 0; b < BatchCount; b++)
        {
            Fill(batch, order, b);
            yield return batch;
        }
    }

    private IEnumerable<ImageBatch> EnumeratePrefetched(int[] order)
    {
        ImageBatch[] buffers = [new(Options.BatchSize, Dataset.SampleSize), new(Options.BatchSize, Dataset.SampleSize)];
        Task? pending = BatchCount > 0 ? Task.Run(() => Fill(buffers[0], order, 0)) : null;
        try
        {
            for (int b = 0; b < BatchCount; b++)
            {
                pending!.GetAwaiter().GetResult();
                ImageBatch current = buffers[b & 1];
                int next = b + 1;
                // The other buffer was handed out for batch b - 1, which the caller released by moving on.
                pending = next < BatchCount ? Task.Run(() => Fill(buffers[next & 1], order, next)) : null;
                yield return current;
            }
        }
        finally
        {
            pending?.GetAwaiter().GetResult();
        }
    }

    private void Fill(ImageBatch batch, int[] order, int batchIndex)
    {
        int start = batchIndex * Options.BatchSize;
        int count = Math.Min(Options.BatchSize, order.Length - start);
        int sampleSize = Dataset.SampleSize;
        for (int i = 0; i < count; i++)
        {
            int index = order[start + i];
            batch.Indices[i] = index;
            batch.Labels[i] = Dataset.Labels[index];
            NormalizationOptions.ApplyWithTable(
                _table, Dataset.GetImage(index), Dataset.Channels, batch.Inputs.AsSpan(i * sampleSize, sampleSize));
        }

        batch.Count = count;
        batch.BatchIndex = batchIndex;
    }
}
