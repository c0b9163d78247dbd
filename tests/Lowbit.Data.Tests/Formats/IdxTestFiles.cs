using System.Buffers.Binary;
using System.IO.Compression;

namespace Lowbit.Data.Tests.Formats;

/// <summary>Writes small IDX files (raw or gzipped) into a temporary folder that is deleted on dispose.</summary>
internal sealed class IdxTestFiles : IDisposable
{
    public IdxTestFiles()
    {
        Folder = Path.Combine(Path.GetTempPath(), "lowbit-data-tests-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Folder);
    }

    public string Folder { get; }

    public static byte[] Header(uint magic, params int[] dimensions)
    {
        var header = new byte[4 + 4 * dimensions.Length];
        BinaryPrimitives.WriteUInt32BigEndian(header, magic);
        for (int d = 0; d < dimensions.Length; d++)
        {
            BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4 + 4 * d), dimensions[d]);
        }

        return header;
    }

    public static byte[] Images(int count, int rows, int columns, byte[] pixels) =>
        [.. Header(0x00000803, count, rows, columns), .. pixels];

    public static byte[] Labels(byte[] labels) => [.. Header(0x00000801, labels.Length), .. labels];

    public string Write(string name, byte[] content, bool gzip)
    {
        string path = Path.Combine(Folder, name);
        if (gzip)
        {
            using var file = File.Create(path);
            using var zip = new GZipStream(file, CompressionLevel.Fastest);
            zip.Write(content);
        }
        else
        {
            File.WriteAllBytes(path, content);
        }

        return path;
    }

    public void Dispose() => Directory.Delete(Folder, recursive: true);
}
