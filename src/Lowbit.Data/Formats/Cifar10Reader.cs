namespace Lowbit.Data.Formats;

/// <summary>Reads CIFAR-10 binary batches (the "cifar-10-batches-bin" layout), raw or gzipped.</summary>
/// <remarks>
/// A batch is a sequence of 3073-byte records: 1 label byte (0..9), then the red, green and blue 32x32
/// planes, each row-major. Records are copied into [N, 3, 32, 32] pixels and a separate label array.
/// Byte offsets in error messages count decompressed bytes for gzipped files.
/// </remarks>
public static class Cifar10Reader
{
    /// <summary>Image side length in pixels.</summary>
    public const int ImageSize = 32;

    /// <summary>Colour channels (red, green, blue planes).</summary>
    public const int Channels = 3;

    /// <summary>Number of classes.</summary>
    public const int ClassCount = 10;

    /// <summary>Bytes per record: 1 label byte plus 3 * 32 * 32 pixel bytes.</summary>
    public const int RecordSize = 1 + Channels * ImageSize * ImageSize;

    /// <summary>Class names by label: airplane, automobile, bird, cat, deer, dog, frog, horse, ship, truck.</summary>
    public static IReadOnlyList<string> ClassNames { get; } =
        Array.AsReadOnly(["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]);

    /// <summary>Reads one binary batch.</summary>
    /// <param name="path">Path of the batch, raw or gzipped.</param>
    /// <param name="name">Name of the dataset; defaults to the file name.</param>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The size is not a positive multiple of 3073 bytes, or a label is above 9.</exception>
    public static ImageDataset ReadBatch(string path, string? name = null)
    {
        byte[] data = DataFile.ReadAll(path);
        if (data.Length == 0 || data.Length % RecordSize != 0)
        {
            int whole = data.Length / RecordSize;
            throw DataFormatError.At(
                path, (long)whole * RecordSize, "record",
                $"expected a positive multiple of {RecordSize}-byte records (1 label + 3072 pixels), found {data.Length} bytes: " +
                $"{whole} whole records and {data.Length % RecordSize} bytes left over");
        }

        int count = data.Length / RecordSize;
        const int sampleSize = RecordSize - 1;
        var pixels = new byte[(long)count * sampleSize];
        var labels = new byte[count];
        for (int i = 0; i < count; i++)
        {
            long offset = (long)i * RecordSize;
            byte label = data[offset];
            if (label >= ClassCount)
            {
                throw DataFormatError.At(path, offset, "label", $"expected a class in 0..{ClassCount - 1}, found {label} (record {i})");
            }

            labels[i] = label;
            data.AsSpan((int)offset + 1, sampleSize).CopyTo(pixels.AsSpan(i * sampleSize, sampleSize));
        }

        return new ImageDataset(name ?? Path.GetFileName(path), Channels, ImageSize, ImageSize, pixels, labels, ClassCount);
    }

    /// <summary>Reads several batches and concatenates them in the given order.</summary>
    /// <param name="paths">Batch files, raw or gzipped.</param>
    /// <param name="name">Name of the resulting dataset.</param>
    /// <exception cref="ArgumentException"><paramref name="paths"/> is empty.</exception>
    public static ImageDataset ReadBatches(IReadOnlyList<string> paths, string name)
    {
        ArgumentNullException.ThrowIfNull(paths);
        if (paths.Count == 0)
        {
            throw new ArgumentException("At least one CIFAR-10 batch file is needed.", nameof(paths));
        }

        if (paths.Count == 1)
        {
            return ReadBatch(paths[0], name);
        }

        var parts = new ImageDataset[paths.Count];
        for (int i = 0; i < parts.Length; i++)
        {
            parts[i] = ReadBatch(paths[i]);
        }

        return ImageDataset.Concat(name, parts);
    }
}
