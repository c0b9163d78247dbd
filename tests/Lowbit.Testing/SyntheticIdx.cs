using System.Buffers.Binary;

namespace Lowbit.Testing;

/// <summary>Writes small MNIST-style folders (raw IDX files) with chosen sizes and pixels, for data-handling tests.</summary>
public static class SyntheticIdx
{
    /// <summary>
    /// Writes train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte into
    /// <paramref name="folder"/> (created). Labels cycle 0..9; pixel p of image i is <paramref name="pixel"/>(i, p).
    /// </summary>
    public static string Write(string folder, int trainCount, int testCount, int rows = 28, int columns = 28, Func<int, int, byte>? pixel = null)
    {
        Directory.CreateDirectory(folder);
        pixel ??= (i, p) => (byte)((i * 31 + p * 7) % 256);
        WritePair(folder, "train", trainCount, rows, columns, pixel);
        WritePair(folder, "t10k", testCount, rows, columns, pixel);
        return folder;
    }

    private static void WritePair(string folder, string prefix, int count, int rows, int columns, Func<int, int, byte> pixel)
    {
        int size = rows * columns;
        var images = new byte[16 + count * size];
        BinaryPrimitives.WriteUInt32BigEndian(images, 0x803);
        BinaryPrimitives.WriteInt32BigEndian(images.AsSpan(4), count);
        BinaryPrimitives.WriteInt32BigEndian(images.AsSpan(8), rows);
        BinaryPrimitives.WriteInt32BigEndian(images.AsSpan(12), columns);
        for (int i = 0; i < count; i++)
            for (int p = 0; p < size; p++) images[16 + i * size + p] = pixel(i, p);
        var labels = new byte[8 + count];
        BinaryPrimitives.WriteUInt32BigEndian(labels, 0x801);
        BinaryPrimitives.WriteInt32BigEndian(labels.AsSpan(4), count);
        for (int i = 0; i < count; i++) labels[8 + i] = (byte)(i % 10);
        File.WriteAllBytes(Path.Combine(folder, prefix + "-images-idx3-ubyte"), images);
        File.WriteAllBytes(Path.Combine(folder, prefix + "-labels-idx1-ubyte"), labels);
    }

    /// <summary>A fresh empty folder under the system temp folder.</summary>
    public static string TempFolder(string prefix)
    {
        string folder = Path.Combine(Path.GetTempPath(), $"lowbit-{prefix}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        return folder;
    }
}
