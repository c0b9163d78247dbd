namespace Lowbit.Data.Tests;

public class BatchLoaderShardTests
{
    [Theory]
    [InlineData(20, 2, new[] { 10, 10 })]
    [InlineData(20, 3, new[] { 7, 7, 6 })]
    [InlineData(5, 3, new[] { 2, 2, 1 })]
    [InlineData(1, 2, new[] { 1, 0 })]
    [InlineData(0, 2, new[] { 0, 0 })]
    public void Shard_SplitsContiguously_FirstShardsLarger(int count, int shards, int[] expected)
    {
        int next = 0;
        for (int s = 0; s < shards; s++)
        {
            var (start, size) = BatchLoader.Shard(count, s, shards);
            Assert.Equal(next, start);
            Assert.Equal(expected[s], size);
            next += size;
        }
        Assert.Equal(count, next);
    }

    /// <summary>The shards of every batch, put together in shard order, are that batch of the unsharded loader, pixel for pixel.</summary>
    [Theory]
    [InlineData(2, false)]
    [InlineData(3, true)]
    public void GetBatches_Shards_ConcatenateToTheWholeBatch(int shards, bool augment)
    {
        var dataset = SyntheticData.Make(47, channels: 3);
        var options = new BatchLoaderOptions
        {
            BatchSize = 10,
            Seed = 5,
            Augmentation = augment ? new AugmentationOptions { CropPadding = 1, HorizontalFlip = true } : AugmentationOptions.None,
        };
        var whole = new BatchLoader(dataset, options).GetBatches(2).Select(b => (b.BatchIndex, b.ValidInputs.ToArray(), b.ValidLabels.ToArray())).ToList();
        var parts = Enumerable.Range(0, shards)
            .Select(s => new BatchLoader(dataset, options with { ShardIndex = s, ShardCount = shards }).GetBatches(2).Select(b => (b.BatchIndex, b.ValidInputs.ToArray(), b.ValidLabels.ToArray())).ToList())
            .ToList();
        Assert.Equal(5, whole.Count);
        for (int b = 0; b < whole.Count; b++)
        {
            Assert.All(parts, p => Assert.Equal(b, p[b].BatchIndex));
            Assert.Equal(whole[b].Item2, parts.SelectMany(p => p[b].Item2));
            Assert.Equal(whole[b].Item3, parts.SelectMany(p => p[b].Item3));
        }
    }

    [Fact]
    public void Constructor_ShardOutOfRange_Throws()
    {
        var dataset = SyntheticData.Make(4);
        Assert.Throws<ArgumentOutOfRangeException>(() => new BatchLoader(dataset, new BatchLoaderOptions { BatchSize = 2, ShardIndex = 2, ShardCount = 2 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new BatchLoader(dataset, new BatchLoaderOptions { BatchSize = 2, ShardCount = 0 }));
    }
}
