using Lowbit.Data;
using Lowbit.Training.Config;

namespace Lowbit.Training;

/// <summary>Prepared data of a run: train/validation/test sets and the normalisation to apply.</summary>
public sealed record RunData(ImageDataset Train, ImageDataset? Validation, ImageDataset Test, NormalizationOptions Normalization)
{
    /// <summary>Per-example input shape [C, H, W].</summary>
    public int[] InputShape => [Train.Channels, Train.Height, Train.Width];
}

/// <summary>Finds and loads the dataset a config names.</summary>
public static class DataResolver
{
    /// <summary>Debian's dataset-fashion-mnist install folder.</summary>
    public const string DebianFashionMnist = "/usr/share/datasets/fashion-mnist";

    /// <summary>Per-example input shape of a dataset name (to validate a model before loading data).</summary>
    public static int[] InputShape(string dataset) => dataset == "cifar10" ? [3, 32, 32] : [1, 28, 28];

    /// <summary>Loads and splits the data of <paramref name="config"/>.</summary>
    public static RunData Load(DataConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        TrainTestSets sets = config.Dataset switch
        {
            "mnist" => DatasetCatalog.LoadMnist(config.Path ?? FindBundledMnist()),
            "fashion-mnist" => DatasetCatalog.LoadFashionMnist(config.Path ?? DebianFashionMnist),
            "cifar10" => LoadCifar(config.Path ?? throw new ConfigException("data.path is required for cifar10 (a folder of CIFAR-10 binary batches)."), config.TrainBatches),
            _ => throw new ConfigException($"Unknown dataset '{config.Dataset}'."),
        };
        var train = sets.Train;
        if (config.Validation >= train.Count)
            throw new ConfigException($"data.validation is {config.Validation} but the training set has only {train.Count} images.");
        ImageDataset? validation = null;
        if (config.Validation > 0)
        {
            var split = DatasetCatalog.Split(train, config.Validation);
            train = split.Train;
            validation = split.Validation;
        }
        if (config.TrainLimit is int limit && limit < train.Count) train = train.Slice(0, limit);
        var test = sets.Test;
        if (config.TestLimit is int tl && tl < test.Count) test = test.Slice(0, tl);
        return new RunData(train, validation, test, Normalization(config, train));
    }

    /// <summary>
    /// The byte-to-float mapping of <paramref name="config"/>: "standardize" uses the configured per-channel mean and std,
    /// or computes them on <paramref name="train"/> (the training split, validation images excluded).
    /// </summary>
    public static NormalizationOptions Normalization(DataConfig config, ImageDataset train)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(train);
        return config.Normalize switch
        {
            "zero_one" => NormalizationOptions.ZeroOne,
            "plus_minus_one" => NormalizationOptions.PlusMinusOne,
            _ when config.Mean is not null && config.Std is not null => NormalizationOptions.Standardize(config.Mean, config.Std),
            _ => NormalizationOptions.Standardize(train),
        };
    }

    /// <summary>CIFAR-10 with the configured training batches, or every batch present (40,000 or 50,000 images).</summary>
    private static TrainTestSets LoadCifar(string folder, IReadOnlyList<int>? batches) =>
        batches is null
            ? DatasetCatalog.LoadCifar10Available(folder)
            : new TrainTestSets(DatasetCatalog.LoadCifar10Batches(folder, batches), DatasetCatalog.LoadCifar10(folder, train: false));

    /// <summary>The bundled MNIST folder: next to the executable, or data/mnist in a parent of the working folder.</summary>
    public static string FindBundledMnist()
    {
        const string Marker = "train-images-idx3-ubyte.gz";
        var candidates = new List<string> { Path.Combine(AppContext.BaseDirectory, "data", "mnist") };
        for (var dir = new DirectoryInfo(Directory.GetCurrentDirectory()); dir is not null; dir = dir.Parent)
            candidates.Add(Path.Combine(dir.FullName, "data", "mnist"));
        foreach (var c in candidates)
            if (File.Exists(Path.Combine(c, Marker))) return c;
        throw new FileNotFoundException($"Bundled MNIST not found (looked for {Marker} in: {string.Join(", ", candidates.Take(3))}, ...); pass data.path.");
    }
}
