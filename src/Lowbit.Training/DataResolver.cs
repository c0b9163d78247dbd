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
            "cifar10" => LoadCifar(config.Path ?? throw new ConfigException("data.path is required for cifar10 (a folder of CIFAR-10 binary batches).")),
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
        var normalization = config.Normalize switch
        {
            "zero_one" => NormalizationOptions.ZeroOne,
            "plus_minus_one" => NormalizationOptions.PlusMinusOne,
            _ => NormalizationOptions.Standardize(train),
        };
        return new RunData(train, validation, test, normalization);
    }

    private static TrainTestSets LoadCifar(string folder)
    {
        // shared/ copies hold batches 1-4; use the five official ones when present.
        var present = Enumerable.Range(1, 5).Where(i => File.Exists(Path.Combine(folder, $"data_batch_{i}.bin")) || File.Exists(Path.Combine(folder, $"data_batch_{i}.bin.gz"))).ToList();
        if (present.Count == 0) throw new FileNotFoundException($"No CIFAR-10 training batches (data_batch_N.bin[.gz]) in '{folder}'.");
        return new TrainTestSets(DatasetCatalog.LoadCifar10Batches(folder, present), DatasetCatalog.LoadCifar10(folder, train: false));
    }

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
