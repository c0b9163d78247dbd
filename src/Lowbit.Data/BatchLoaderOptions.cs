namespace Lowbit.Data;

/// <summary>Settings of a <see cref="BatchLoader"/>.</summary>
public sealed record BatchLoaderOptions
{
    /// <summary>Images per batch; must be positive.</summary>
    public required int BatchSize { get; init; }

    /// <summary>Shuffle each epoch (order is a pure function of <see cref="Seed"/> and the epoch number). Default true.</summary>
    public bool Shuffle { get; init; } = true;

    /// <summary>Seed of the shuffling and augmentation; the same seed and epoch always give the same batches.</summary>
    public int Seed { get; init; }

    /// <summary>Skip a last batch smaller than <see cref="BatchSize"/>. Default false.</summary>
    public bool DropLast { get; init; }

    /// <summary>
    /// Fill the next batch on a background thread while the caller works on the current one (double buffering).
    /// Never changes the content of a batch.
    /// </summary>
    public bool Prefetch { get; init; }

    /// <summary>
    /// Random crop and flip applied to every image (training batches only; leave <see cref="AugmentationOptions.None"/>
    /// for evaluation). Draws are a pure function of (<see cref="Seed"/>, epoch, image index). Default none.
    /// </summary>
    public AugmentationOptions Augmentation { get; init; } = AugmentationOptions.None;

    /// <summary>
    /// Data parallelism: this process takes only its shard of every batch, rows <see cref="BatchLoader.Shard"/> of
    /// <see cref="ShardCount"/>; batch indices, order and augmentation draws stay those of the whole batch. Default 0.
    /// </summary>
    public int ShardIndex { get; init; }

    /// <summary>Number of shards every batch is split into (processes of a data-parallel run). Default 1.</summary>
    public int ShardCount { get; init; } = 1;

    /// <summary>Byte-to-float mapping. Default <see cref="NormalizationOptions.ZeroOne"/>.</summary>
    public NormalizationOptions Normalization { get; init; } = NormalizationOptions.ZeroOne;
}
