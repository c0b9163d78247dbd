using System.IO.Compression;

namespace Lowbit.Data.Formats;

/// <summary>Opens data files that may be gzipped; gzip is detected by its magic bytes 1f 8b, not by the extension.</summary>
internal static class DataFile
{
    private const int BufferSize = 1 << 16;

    /// <summary>Opens <paramref name="path"/> for reading, decompressing on the fly when it starts with the gzip magic.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    public static Stream OpenRead(string path, out bool isGzip)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"Data file not found: '{Path.GetFullPath(path)}'.", path);
        }

        var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, BufferSize);
        Span<byte> magic = stackalloc byte[2];
        int read = file.ReadAtLeast(magic, 2, throwOnEndOfStream: false);
        file.Position = 0;
        isGzip = read == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
        return isGzip ? new GZipStream(file, CompressionMode.Decompress, leaveOpen: false) : file;
    }

    /// <summary>
    /// Reads until <paramref name="destination"/> is full or the stream ends; returns the number of bytes read.
    /// A corrupt gzip stream becomes an <see cref="InvalidDataException"/> naming the file.
    /// </summary>
    public static int ReadUpTo(Stream stream, Span<byte> destination, string path, long offset)
    {
        try
        {
            return stream.ReadAtLeast(destination, destination.Length, throwOnEndOfStream: false);
        }
        catch (InvalidDataException ex) when (!DataFormatError.IsFormatError(ex))
        {
            throw DataFormatError.At(path, offset, "gzip stream", $"corrupt compressed data ({ex.Message})", ex);
        }
    }

    /// <summary>Counts the bytes left in the stream (used to report trailing garbage precisely).</summary>
    public static long CountRemaining(Stream stream, string path, long offset)
    {
        var buffer = new byte[BufferSize];
        long total = 0;
        int read;
        while ((read = ReadUpTo(stream, buffer, path, offset + total)) > 0)
        {
            total += read;
        }

        return total;
    }

    /// <summary>Reads the whole (decompressed) content of a file.</summary>
    public static byte[] ReadAll(string path)
    {
        using var stream = OpenRead(path, out bool isGzip);
        if (!isGzip)
        {
            long length = stream.Length;
            if (length > Array.MaxLength)
            {
                throw DataFormatError.At(path, 0, "file size", $"expected at most {Array.MaxLength} bytes, found {length}");
            }

            var bytes = new byte[length];
            int read = ReadUpTo(stream, bytes, path, 0);
            return read == bytes.Length ? bytes : bytes[..read];
        }

        using var memory = new MemoryStream();
        try
        {
            stream.CopyTo(memory, BufferSize);
        }
        catch (InvalidDataException ex)
        {
            throw DataFormatError.At(path, memory.Length, "gzip stream", $"corrupt compressed data ({ex.Message})", ex);
        }

        return memory.ToArray();
    }
}
