namespace Lowbit.Data.Tests;

public sealed class BatchLoaderTests
{
    private static BatchLoader Loader(int count, int batchSize, bool shuffle = true, int seed = 42, bool dropLast = false, bool prefetch = false) =>
        new(SyntheticData.Make(count), new BatchLoaderOptions { BatchSize = batchSize, Shuffle = shuffle, Seed = seed, DropLast = dropLast, Prefetch = prefetch });

    private static List<(int[] Indices, int[] Labels, float[] Inputs)> Collect(BatchLoader loader, int epoch) =>
        loader.GetBatches(epoch)
            .Select(b => (b.Indices[..b.Count], b.ValidLabels.ToArray(), b.ValidInputs.ToArray()))
            .ToList();

    [Fact]
    public void GetEpochOrder_SameSeedAndEpoch_SameOrder()
    {
        Assert.Equal(Loader(1000, 10).GetEpochOrder(3), Loader(1000, 10).GetEpochOrder(3));
    }

    [Fact]
    public void GetEpochOrder_DifferentEpochOrSeed_DifferentOrder()
    {
        int[] order = Loader(1000, 10, seed: 1).GetEpochOrder(0);
        Assert.NotEqual(order, Loader(1000, 10, seed: 1).GetEpochOrder(1));
        Assert.NotEqual(order, Loader(1000, 10, seed: 2).GetEpochOrder(0));
        Assert.NotEqual(Enumerable.Range(0, 1000), order);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(17)]
    [InlineData(1000)]
    public void GetEpochOrder_IsPermutation(int count)
    {
        int[] order = Loader(Math.Max(count, 0), 4).GetEpochOrder(5);
        Assert.Equal(Enumerable.Range(0, count), order.Order());
    }

    [Fact]
    public void GetEpochOrder_PinnedValues_StableAcrossRuntimeVersions()
    {
        // Resumed runs depend on this exact sequence; if it changes, old checkpoints replay a different order.
        // Expected values come from the independent Python implementation in epoch_order_oracle.py.
        Assert.Equal(new[] { 2, 5, 6, 7, 3, 0, 8, 1, 4, 9 }, Loader(10, 2, seed: 42).GetEpochOrder(0));
    }

    [Fact]
    public void GetEpochOrder_FirstPositionRoughlyUniform()
    {
        var loader = Loader(4, 1);
        var counts = new int[4];
        for (int epoch = 0; epoch < 4000; epoch++)
        {
            counts[loader.GetEpochOrder(epoch)[0]]++;
        }

        Assert.All(counts, c => Assert.InRange(c, 850, 1150));
    }

    [Fact]
    public void GetBatches_NoShuffle_VisitsInOrderWithPartialLastBatch()
    {
        var batches = Collect(Loader(10, 4, shuffle: false), 0);

        Assert.Equal(new[] { 4, 4, 2 }, batches.Select(b => b.Labels.Length));
        Assert.Equal(Enumerable.Range(0, 10), batches.SelectMany(b => b.Indices));
        Assert.Equal(new[] { 8, 9 }, batches[2].Labels);
    }

    [Fact]
    public void GetBatches_DropLast_SkipsPartialBatch()
    {
        BatchLoader loader = Loader(10, 4, dropLast: true);
        Assert.Equal(2, loader.BatchCount);
        Assert.Equal(new[] { 4, 4 }, Collect(loader, 0).Select(b => b.Labels.Length));
    }

    [Fact]
    public void GetBatches_InputsAndLabelsMatchDatasetIndices()
    {
        var dataset = SyntheticData.Make(50, channels: 3);
        var loader = new BatchLoader(dataset, new BatchLoaderOptions { BatchSize = 8, Seed = 3, Normalization = NormalizationOptions.PlusMinusOne });

        foreach (ImageBatch batch in loader.GetBatches(1))
        {
            for (int row = 0; row < batch.Count; row++)
            {
                int index = batch.Indices[row];
                Assert.Equal(dataset.Labels[index], batch.Labels[row]);
                for (int j = 0; j < batch.SampleSize; j++)
                {
                    float expected = (float)((2.0 * dataset.GetImage(index)[j] - 255) / 255);
                    Assert.Equal(expected, batch.Inputs[row * batch.SampleSize + j]);
                }
            }
        }
    }

    [Fact]
    public void GetBatches_Prefetch_IdenticalToSynchronous()
    {
        for (int epoch = 0; epoch < 3; epoch++)
        {
            var plain = Collect(Loader(103, 8, seed: 9), epoch);
            var prefetched = Collect(Loader(103, 8, seed: 9, prefetch: true), epoch);
            Assert.Equal(plain.Count, prefetched.Count);
            for (int b = 0; b < plain.Count; b++)
            {
                Assert.Equal(plain[b].Indices, prefetched[b].Indices);
                Assert.Equal(plain[b].Labels, prefetched[b].Labels);
                Assert.Equal(plain[b].Inputs, prefetched[b].Inputs);
            }
        }
    }

    [Fact]
    public void GetBatches_PrefetchWithSlowConsumer_CurrentBatchNotOverwritten()
    {
        BatchLoader loader = Loader(64, 4, seed: 5, prefetch: true);
        foreach (ImageBatch batch in loader.GetBatches(0))
        {
            int[] before = batch.Indices[..batch.Count];
            float[] inputs = batch.ValidInputs.ToArray();
            Thread.Sleep(2);
            Assert.Equal(before, batch.Indices[..batch.Count]);
            Assert.Equal(inputs, batch.ValidInputs.ToArray());
        }
    }

    [Fact]
    public void GetBatches_PrefetchBreakEarly_DoesNotThrow()
    {
        BatchLoader loader = Loader(64, 4, prefetch: true);
        Assert.Equal(4, loader.GetBatches(0).Take(1).Single().Count);
    }

    [Fact]
    public void Constructor_NonPositiveBatchSize_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Loader(10, 0));
    }

    [Fact]
    public void Constructor_StatisticsForOtherChannelCount_Throws()
    {
        var options = new BatchLoaderOptions { BatchSize = 2, Normalization = NormalizationOptions.Standardize([0.5, 0.5, 0.5], [0.2, 0.2, 0.2]) };
        var ex = Assert.Throws<ArgumentException>(() => new BatchLoader(SyntheticData.Make(4, channels: 1), options));
        Assert.Contains("3 channels but the data has 1", ex.Message, StringComparison.Ordinal);
    }
}
