using Lowbit.Data;
using Lowbit.Training.Config;

namespace Lowbit.Training.Tests;

/// <summary>The config's "data" section: CIFAR-10 batches, normalisation statistics, augmentation, prefetching.</summary>
public class DataSectionTests
{
    private static DataConfig Data(string dataJson, params string[] overrides) =>
        ConfigLoader.Parse($$"""{ "layers": [], "data": {{dataJson}} }""", "d.json", overrides).Data;

    private static string Error(string dataJson) =>
        Assert.Throws<ConfigException>(() => Data(dataJson)).Message;

    [Fact]
    public void Defaults_NoAugmentationPrefetchAllBatchesComputedStatistics()
    {
        DataConfig data = Data("""{ "dataset": "cifar10", "normalize": "standardize" }""");
        Assert.Null(data.TrainBatches);
        Assert.Null(data.Mean);
        Assert.Null(data.Std);
        Assert.True(data.Augmentation.IsNone);
        Assert.True(data.Prefetch);
    }

    [Fact]
    public void AllFields_Parsed()
    {
        DataConfig data = Data("""
            { "dataset": "cifar10", "train_batches": [2, 1], "normalize": "standardize",
              "mean": [0.4914, 0.4822, 0.4465], "std": [0.2470, 0.2435, 0.2616],
              "augment": { "crop_padding": 4, "horizontal_flip": true }, "prefetch": false }
            """);
        Assert.Equal(new[] { 2, 1 }, data.TrainBatches);
        Assert.Equal(new[] { 0.4914, 0.4822, 0.4465 }, data.Mean);
        Assert.Equal(new[] { 0.2470, 0.2435, 0.2616 }, data.Std);
        Assert.Equal(AugmentationOptions.Cifar10Standard, data.Augmentation);
        Assert.False(data.Prefetch);
    }

    [Fact]
    public void Set_ReachesNestedAugmentFields()
    {
        DataConfig data = Data("""{ "dataset": "cifar10" }""", "data.augment.crop_padding=2", "data.prefetch=false");
        Assert.Equal(new AugmentationOptions { CropPadding = 2 }, data.Augmentation);
        Assert.False(data.Prefetch);
    }

    [Theory]
    [InlineData("""{ "dataset": "mnist", "train_batches": [1] }""", "field 'data.train_batches' only applies to cifar10")]
    [InlineData("""{ "dataset": "cifar10", "train_batches": [0] }""", "field 'data.train_batches' contains 0; CIFAR-10 training batches are numbered 1..5.")]
    [InlineData("""{ "dataset": "cifar10", "train_batches": [1, 1] }""", "names a batch twice")]
    [InlineData("""{ "dataset": "cifar10", "train_batches": [] }""", "must name at least one batch")]
    [InlineData("""{ "dataset": "cifar10", "normalize": "standardize", "mean": [0.5, 0.5, 0.5] }""", "field 'data.mean' needs 'data.std' too")]
    [InlineData("""{ "dataset": "cifar10", "normalize": "zero_one", "mean": [0.5, 0.5, 0.5], "std": [1, 1, 1] }""", "only used with \"normalize\": \"standardize\"")]
    [InlineData("""{ "dataset": "cifar10", "normalize": "standardize", "mean": [0.5], "std": [0.2] }""", "field 'data.mean' has 1 values but cifar10 images have 3 channels.")]
    [InlineData("""{ "dataset": "cifar10", "normalize": "standardize", "mean": [0.5, 0.5, 0.5], "std": [0.2, 0, 0.2] }""", "field 'data.std' element 1 is 0;")]
    [InlineData("""{ "dataset": "cifar10", "normalize": "standardize", "mean": [125.3, 123, 113.9], "std": [63, 62, 66.7] }""", "[0, 1] pixel units (x / 255)")]
    [InlineData("""{ "dataset": "cifar10", "augment": { "crop_padding": -1 } }""", "field 'data.augment.crop_padding' is -1")]
    [InlineData("""{ "dataset": "cifar10", "augment": { "flip": true } }""", "unknown field 'data.augment.flip'; known fields here: crop_padding, horizontal_flip.")]
    [InlineData("""{ "dataset": "cifar10", "augment": true }""", "'data.augment' must be an object")]
    public void BadField_OneLineErrorNamingIt(string dataJson, string expected)
    {
        string message = Error(dataJson);
        Assert.Contains(expected, message, StringComparison.Ordinal);
        Assert.StartsWith("d.json: ", message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', message);
    }

    [Fact]
    public void ValidationAtLeastCifarTrainingImages_IsErrorAtLoad()
    {
        // No fixed limit in the config: the check runs against the images actually loaded.
        using var folder = new CifarFolder(trainBatches: [1], imagesPerBatch: 20);
        DataConfig data = Data($$"""{ "dataset": "cifar10", "validation": 20, "path": {{System.Text.Json.JsonSerializer.Serialize(folder.Path)}} }""");
        var ex = Assert.Throws<ConfigException>(() => DataResolver.Load(data));
        Assert.Equal("data.validation is 20 but the training set has only 20 images.", ex.Message);
    }

    [Fact]
    public void Load_GivenStatistics_UsedInsteadOfComputed()
    {
        using var folder = new CifarFolder(trainBatches: [1, 2], imagesPerBatch: 30);
        string path = System.Text.Json.JsonSerializer.Serialize(folder.Path);
        RunData computed = DataResolver.Load(Data($$"""{ "dataset": "cifar10", "validation": 10, "normalize": "standardize", "path": {{path}} }"""));
        RunData given = DataResolver.Load(Data($$"""
            { "dataset": "cifar10", "validation": 10, "normalize": "standardize", "path": {{path}},
              "mean": [0.4914, 0.4822, 0.4465], "std": [0.2470, 0.2435, 0.2616] }
            """));

        Assert.Equal(50, computed.Train.Count);
        Assert.Equal(NormalizationOptions.Standardize(computed.Train), computed.Normalization); // validation images excluded
        Assert.Equal(NormalizationOptions.Standardize([0.4914, 0.4822, 0.4465], [0.2470, 0.2435, 0.2616]), given.Normalization);
    }

    [Fact]
    public void Load_TrainBatches_OnlyThoseInThatOrder()
    {
        using var folder = new CifarFolder(trainBatches: [1, 2, 3], imagesPerBatch: 4);
        string path = System.Text.Json.JsonSerializer.Serialize(folder.Path);
        RunData all = DataResolver.Load(Data($$"""{ "dataset": "cifar10", "validation": 0, "path": {{path}} }"""));
        RunData some = DataResolver.Load(Data($$"""{ "dataset": "cifar10", "validation": 0, "path": {{path}}, "train_batches": [3, 1] }"""));
        Assert.Equal(12, all.Train.Count);
        Assert.Equal([.. all.Train.Labels[8..12], .. all.Train.Labels[0..4]], some.Train.Labels);
    }
}
