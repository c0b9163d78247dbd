namespace Lowbit.Data;

/// <summary>How <see cref="DatasetCatalog.Split"/> chooses validation images.</summary>
public enum SplitMode
{
    /// <summary>The last N training images (the BinaryConnect / BinaryNet scripts' 50k/10k MNIST split).</summary>
    TakeLast,

    /// <summary>A seeded random choice of N images; both parts keep the original relative order.</summary>
    SeededRandom,
}
