using Lowbit.Data;
using Lowbit.Data.Formats;
using Lowbit.Data.Text;
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

    /// <summary>Per-example input shape of an image dataset name (to validate a model before loading data).</summary>
    /// <exception cref="ConfigException">A text dataset: its shape depends on the vocabulary; use <see cref="InputShape(DataConfig)"/>.</exception>
    /// <exception cref="ArgumentException">npz and image_folder data has no fixed shape: use <see cref="InputShape(DataConfig)"/>.</exception>
    public static int[] InputShape(string dataset) => dataset switch
    {
        _ when ConfigLoader.TextDatasets.Contains(dataset) => throw new ConfigException($"'{dataset}' is a language-modelling dataset and this command handles image models only (language models work with lowbit train, eval, summary and bench train)."),
        "cifar10" => [3, 32, 32],
        "npz" or "image_folder" => throw new ArgumentException($"{dataset} data has the shape of its files; call InputShape(DataConfig).", nameof(dataset)),
        _ => [1, 28, 28],
    };

    /// <summary>
    /// Per-example input shape of a config's data, before loading it: [C, H, W] for images (fixed for the standard
    /// datasets, read from the first image's header for npz and image_folder); [V] (a token of a V-token vocabulary) for
    /// text, V from data.vocabulary or, when absent, from reading the data at data.path.
    /// </summary>
    /// <exception cref="ConfigException">A text dataset with neither data.vocabulary nor data.path.</exception>
    /// <exception cref="FileNotFoundException">The npz file does not exist.</exception>
    /// <exception cref="DirectoryNotFoundException">The image folder does not exist.</exception>
    /// <exception cref="InvalidDataException">The first image array or file is malformed.</exception>
    public static int[] InputShape(DataConfig data)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (!data.IsText)
        {
            return data.Dataset switch
            {
                "npz" => NpzDataset.ImageShape(data.Path ?? throw new ConfigException("data.path is required for npz."), data.Layout),
                "image_folder" => ImageFolderDataset.ImageShape(data.Path ?? throw new ConfigException("data.path is required for image_folder.")),
                _ => InputShape(data.Dataset),
            };
        }
        if (data.Vocabulary is int v) return [v];
        if (data.Path is null)
            throw new ConfigException($"data.vocabulary or data.path is needed to size the model of the text dataset '{data.Dataset}' (e.g. --set data.vocabulary=10000 for Penn Treebank, or --set data.path=DIR).");
        return [LoadText(data).Vocabulary.Count];
    }

    /// <summary>
    /// Loads the text corpus of a ptb (word level) or chars (character level) config, applies the token limits and checks
    /// data.vocabulary against it.
    /// </summary>
    /// <exception cref="ConfigException">No data.path, or the vocabulary differs from data.vocabulary.</exception>
    public static LanguageCorpus LoadText(DataConfig data)
    {
        ArgumentNullException.ThrowIfNull(data);
        string path = data.Path ?? throw new ConfigException(data.Dataset == "ptb"
            ? "data.path is required for ptb: a folder with ptb.train.txt, ptb.valid.txt and ptb.test.txt (optionally .gz)."
            : "data.path is required for chars: a text file, or a folder with input.txt (optionally .gz).");
        LanguageCorpus corpus;
        try
        {
            corpus = data.Dataset == "ptb" ? TextCorpora.LoadWords(path) : TextCorpora.LoadCharacters(path, data.ValidationFraction, data.TestFraction);
        }
        catch (ArgumentOutOfRangeException e)
        {
            throw new ConfigException($"data: {e.Message}");
        }

        if (data.Vocabulary is int v && v != corpus.Vocabulary.Count)
            throw new ConfigException($"data.vocabulary is {v} but '{path}' has {corpus.Vocabulary.Count} distinct tokens{(corpus.Level == TokenLevel.Word ? " (including <eos> and <unk>)" : "")}; set data.vocabulary to {corpus.Vocabulary.Count} or drop it.");
        return corpus.Truncate(data.TrainLimit, data.ValidationLimit, data.TestLimit);
    }

    /// <summary>Loads and splits the data of <paramref name="config"/>.</summary>
    public static RunData Load(DataConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        string folder = config.Path ?? config.Dataset switch
        {
            "mnist" => FindBundledMnist(),
            "fashion-mnist" => DebianFashionMnist,
            "cifar10" => throw new ConfigException("data.path is required for cifar10 (a folder of CIFAR-10 binary batches)."),
            "npz" or "image_folder" => throw new ConfigException($"data.path is required for {config.Dataset}."),
            _ => throw new ConfigException($"Unknown dataset '{config.Dataset}'."),
        };
        TrainTestSets sets = config.Dataset switch
        {
            "mnist" => DatasetCatalog.LoadMnist(folder),
            "fashion-mnist" => DatasetCatalog.LoadFashionMnist(folder),
            "cifar10" => LoadCifar(folder, config.TrainBatches),
            "npz" => NpzDataset.Load(folder, config.Layout),
            "image_folder" => ImageFolderDataset.Load(folder),
            _ => throw new ConfigException($"Unknown dataset '{config.Dataset}'."),
        };
        if (config.Dataset is not ("npz" or "image_folder"))
        {
            RequireShape(sets.Train, config.Dataset, folder, "training");
            RequireShape(sets.Test, config.Dataset, folder, "test");
        }
        else if (config.Mean is { } mean && mean.Count != sets.Train.Channels)
        {
            throw new ConfigException($"data.mean has {mean.Count} values but the images in '{folder}' have {sets.Train.Channels} channel(s).");
        }
        if (sets.Test.Count == 0) throw new InvalidDataException($"{config.Dataset} in '{folder}': the test set is empty; a run reports its test error, so it needs test images.");
        var train = sets.Train;
        if (train.Count == 0) throw new InvalidDataException($"{config.Dataset} in '{folder}': the training set is empty.");
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
            _ => Standardize(train),
        };
    }

    private static NormalizationOptions Standardize(ImageDataset train)
    {
        try
        {
            return NormalizationOptions.Standardize(train);
        }
        catch (ArgumentException e)
        {
            throw new ConfigException($"data.normalize \"standardize\" needs pixel statistics with a spread: {ErrorText.Bare(e)} Use \"zero_one\" or \"plus_minus_one\" for this data.");
        }
    }

    /// <summary>A folder of the wrong images (32x32 under "mnist") would train a model no other command can rebuild.</summary>
    private static void RequireShape(ImageDataset set, string dataset, string folder, string part)
    {
        int[] expected = InputShape(dataset);
        if (set.Channels == expected[0] && set.Height == expected[1] && set.Width == expected[2]) return;
        throw new InvalidDataException($"{dataset} images are {expected[0]}x{expected[1]}x{expected[2]} (channels x height x width) but the {part} images in '{folder}' are " +
            $"{set.Channels}x{set.Height}x{set.Width}; point data.path at {dataset}'s files or set data.dataset to match.");
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
