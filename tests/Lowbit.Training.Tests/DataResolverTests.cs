using Lowbit.Testing;
using Lowbit.Training.Config;

namespace Lowbit.Training.Tests;

/// <summary>Data a run cannot use is refused before training, with one line naming the folder and what is wrong.</summary>
public class DataResolverTests
{
    private static DataConfig Mnist(string folder, int validation = 5, string normalize = "zero_one") => new("mnist", folder, validation, normalize, null, null);

    [Fact]
    public void ImagesOfAnotherShape_AreRefused()
    {
        string folder = SyntheticIdx.Write(SyntheticIdx.TempFolder("shape"), 30, 10, rows: 32, columns: 32);
        var ex = Assert.Throws<InvalidDataException>(() => DataResolver.Load(Mnist(folder)));
        Assert.Contains("mnist images are 1x28x28", ex.Message, StringComparison.Ordinal);
        Assert.Contains("1x32x32", ex.Message, StringComparison.Ordinal);
        Assert.Contains(folder, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void EmptyTestSet_IsRefused()
    {
        string folder = SyntheticIdx.Write(SyntheticIdx.TempFolder("empty-test"), 30, 0);
        var ex = Assert.Throws<InvalidDataException>(() => DataResolver.Load(Mnist(folder)));
        Assert.Contains("test set is empty", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void EmptyTrainingSet_IsRefused()
    {
        string folder = SyntheticIdx.Write(SyntheticIdx.TempFolder("empty-train"), 0, 10);
        var ex = Assert.Throws<InvalidDataException>(() => DataResolver.Load(Mnist(folder, validation: 0)));
        Assert.Contains("training set is empty", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void StandardizeOnConstantImages_IsAConfigError()
    {
        string folder = SyntheticIdx.Write(SyntheticIdx.TempFolder("constant"), 30, 10, pixel: (_, _) => 7);
        var ex = Assert.Throws<ConfigException>(() => DataResolver.Load(Mnist(folder, normalize: "standardize")));
        Assert.Contains("standardize", ex.Message, StringComparison.Ordinal);
        Assert.Contains("constant", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("(Parameter", ex.Message, StringComparison.Ordinal);
    }
}
