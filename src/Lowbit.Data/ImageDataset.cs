namespace Lowbit.Data;

/// <summary>
/// An in-memory labelled image dataset stored as bytes (0..255) to save memory; conversion to float happens
/// when batching (see <see cref="BatchLoader"/> and <see cref="NormalizationOptions"/>).
/// </summary>
/// <remarks>
/// Pixel layout: [Count, Channels, Height, Width], row-major (channel planes, then rows, then columns).
/// The arrays are owned by the dataset and shared with callers for speed: treat them as read-only.
/// </remarks>
public sealed class ImageDataset
{
    /// <summary>Creates a dataset, taking ownership of <paramref name="pixels"/> and <paramref name="labels"/>.</summary>
    /// <param name="name">Human-readable name, e.g. "mnist-train".</param>
    /// <param name="channels">Channels per image (1 for MNIST, 3 for CIFAR-10).</param>
    /// <param name="height">Image height in pixels.</param>
    /// <param name="width">Image width in pixels.</param>
    /// <param name="pixels">Pixels, [count, channels, height, width] row-major.</param>
    /// <param name="labels">One class index per image, each below <paramref name="classes"/>.</param>
    /// <param name="classes">Number of classes (1..256).</param>
    /// <exception cref="ArgumentException">Lengths disagree or a label is out of range.</exception>
    public ImageDataset(string name, int channels, int height, int width, byte[] pixels, byte[] labels, int classes)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(pixels);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(channels);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(classes);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(classes, 256);

        long sampleSize = (long)channels * height * width;
        if (pixels.LongLength != labels.LongLength * sampleSize)
        {
            throw new ArgumentException(
                $"Dataset '{name}': pixels has {pixels.LongLength} bytes but {labels.Length} labels x {channels}x{height}x{width} " +
                $"needs {labels.LongLength * sampleSize}.", nameof(pixels));
        }

        for (int i = 0; i < labels.Length; i++)
        {
            if (labels[i] >= classes)
            {
                throw new ArgumentException(
                    $"Dataset '{name}': label {labels[i]} at index {i} is outside 0..{classes - 1}.", nameof(labels));
            }
        }

        Name = name;
        Channels = channels;
        Height = height;
        Width = width;
        Pixels = pixels;
        Labels = labels;
        Classes = classes;
    }

    /// <summary>Human-readable name, e.g. "mnist-train".</summary>
    public string Name { get; }

    /// <summary>Number of images.</summary>
    public int Count => Labels.Length;

    /// <summary>Channels per image.</summary>
    public int Channels { get; }

    /// <summary>Image height in pixels.</summary>
    public int Height { get; }

    /// <summary>Image width in pixels.</summary>
    public int Width { get; }

    /// <summary>Bytes per image: Channels * Height * Width.</summary>
    public int SampleSize => Channels * Height * Width;

    /// <summary>Number of classes; every label is in 0..Classes-1.</summary>
    public int Classes { get; }

    /// <summary>Pixels, [Count, Channels, Height, Width] row-major. Treat as read-only.</summary>
    public byte[] Pixels { get; }

    /// <summary>Labels, one per image. Treat as read-only.</summary>
    public byte[] Labels { get; }

    /// <summary>The pixels of image <paramref name="index"/>, [Channels, Height, Width].</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is not in 0..Count-1.</exception>
    public ReadOnlySpan<byte> GetImage(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
        return Pixels.AsSpan(index * SampleSize, SampleSize);
    }

    /// <summary>Number of images per class, indexed by label.</summary>
    public int[] CountPerClass()
    {
        var counts = new int[Classes];
        foreach (byte label in Labels)
        {
            counts[label]++;
        }

        return counts;
    }

    /// <summary>Copies the images at <paramref name="indices"/>, in that order (repeats allowed), into a new dataset.</summary>
    /// <param name="indices">Image indices, each in 0..Count-1.</param>
    /// <param name="name">Name of the new dataset; defaults to this dataset's name.</param>
    /// <exception cref="ArgumentOutOfRangeException">An index is out of range.</exception>
    public ImageDataset Subset(ReadOnlySpan<int> indices, string? name = null)
    {
        int sampleSize = SampleSize;
        var pixels = new byte[(long)indices.Length * sampleSize];
        var labels = new byte[indices.Length];
        for (int i = 0; i < indices.Length; i++)
        {
            int index = indices[i];
            if ((uint)index >= (uint)Count)
            {
                throw new ArgumentOutOfRangeException(
                    nameof(indices), index, $"indices[{i}] = {index} is outside 0..{Count - 1} of dataset '{Name}'.");
            }

            Pixels.AsSpan(index * sampleSize, sampleSize).CopyTo(pixels.AsSpan(i * sampleSize, sampleSize));
            labels[i] = Labels[index];
        }

        return new ImageDataset(name ?? Name, Channels, Height, Width, pixels, labels, Classes);
    }

    /// <summary>Copies the contiguous range [start, start + count) into a new dataset.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The range does not lie inside the dataset.</exception>
    public ImageDataset Slice(int start, int count, string? name = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(start);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(start, Count - count, nameof(start));
        int sampleSize = SampleSize;
        byte[] pixels = Pixels.AsSpan(start * sampleSize, count * sampleSize).ToArray();
        byte[] labels = Labels.AsSpan(start, count).ToArray();
        return new ImageDataset(name ?? Name, Channels, Height, Width, pixels, labels, Classes);
    }

    /// <summary>Concatenates datasets with the same image shape and class count, in order.</summary>
    /// <exception cref="ArgumentException">The list is empty or the shapes or class counts differ.</exception>
    public static ImageDataset Concat(string name, IReadOnlyList<ImageDataset> parts)
    {
        ArgumentNullException.ThrowIfNull(parts);
        if (parts.Count == 0)
        {
            throw new ArgumentException("Concat needs at least one dataset.", nameof(parts));
        }

        ImageDataset first = parts[0];
        long totalCount = 0;
        foreach (ImageDataset part in parts)
        {
            if (part.Channels != first.Channels || part.Height != first.Height || part.Width != first.Width || part.Classes != first.Classes)
            {
                throw new ArgumentException(
                    $"Cannot concatenate '{part.Name}' ({part.Channels}x{part.Height}x{part.Width}, {part.Classes} classes) with " +
                    $"'{first.Name}' ({first.Channels}x{first.Height}x{first.Width}, {first.Classes} classes).", nameof(parts));
            }

            totalCount += part.Count;
        }

        var pixels = new byte[totalCount * first.SampleSize];
        var labels = new byte[totalCount];
        long offset = 0;
        foreach (ImageDataset part in parts)
        {
            part.Pixels.CopyTo(pixels, offset * first.SampleSize);
            part.Labels.CopyTo(labels, offset);
            offset += part.Count;
        }

        return new ImageDataset(name, first.Channels, first.Height, first.Width, pixels, labels, first.Classes);
    }

    /// <inheritdoc />
    public override string ToString() => $"{Name}: {Count} x {Channels}x{Height}x{Width}, {Classes} classes";
}
