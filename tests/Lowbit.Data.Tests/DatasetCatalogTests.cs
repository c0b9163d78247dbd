namespace Lowbit.Data.Tests;

/// <summary>Loads the bundled MNIST once for the tests that need it (about a second).</summary>
public sealed class MnistFixture
{
    public TrainTestSets Sets { get; } = DatasetCatalog.LoadMnist(TestPaths.Mnist);
}

public sealed class DatasetCatalogTests : IClassFixture<MnistFixture>
{
    private readonly TrainTestSets _mnist;

    public DatasetCatalogTests(MnistFixture fixture) => _mnist = fixture.Sets;

    [Fact]
    public void LoadMnist_Bundled_HasStandardCountsAndShape()
    {
        Assert.Equal(60000, _mnist.Train.Count);
        Assert.Equal(10000, _mnist.Test.Count);
        foreach (ImageDataset set in new[] { _mnist.Train, _mnist.Test })
        {
            Assert.Equal((1, 28, 28, 10), (set.Channels, set.Height, set.Width, set.Classes));
        }
    }

    [Fact]
    public void LoadMnist_Bundled_TestHistogramAndFirstTrainingLabel()
    {
        Assert.Equal(new[] { 980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009 }, _mnist.Test.CountPerClass());
        Assert.Equal(5, _mnist.Train.Labels[0]);
    }

    [Fact]
    public void LoadMnist_Bundled_PixelsLookLikeDigits()
    {
        // The MNIST border is background: the first row of every test image is all zero, and every image has ink.
        for (int i = 0; i < _mnist.Test.Count; i += 97)
        {
            ReadOnlySpan<byte> image = _mnist.Test.GetImage(i);
            Assert.True(image[..28].IndexOfAnyExcept((byte)0) < 0, $"image {i}: first row not blank");
            Assert.True(image.IndexOf((byte)255) >= 0 || image.ToArray().Max() > 200, $"image {i}: no ink");
        }
    }

    [Fact]
    public void Split_TakeLast_HoldsOutLastImagesInOrder()
    {
        TrainValidationSets split = DatasetCatalog.Split(_mnist.Train, 10000);

        Assert.Equal(50000, split.Train.Count);
        Assert.Equal(10000, split.Validation.Count);
        Assert.Equal(_mnist.Train.Labels[50000..], split.Validation.Labels);
        Assert.Equal(_mnist.Train.GetImage(50000).ToArray(), split.Validation.GetImage(0).ToArray());
        Assert.Equal(_mnist.Train.GetImage(49999).ToArray(), split.Train.GetImage(49999).ToArray());
    }

    [Fact]
    public void Split_SeededRandom_PartitionIsDisjointReproducibleAndSeedDependent()
    {
        ImageDataset small = _mnist.Test.Slice(0, 500);
        TrainValidationSets a = DatasetCatalog.Split(IndexTagged(small), 100, SplitMode.SeededRandom, seed: 7);
        TrainValidationSets b = DatasetCatalog.Split(IndexTagged(small), 100, SplitMode.SeededRandom, seed: 7);
        TrainValidationSets c = DatasetCatalog.Split(IndexTagged(small), 100, SplitMode.SeededRandom, seed: 8);

        Assert.Equal((400, 100), (a.Train.Count, a.Validation.Count));
        int[] trainTags = Tags(a.Train);
        int[] validationTags = Tags(a.Validation);
        Assert.Equal(Enumerable.Range(0, 500), trainTags.Concat(validationTags).Order());
        Assert.Equal(trainTags.Order(), trainTags);
        Assert.Equal(validationTags, Tags(b.Validation));
        Assert.NotEqual(validationTags, Tags(c.Validation));
        Assert.NotEqual(Enumerable.Range(400, 100), validationTags);
    }

    [Fact]
    public void Split_SeededRandom_PinnedMembership()
    {
        // epoch_order_oracle.py: perm(10, epoch_seed(7, -1)) = [7, 4, 1, 6, 0, 5, 3, 9, 2, 8]; the last 3 are held out.
        ImageDataset tagged = IndexTagged(_mnist.Test.Slice(0, 10));
        TrainValidationSets split = DatasetCatalog.Split(tagged, 3, SplitMode.SeededRandom, seed: 7);
        Assert.Equal(new[] { 2, 8, 9 }, Tags(split.Validation));
        Assert.Equal(new[] { 0, 1, 3, 4, 5, 6, 7 }, Tags(split.Train));
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(10001)]
    public void Split_CountOutOfRange_Throws(int validationCount) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => DatasetCatalog.Split(_mnist.Test, validationCount));

    [Fact]
    public void LoadMnist_MissingFolder_NamesFolder()
    {
        string folder = Path.Combine(Path.GetTempPath(), "lowbit-no-such-" + Guid.NewGuid().ToString("N"));
        var ex = Assert.Throws<DirectoryNotFoundException>(() => DatasetCatalog.LoadMnist(folder));
        Assert.Contains(folder, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LoadMnist_MissingFile_ListsNamesLookedFor()
    {
        using var files = new Formats.IdxTestFiles();
        files.Write("train-images-idx3-ubyte", Formats.IdxTestFiles.Images(1, 1, 1, [0]), gzip: false);

        var ex = Assert.Throws<FileNotFoundException>(() => DatasetCatalog.LoadMnist(files.Folder));

        Assert.Contains(
            "none of train-labels-idx1-ubyte, train-labels-idx1-ubyte.gz, train-labels.idx1-ubyte, train-labels.idx1-ubyte.gz found in",
            ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LoadMnist_RawAndDottedNames_Accepted()
    {
        using var files = new Formats.IdxTestFiles();
        files.Write("train-images.idx3-ubyte", Formats.IdxTestFiles.Images(2, 1, 1, [0, 1]), gzip: false);
        files.Write("train-labels-idx1-ubyte", Formats.IdxTestFiles.Labels([3, 4]), gzip: false);
        files.Write("t10k-images-idx3-ubyte.gz", Formats.IdxTestFiles.Images(1, 1, 1, [2]), gzip: true);
        files.Write("t10k-labels-idx1-ubyte", Formats.IdxTestFiles.Labels([9]), gzip: true);

        TrainTestSets sets = DatasetCatalog.LoadMnist(files.Folder);

        Assert.Equal(new byte[] { 3, 4 }, sets.Train.Labels);
        Assert.Equal(new byte[] { 9 }, sets.Test.Labels);
    }

    [RequiresFolderFact("fashion-mnist")]
    public void LoadFashionMnist_Installed_BalancedClasses()
    {
        TrainTestSets sets = DatasetCatalog.LoadFashionMnist(TestPaths.FashionMnist);

        Assert.Equal((60000, 10000), (sets.Train.Count, sets.Test.Count));
        Assert.Equal((28, 28), (sets.Test.Height, sets.Test.Width));
        Assert.All(sets.Test.CountPerClass(), count => Assert.Equal(1000, count));
        Assert.All(sets.Train.CountPerClass(), count => Assert.Equal(6000, count));
    }

    /// <summary>A copy whose first pixel of image i encodes i (low byte) so that split membership can be traced.</summary>
    private static ImageDataset IndexTagged(ImageDataset source)
    {
        byte[] pixels = (byte[])source.Pixels.Clone();
        for (int i = 0; i < source.Count; i++)
        {
            pixels[i * source.SampleSize] = (byte)i;
            pixels[i * source.SampleSize + 1] = (byte)(i >> 8);
        }

        return new ImageDataset(source.Name, source.Channels, source.Height, source.Width, pixels, source.Labels, source.Classes);
    }

    private static int[] Tags(ImageDataset dataset) =>
        Enumerable.Range(0, dataset.Count).Select(i => dataset.GetImage(i)[0] | (dataset.GetImage(i)[1] << 8)).ToArray();
}
