using System.Buffers.Binary;

namespace Lowbit.Data.Formats;

/// <summary>
/// Reads IDX files (the MNIST / Fashion-MNIST format), raw or gzipped; gzip is detected by its magic bytes.
/// </summary>
/// <remarks>
/// Layout (big-endian): 4-byte magic 0x0000TTDD (TT = element type, 0x08 = unsigned byte; DD = number of
/// dimensions), then DD 4-byte dimension sizes, then the payload, exactly the product of the sizes in bytes.
/// Only unsigned-byte images (0x00000803: count, rows, columns) and labels (0x00000801: count) are accepted.
/// Byte offsets in error messages count decompressed bytes for gzipped files.
/// </remarks>
public static class IdxReader
{
    /// <summary>Magic number of an unsigned-byte image file: type 0x08, 3 dimensions.</summary>
    public const uint ImageMagic = 0x00000803;

    /// <summary>Magic number of an unsigned-byte label file: type 0x08, 1 dimension.</summary>
    public const uint LabelMagic = 0x00000801;

    private static readonly string[] s_imageDimensionNames = ["image count", "rows", "columns"];
    private static readonly string[] s_labelDimensionNames = ["label count"];

    /// <summary>Reads an unsigned-byte image file.</summary>
    /// <param name="path">Path of the file, raw or gzipped.</param>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">Wrong magic, short header, bad dimension or payload length.</exception>
    public static IdxImages ReadImages(string path)
    {
        (int[] dimensions, byte[] payload) = Read(path, ImageMagic, "unsigned-byte images", s_imageDimensionNames);
        return new IdxImages(dimensions[0], dimensions[1], dimensions[2], payload);
    }

    /// <summary>Reads an unsigned-byte label file and checks every label is below <paramref name="classCount"/>.</summary>
    /// <param name="path">Path of the file, raw or gzipped.</param>
    /// <param name="classCount">Number of classes; labels must lie in 0..classCount-1.</param>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">Wrong magic, short header, bad payload length or label out of range.</exception>
    public static byte[] ReadLabels(string path, int classCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(classCount);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(classCount, 256);
        (_, byte[] labels) = Read(path, LabelMagic, "unsigned-byte labels", s_labelDimensionNames);
        const int headerSize = 8;
        for (int i = 0; i < labels.Length; i++)
        {
            if (labels[i] >= classCount)
            {
                throw DataFormatError.At(
                    path, headerSize + i, "label", $"expected a class in 0..{classCount - 1}, found {labels[i]} (label {i})");
            }
        }

        return labels;
    }

    /// <summary>Reads a matching pair of image and label files into a single-channel dataset.</summary>
    /// <param name="imagesPath">IDX image file (magic 0x00000803).</param>
    /// <param name="labelsPath">IDX label file (magic 0x00000801).</param>
    /// <param name="classCount">Number of classes.</param>
    /// <param name="name">Name of the resulting dataset.</param>
    /// <exception cref="InvalidDataException">Either file is malformed, or the label count differs from the image count.</exception>
    public static ImageDataset ReadDataset(string imagesPath, string labelsPath, int classCount, string name)
    {
        IdxImages images = ReadImages(imagesPath);
        byte[] labels = ReadLabels(labelsPath, classCount);
        if (labels.Length != images.Count)
        {
            throw DataFormatError.At(
                labelsPath, 4, "label count", $"expected {images.Count} (the image count in '{imagesPath}'), found {labels.Length}");
        }

        return new ImageDataset(name, 1, images.Height, images.Width, images.Pixels, labels, classCount);
    }

    private static (int[] Dimensions, byte[] Payload) Read(string path, uint expectedMagic, string description, string[] dimensionNames)
    {
        using Stream stream = DataFile.OpenRead(path, out _);
        int[] dimensions = ReadHeader(stream, path, expectedMagic, description, dimensionNames);
        int headerSize = 4 + 4 * dimensions.Length;

        long expectedLength = 1;
        foreach (int size in dimensions)
        {
            expectedLength *= size;
            if (expectedLength > Array.MaxLength)
            {
                throw DataFormatError.At(
                    path, 4, "dimensions", $"expected a payload of at most {Array.MaxLength} bytes, but [{string.Join(", ", dimensions)}] is larger");
            }
        }

        var payload = new byte[expectedLength];
        int read = DataFile.ReadUpTo(stream, payload, path, headerSize);
        if (read < expectedLength)
        {
            throw DataFormatError.At(
                path, headerSize, "payload",
                $"truncated: expected {expectedLength} bytes for dimensions [{string.Join(", ", dimensions)}], found {read} (file ends at byte {headerSize + read})");
        }

        long extra = DataFile.CountRemaining(stream, path, headerSize + expectedLength);
        if (extra > 0)
        {
            throw DataFormatError.At(
                path, headerSize + expectedLength, "payload",
                $"expected the file to end after {expectedLength} payload bytes for dimensions [{string.Join(", ", dimensions)}], found {extra} extra bytes");
        }

        return (dimensions, payload);
    }

    private static int[] ReadHeader(Stream stream, string path, uint expectedMagic, string description, string[] dimensionNames)
    {
        Span<byte> word = stackalloc byte[4];
        int read = DataFile.ReadUpTo(stream, word, path, 0);
        if (read < 4)
        {
            throw DataFormatError.At(path, 0, "magic", $"expected a 4-byte magic 0x{expectedMagic:X8} ({description}), file has only {read} bytes");
        }

        uint magic = BinaryPrimitives.ReadUInt32BigEndian(word);
        if (magic != expectedMagic)
        {
            throw DataFormatError.At(path, 0, "magic", $"expected magic 0x{expectedMagic:X8} ({description}), found 0x{magic:X8}");
        }

        var dimensions = new int[dimensionNames.Length];
        for (int d = 0; d < dimensions.Length; d++)
        {
            long offset = 4 + 4 * d;
            read = DataFile.ReadUpTo(stream, word, path, offset);
            if (read < 4)
            {
                throw DataFormatError.At(
                    path, offset, dimensionNames[d],
                    $"header too short: expected 4 bytes for dimension {d + 1} of {dimensions.Length}, file ends at byte {offset + read}");
            }

            uint size = BinaryPrimitives.ReadUInt32BigEndian(word);
            bool isCount = d == 0;
            if (size > int.MaxValue || (!isCount && size == 0))
            {
                string allowed = isCount ? $"0..{int.MaxValue}" : $"1..{int.MaxValue}";
                throw DataFormatError.At(path, offset, dimensionNames[d], $"expected a size in {allowed}, found {size}");
            }

            dimensions[d] = (int)size;
        }

        return dimensions;
    }
}
