using Lowbit.Data.Formats;

namespace Lowbit.Data;

/// <summary>
/// Loads the standard datasets from folders holding their usual files (raw or gzipped) and splits off validation sets.
/// </summary>
public static class DatasetCatalog
{
    /// <summary>Number of classes in MNIST, Fashion-MNIST and CIFAR-10.</summary>
    public const int TenClasses = 10;

    /// <summary>Number of CIFAR-10 training batches (data_batch_1 .. data_batch_5).</summary>
    public const int Cifar10TrainingBatchCount = 5;

    /// <summary>
    /// Loads MNIST: train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte,
    /// each optionally with ".gz", or with a dot before "idx" (train-images.idx3-ubyte).
    /// </summary>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    /// <exception cref="FileNotFoundException">A file is missing; the message lists the names looked for.</exception>
    /// <exception cref="InvalidDataException">A file is malformed.</exception>
    public static TrainTestSets LoadMnist(string folder) => LoadIdxFolder(folder, "mnist");

    /// <summary>Loads Fashion-MNIST, which uses the same file names and format as MNIST (see <see cref="LoadMnist"/>).</summary>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    /// <exception cref="FileNotFoundException">A file is missing; the message lists the names looked for.</exception>
    /// <exception cref="InvalidDataException">A file is malformed.</exception>
    public static TrainTestSets LoadFashionMnist(string folder) => LoadIdxFolder(folder, "fashion-mnist");

    /// <summary>Loads CIFAR-10's five training batches and its test batch (data_batch_N.bin / test_batch.bin, optionally ".gz").</summary>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    /// <exception cref="FileNotFoundException">A batch is missing; the message lists the names looked for.</exception>
    /// <exception cref="InvalidDataException">A batch is malformed.</exception>
    public static TrainTestSets LoadCifar10(string folder) =>
        new(LoadCifar10(folder, train: true), LoadCifar10(folder, train: false));

    /// <summary>Loads the CIFAR-10 training set (all five batches, in order) or the test set.</summary>
    /// <inheritdoc cref="LoadCifar10(string)" path="/exception"/>
    public static ImageDataset LoadCifar10(string folder, bool train)
    {
        if (train)
        {
            return LoadCifar10Batches(folder, [1, 2, 3, 4, 5]);
        }

        RequireFolder(folder, "CIFAR-10");
        return Cifar10Reader.ReadBatch(Resolve(folder, "CIFAR-10", "test_batch.bin"), "cifar10-test");
    }

    /// <summary>
    /// Loads every CIFAR-10 training batch present in <paramref name="folder"/> (in order: 40,000 images from four
    /// batches, 50,000 from all five) and the test batch.
    /// </summary>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    /// <exception cref="FileNotFoundException">No training batch, or no test batch, is present.</exception>
    /// <exception cref="InvalidDataException">A batch is malformed.</exception>
    public static TrainTestSets LoadCifar10Available(string folder)
    {
        int[] present = FindCifar10TrainingBatches(folder);
        if (present.Length == 0)
        {
            throw new FileNotFoundException(
                $"CIFAR-10: no training batch (data_batch_1.bin .. data_batch_{Cifar10TrainingBatchCount}.bin, raw or .gz) found in " +
                $"'{Path.GetFullPath(folder)}'{Cifar10FolderHint(folder)}.",
                Path.Combine(folder, "data_batch_1.bin"));
        }

        return new(LoadCifar10Batches(folder, present), LoadCifar10(folder, train: false));
    }

    /// <summary>The numbers (1..5, ascending) of the CIFAR-10 training batches present in <paramref name="folder"/>.</summary>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    public static int[] FindCifar10TrainingBatches(string folder)
    {
        RequireFolder(folder, "CIFAR-10");
        var present = new List<int>();
        for (int batch = 1; batch <= Cifar10TrainingBatchCount; batch++)
        {
            string name = Path.Combine(folder, $"data_batch_{batch}.bin");
            if (File.Exists(name) || File.Exists(name + ".gz"))
            {
                present.Add(batch);
            }
        }

        return [.. present];
    }

    /// <summary>
    /// Loads the given CIFAR-10 training batches (numbers 1..5, in the order given) into one dataset.
    /// Use this when only some batches are available.
    /// </summary>
    /// <exception cref="ArgumentException">The list is empty.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A batch number is outside 1..5.</exception>
    /// <inheritdoc cref="LoadCifar10(string)" path="/exception"/>
    public static ImageDataset LoadCifar10Batches(string folder, IReadOnlyList<int> trainingBatches)
    {
        ArgumentNullException.ThrowIfNull(trainingBatches);
        if (trainingBatches.Count == 0)
        {
            throw new ArgumentException("Name at least one CIFAR-10 training batch (1..5).", nameof(trainingBatches));
        }

        RequireFolder(folder, "CIFAR-10");

        var paths = new string[trainingBatches.Count];
        for (int i = 0; i < paths.Length; i++)
        {
            int batch = trainingBatches[i];
            if (batch is < 1 or > Cifar10TrainingBatchCount)
            {
                throw new ArgumentOutOfRangeException(
                    nameof(trainingBatches), batch, $"CIFAR-10 training batches are numbered 1..{Cifar10TrainingBatchCount}.");
            }

            paths[i] = Resolve(folder, "CIFAR-10", $"data_batch_{batch}.bin");
        }

        return Cifar10Reader.ReadBatches(paths, "cifar10-train");
    }

    /// <summary>Splits a training set into training and validation parts.</summary>
    /// <param name="training">The full training set.</param>
    /// <param name="validationCount">Images to hold out, in 0..training.Count.</param>
    /// <param name="mode">TakeLast holds out the last images; SeededRandom a seeded random choice.</param>
    /// <param name="seed">Seed for <see cref="SplitMode.SeededRandom"/>; ignored for TakeLast.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="validationCount"/> is negative or above the image count.</exception>
    public static TrainValidationSets Split(ImageDataset training, int validationCount, SplitMode mode = SplitMode.TakeLast, int seed = 0)
    {
        ArgumentNullException.ThrowIfNull(training);
        ArgumentOutOfRangeException.ThrowIfNegative(validationCount);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(validationCount, training.Count);
        int trainCount = training.Count - validationCount;
        string trainName = training.Name + "-train";
        string validationName = training.Name + "-validation";
        if (mode == SplitMode.TakeLast)
        {
            return new(training.Slice(0, trainCount, trainName), training.Slice(trainCount, validationCount, validationName));
        }

        if (mode != SplitMode.SeededRandom)
        {
            throw new ArgumentOutOfRangeException(nameof(mode), mode, "Expected TakeLast or SeededRandom.");
        }

        // Epoch -1 keeps the split's stream apart from the loader's epochs (0, 1, ...) under the same seed.
        int[] permutation = SplitMix64.Permutation(training.Count, SplitMix64.EpochSeed(seed, -1));
        int[] trainIndices = permutation[..trainCount];
        int[] validationIndices = permutation[trainCount..];
        Array.Sort(trainIndices);
        Array.Sort(validationIndices);
        return new(training.Subset(trainIndices, trainName), training.Subset(validationIndices, validationName));
    }

    private static TrainTestSets LoadIdxFolder(string folder, string name)
    {
        RequireFolder(folder, name);
        ImageDataset train = IdxReader.ReadDataset(
            Resolve(folder, name, "train-images-idx3-ubyte"), Resolve(folder, name, "train-labels-idx1-ubyte"), TenClasses, name + "-train");
        ImageDataset test = IdxReader.ReadDataset(
            Resolve(folder, name, "t10k-images-idx3-ubyte"), Resolve(folder, name, "t10k-labels-idx1-ubyte"), TenClasses, name + "-test");
        return new TrainTestSets(train, test);
    }

    /// <summary>A hint for folders that hold another CIFAR-10 distribution (the Python pickles) or its parent folder.</summary>
    private static string Cifar10FolderHint(string folder)
    {
        if (File.Exists(Path.Combine(folder, "data_batch_1")) || Directory.Exists(Path.Combine(folder, "cifar-10-batches-py")))
        {
            return "; this looks like the Python (pickle) version of CIFAR-10: use the binary version (cifar-10-binary.tar.gz)";
        }

        return Directory.Exists(Path.Combine(folder, "cifar-10-batches-bin"))
            ? $"; the batches seem to be in its subfolder: use '{Path.Combine(folder, "cifar-10-batches-bin")}'"
            : "";
    }

    private static void RequireFolder(string folder, string dataset)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        if (!Directory.Exists(folder))
        {
            throw new DirectoryNotFoundException($"{dataset}: folder not found: '{Path.GetFullPath(folder)}'.");
        }
    }

    /// <summary>Finds a file by its standard name, also accepting ".gz" and the "name.idxN" spelling some mirrors use.</summary>
    private static string Resolve(string folder, string dataset, string standardName)
    {
        var candidates = new List<string> { standardName, standardName + ".gz" };
        int idx = standardName.IndexOf("-idx", StringComparison.Ordinal);
        if (idx >= 0)
        {
            string dotted = string.Concat(standardName.AsSpan(0, idx), ".", standardName.AsSpan(idx + 1));
            candidates.Add(dotted);
            candidates.Add(dotted + ".gz");
        }

        foreach (string candidate in candidates)
        {
            string path = Path.Combine(folder, candidate);
            if (File.Exists(path))
            {
                return path;
            }
        }

        throw new FileNotFoundException(
            $"{dataset}: none of {string.Join(", ", candidates)} found in '{Path.GetFullPath(folder)}'.",
            Path.Combine(folder, standardName));
    }
}
