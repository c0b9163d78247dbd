namespace Lowbit.Data;

/// <summary>Settings of a <see cref="BatchLoader"/>.</summary>
public sealed record BatchLoaderOptions
{
    /// <summary>Images per batch; must be positive.</summary>
    public required int BatchSize { get; init; }

    /// <summary>Shuffle each epoch (order is a pure function of <see cref="Seed"/> and the epoch number). Default true.</summary>
    public bool Shuffle { get; init; } = true;

    /// <summary>Seed of the shuffling; the same seed and epoch always give the same order.</summary>
    public int Seed { get; init; }

    /// <summary>Skip a last batch smaller than <see cref="BatchSize"/>. Default false.</summary>
    public bool DropLast { get; init; }

    /// <summary>Fill the next batch on a background task while the caller works on the current one (double buffering).</summary>
    public bool Prefetch { get; init; }

    /// <summary>Byte-to-float mapping. Default <see cref="NormalizationOptions.ZeroOne"/>.</summary>
    public NormalizationOptions Normalization { get; init; } = NormalizationOptions.ZeroOne;
}
