namespace Lowbit.Data.Tests;

public sealed class ImageDatasetTests
{
    [Fact]
    public void Constructor_PixelLengthMismatch_Throws()
    {
        var ex = Assert.Throws<ArgumentException>(() => new ImageDataset("x", 1, 2, 2, new byte[7], new byte[2], 10));
        Assert.Contains("pixels has 7 bytes but 2 labels x 1x2x2 needs 8", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Constructor_LabelOutOfRange_Throws()
    {
        var ex = Assert.Throws<ArgumentException>(() => new ImageDataset("x", 1, 1, 1, new byte[2], [1, 5], 5));
        Assert.Contains("label 5 at index 1 is outside 0..4", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Subset_CopiesImagesInGivenOrder()
    {
        ImageDataset dataset = SyntheticData.Make(5);
        ImageDataset subset = dataset.Subset([4, 0, 4]);

        Assert.Equal(new byte[] { 4, 0, 4 }, subset.Labels);
        Assert.Equal(dataset.GetImage(4).ToArray(), subset.GetImage(0).ToArray());
        Assert.Equal(dataset.GetImage(0).ToArray(), subset.GetImage(1).ToArray());
    }

    [Fact]
    public void Subset_IndexOutOfRange_Throws()
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => SyntheticData.Make(5).Subset([1, 5]));
        Assert.Contains("indices[1] = 5 is outside 0..4", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Slice_ReturnsRange_AndRejectsOverrun()
    {
        ImageDataset dataset = SyntheticData.Make(6);
        Assert.Equal(new byte[] { 2, 3, 4 }, dataset.Slice(2, 3).Labels);
        Assert.Throws<ArgumentOutOfRangeException>(() => dataset.Slice(4, 3));
    }

    [Fact]
    public void Concat_DifferentShapes_Throws()
    {
        Assert.Throws<ArgumentException>(() => ImageDataset.Concat("c", [SyntheticData.Make(2, channels: 1), SyntheticData.Make(2, channels: 3)]));
    }

    [Fact]
    public void CountPerClass_CountsLabels()
    {
        Assert.Equal(new[] { 3, 2, 2 }, SyntheticData.Make(7, classes: 3).CountPerClass());
    }
}
