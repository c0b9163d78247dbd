namespace Lowbit.Data.Tests;

/// <summary>Augmented batches are a pure function of (seed, epoch, batch index): prefetching, resuming and batch size do not change them.</summary>
public sealed class BatchLoaderAugmentationTests
{
    /// <summary>Random 3x6x6 images so that crops and flips change the pixels.</summary>
    private static ImageDataset Images(int count)
    {
        var pixels = new byte[count * 3 * 36];
        new Random(17).NextBytes(pixels);
        byte[] labels = [.. Enumerable.Range(0, count).Select(i => (byte)(i % 10))];
        return new ImageDataset("random", 3, 6, 6, pixels, labels, 10);
    }

    private static readonly ImageDataset s_images = Images(53);

    private static BatchLoader Loader(int batchSize = 8, int seed = 4, bool prefetch = false, AugmentationOptions? augmentation = null) =>
        new(s_images, new BatchLoaderOptions
        {
            BatchSize = batchSize, Seed = seed, Prefetch = prefetch, Augmentation = augmentation ?? AugmentationOptions.Cifar10Standard,
            Normalization = NormalizationOptions.Standardize([0.4, 0.5, 0.6], [0.2, 0.25, 0.3]),
        });

    private static List<(int Index, int[] Indices, float[] Inputs)> Collect(BatchLoader loader, int epoch, int firstBatch = 0) =>
        [.. loader.GetBatches(epoch, firstBatch).Select(b => (b.BatchIndex, b.Indices[..b.Count], b.ValidInputs.ToArray()))];

    private static void AssertSame(List<(int Index, int[] Indices, float[] Inputs)> expected, List<(int Index, int[] Indices, float[] Inputs)> actual)
    {
        Assert.Equal(expected.Count, actual.Count);
        for (int b = 0; b < expected.Count; b++)
        {
            Assert.Equal(expected[b].Index, actual[b].Index);
            Assert.Equal(expected[b].Indices, actual[b].Indices);
            Assert.True(expected[b].Inputs.SequenceEqual(actual[b].Inputs), $"batch {expected[b].Index}: inputs differ");
        }
    }

    [Fact]
    public void SameSeed_SameBatches_FreshLoaders()
    {
        for (int epoch = 0; epoch < 3; epoch++)
        {
            AssertSame(Collect(Loader(), epoch), Collect(Loader(), epoch));
        }
    }

    [Fact]
    public void OtherSeedOrEpoch_OtherPixels()
    {
        float[] Pixels(BatchLoader loader, int epoch) => [.. Collect(loader, epoch).SelectMany(b => b.Inputs)];
        var noShuffle = new BatchLoaderOptions
        {
            BatchSize = 8, Shuffle = false, Augmentation = AugmentationOptions.Cifar10Standard, Normalization = NormalizationOptions.ZeroOne,
        };
        // Without shuffling the order is fixed, so differences come from the augmentation alone.
        float[] seed1 = Pixels(new BatchLoader(s_images, noShuffle with { Seed = 1 }), 0);
        Assert.NotEqual(seed1, Pixels(new BatchLoader(s_images, noShuffle with { Seed = 2 }), 0));
        Assert.NotEqual(seed1, Pixels(new BatchLoader(s_images, noShuffle with { Seed = 1 }), 1));
        Assert.NotEqual(seed1, Pixels(new BatchLoader(s_images, noShuffle with { Augmentation = AugmentationOptions.None }), 0));
    }

    [Fact]
    public void Prefetch_IdenticalToSynchronous()
    {
        for (int epoch = 0; epoch < 3; epoch++)
        {
            AssertSame(Collect(Loader(), epoch), Collect(Loader(prefetch: true), epoch));
        }
    }

    [Theory]
    [InlineData(false, 0)]
    [InlineData(false, 3)]
    [InlineData(true, 3)]
    [InlineData(true, 6)] // the last, partial batch only
    [InlineData(true, 7)] // past the end: nothing
    public void StartMidEpoch_EqualsTailOfFullPass(bool prefetch, int firstBatch)
    {
        var full = Collect(Loader(), 2);
        AssertSame(full[firstBatch..], Collect(Loader(prefetch: prefetch), 2, firstBatch));
    }

    [Fact]
    public void StartBeyondEnd_Throws() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => Loader().GetBatches(0, 8).ToList());

    [Fact]
    public void ImageAugmentation_IndependentOfBatchSize()
    {
        Dictionary<int, float[]> ByImage(BatchLoader loader)
        {
            var result = new Dictionary<int, float[]>();
            foreach (var (_, indices, inputs) in Collect(loader, 1))
            {
                for (int row = 0; row < indices.Length; row++)
                {
                    result[indices[row]] = inputs[(row * 108)..((row + 1) * 108)];
                }
            }

            return result;
        }

        var small = ByImage(Loader(batchSize: 5));
        var large = ByImage(Loader(batchSize: 16, prefetch: true));
        Assert.Equal(53, small.Count);
        foreach (var (index, pixels) in small)
        {
            Assert.Equal(pixels, large[index]);
        }
    }

    [Fact]
    public void Rows_EqualImageAugmenterOnTheirImage()
    {
        var options = new AugmentationOptions { CropPadding = 2, HorizontalFlip = true };
        BatchLoader loader = Loader(seed: 9, augmentation: options);
        foreach (ImageBatch batch in loader.GetBatches(4))
        {
            for (int row = 0; row < batch.Count; row++)
            {
                int index = batch.Indices[row];
                var expected = new float[108];
                ImageAugmenter.Apply(
                    loader.Options.Normalization, s_images.GetImage(index), 3, 6, 6, 2, ImageAugmenter.Draw(options, 9, 4, index), expected);
                Assert.Equal(expected, batch.Inputs[(row * 108)..((row + 1) * 108)]);
            }
        }
    }

    [Fact]
    public void FillAndWaitSeconds_Accumulate()
    {
        BatchLoader loader = Loader(prefetch: false);
        Assert.Equal(0, loader.FillSeconds);
        _ = Collect(loader, 0);
        Assert.True(loader.FillSeconds > 0);
        Assert.True(loader.WaitSeconds >= loader.FillSeconds * 0.5, $"wait {loader.WaitSeconds} s, fill {loader.FillSeconds} s");
    }
}
