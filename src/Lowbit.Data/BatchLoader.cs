using System.Diagnostics;

namespace Lowbit.Data;

/// <summary>
/// Cuts an <see cref="ImageDataset"/> into normalised float mini-batches, optionally shuffled, augmented and prefetched.
/// </summary>
/// <remarks>
/// The order of an epoch is a Fisher-Yates permutation drawn from a SplitMix64 generator seeded with a mix of
/// (seed, epoch), and each image's crop and flip are drawn from a generator seeded with (seed, epoch, image index),
/// so a batch is a pure function of (seed, epoch, batch index): a resumed run reproduces it exactly, and
/// prefetching never changes the content of a batch.
/// </remarks>
public sealed class BatchLoader
{
    private readonly float[] _table;
    private long _fillTicks;
    private long _waitTicks;

    /// <summary>Creates a loader over <paramref name="dataset"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The batch size is not positive.</exception>
    /// <exception cref="ArgumentException">The normalisation statistics do not match the dataset's channel count.</exception>
    public BatchLoader(ImageDataset dataset, BatchLoaderOptions options)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.BatchSize, $"{nameof(options)}.{nameof(options.BatchSize)}");
        ArgumentNullException.ThrowIfNull(options.Normalization, $"{nameof(options)}.{nameof(options.Normalization)}");
        ArgumentNullException.ThrowIfNull(options.Augmentation, $"{nameof(options)}.{nameof(options.Augmentation)}");
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.ShardCount, $"{nameof(options)}.{nameof(options.ShardCount)}");
        ArgumentOutOfRangeException.ThrowIfNegative(options.ShardIndex, $"{nameof(options)}.{nameof(options.ShardIndex)}");
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(options.ShardIndex, options.ShardCount, $"{nameof(options)}.{nameof(options.ShardIndex)}");
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

    /// <summary>Seconds spent filling batches (converting, augmenting) since the loader was made, on any thread.</summary>
    public double FillSeconds => Stopwatch.GetElapsedTime(0, Interlocked.Read(ref _fillTicks)).TotalSeconds;

    /// <summary>
    /// Seconds the consumer spent waiting for batches since the loader was made: the whole fill time without
    /// prefetching, only the part not hidden behind the consumer's work with it.
    /// </summary>
    public double WaitSeconds => Stopwatch.GetElapsedTime(0, Interlocked.Read(ref _waitTicks)).TotalSeconds;

    /// <summary>
    /// The rows [Start, Start + Count) of a batch of <paramref name="count"/> images that shard <paramref name="shard"/> of
    /// <paramref name="shards"/> takes: contiguous, and the first count mod shards shards take one image more (so shard 0
    /// has an image whenever the batch has one).
    /// </summary>
    public static (int Start, int Count) Shard(int count, int shard, int shards)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(shards);
        ArgumentOutOfRangeException.ThrowIfNegative(shard);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(shard, shards);
        int q = count / shards, extra = count % shards;
        return (shard * q + Math.Min(shard, extra), q + (shard < extra ? 1 : 0));
    }

    /// <summary>Images per yielded batch at most (the shard of a full batch).</summary>
    private int Capacity => (Options.BatchSize + Options.ShardCount - 1) / Options.ShardCount;

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
    /// Yields the batches of epoch <paramref name="epoch"/>, starting at batch <paramref name="firstBatch"/> (to resume
    /// mid-epoch; the batches are the same as in a full pass). The yielded <see cref="ImageBatch"/> objects are reused:
    /// each is valid until the enumerator moves to the next batch.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="firstBatch"/> is not in 0..BatchCount.</exception>
    public IEnumerable<ImageBatch> GetBatches(int epoch, int firstBatch = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(firstBatch);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(firstBatch, BatchCount);
        int[] order = GetEpochOrder(epoch);
        return Options.Prefetch ? EnumeratePrefetched(order, epoch, firstBatch) : Enumerate(order, epoch, firstBatch);
    }

    private IEnumerable<ImageBatch> Enumerate(int[] order, int epoch, int firstBatch)
    {
        var batch = new ImageBatch(Capacity, Dataset.SampleSize);
        for (int b = firstBatch; b < BatchCount; b++)
        {
            long start = Stopwatch.GetTimestamp();
            Fill(batch, order, epoch, b);
            Interlocked.Add(ref _waitTicks, Stopwatch.GetTimestamp() - start);
            yield return batch;
        }
    }

    private IEnumerable<ImageBatch> EnumeratePrefetched(int[] order, int epoch, int firstBatch)
    {
        ImageBatch[] buffers = [new(Capacity, Dataset.SampleSize), new(Capacity, Dataset.SampleSize)];
        Task? pending = firstBatch < BatchCount ? FillInBackground(buffers[firstBatch & 1], order, epoch, firstBatch) : null;
        try
        {
            for (int b = firstBatch; b < BatchCount; b++)
            {
                long start = Stopwatch.GetTimestamp();
                pending!.GetAwaiter().GetResult();
                Interlocked.Add(ref _waitTicks, Stopwatch.GetTimestamp() - start);
                ImageBatch current = buffers[b & 1];
                int next = b + 1;
                // The other buffer was handed out for batch b - 1, which the caller released by moving on.
                pending = next < BatchCount ? FillInBackground(buffers[next & 1], order, epoch, next) : null;
                yield return current;
            }
        }
        finally
        {
            pending?.GetAwaiter().GetResult();
        }
    }

    private Task FillInBackground(ImageBatch batch, int[] order, int epoch, int batchIndex) =>
        Task.Run(() => Fill(batch, order, epoch, batchIndex));

    private void Fill(ImageBatch batch, int[] order, int epoch, int batchIndex)
    {
        long started = Stopwatch.GetTimestamp();
        int batchStart = batchIndex * Options.BatchSize;
        var (offset, count) = Shard(Math.Min(Options.BatchSize, order.Length - batchStart), Options.ShardIndex, Options.ShardCount);
        int start = batchStart + offset;
        int sampleSize = Dataset.SampleSize;
        AugmentationOptions augmentation = Options.Augmentation;
        for (int i = 0; i < count; i++)
        {
            int index = order[start + i];
            batch.Indices[i] = index;
            batch.Labels[i] = Dataset.Labels[index];
            Span<float> destination = batch.Inputs.AsSpan(i * sampleSize, sampleSize);
            if (augmentation.IsNone)
            {
                NormalizationOptions.ApplyWithTable(_table, Dataset.GetImage(index), Dataset.Channels, destination);
            }
            else
            {
                CropFlip draw = ImageAugmenter.Draw(augmentation, Options.Seed, epoch, index);
                ImageAugmenter.ApplyWithTable(
                    _table, Dataset.GetImage(index), Dataset.Channels, Dataset.Height, Dataset.Width, augmentation.CropPadding, draw, destination);
            }
        }

        batch.Count = count;
        batch.BatchIndex = batchIndex;
        Interlocked.Add(ref _fillTicks, Stopwatch.GetTimestamp() - started);
    }
}
