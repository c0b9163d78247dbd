namespace Lowbit.Data.Tests;

public sealed class TestPathsTests
{
    [Fact]
    public void SkipReason_MissingFolder_ExplainsWhereAndHow()
    {
        string? reason = RequiresFolderFactAttribute.SkipReason("fashion-mnist", "/no/such/folder");
        Assert.Equal("Fashion-MNIST not found at '/no/such/folder'; install it with 'apt-get install dataset-fashion-mnist'.", reason);
        Assert.Null(RequiresFolderFactAttribute.SkipReason("cifar10", TestPaths.RepositoryRoot));
    }

    [Fact]
    public void Mnist_BundledFolderFound() => Assert.True(File.Exists(Path.Combine(TestPaths.Mnist, "t10k-labels-idx1-ubyte.gz")), TestPaths.Mnist);
}
