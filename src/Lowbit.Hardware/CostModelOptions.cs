namespace Lowbit.Hardware;

/// <summary>Settings of <see cref="CostModel.Estimate"/>.</summary>
public sealed record CostModelOptions
{
    /// <summary>Default options: nested-mask metadata, weights read from SRAM.</summary>
    public static CostModelOptions Default { get; } = new();

    /// <summary>Bit-map format counted in metadata and total bits of heterogeneous layers (all formats are always reported as columns).</summary>
    public HeterogeneousMetadataScheme MetadataScheme { get; init; } = HeterogeneousMetadataScheme.NestedMasks;

    /// <summary>Memory level every stored weight-side bit is read from, once per sample.</summary>
    public WeightMemoryLevel WeightMemory { get; init; } = WeightMemoryLevel.Sram;
}
