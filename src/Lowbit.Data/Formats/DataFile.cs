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
        if (Directory.Exists(path))
        {
            throw new InvalidDataException($"Data file '{Path.GetFullPath(path)}' is a folder, not a file.");
        }

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
            throw DataFormatError.At(path, offset, "gzip stream", GzipDiagnosis.Explain(path), ex);
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

    /// <summary>
    /// Reads the whole (decompressed) content of a file. A gzip file must be complete: corrupt data, a wrong CRC and
    /// a missing end (truncation) are errors. Gzip files of several concatenated members are not supported here.
    /// </summary>
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

        // Chunked so that an error names the decompressed offset of the chunk where it was found.
        using var memory = new MemoryStream();
        var buffer = new byte[BufferSize];
        int chunk;
        while ((chunk = ReadUpTo(stream, buffer, path, memory.Length)) > 0)
        {
            memory.Write(buffer, 0, chunk);
        }

        CheckGzipTrailer(path, memory.Length);
        return memory.ToArray();
    }

    /// <summary>
    /// Detects a truncated gzip file, which <see cref="GZipStream"/> decompresses without complaint: the last four bytes
    /// of a complete single-member gzip file hold the decompressed length modulo 2^32 (RFC 1952, ISIZE).
    /// </summary>
    private static void CheckGzipTrailer(string path, long decompressedLength)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1);
        Span<byte> trailer = stackalloc byte[4];
        // The 10-byte header and 8-byte trailer alone are 18 bytes; anything shorter cannot be complete.
        if (file.Length < 18)
        {
            throw DataFormatError.At(path, decompressedLength, "gzip stream", $"truncated: a gzip file has at least 18 bytes, found {file.Length}");
        }

        file.Position = file.Length - 4;
        file.ReadExactly(trailer);
        uint expected = System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(trailer);
        if (expected != (uint)decompressedLength)
        {
            throw DataFormatError.At(
                path, decompressedLength, "gzip stream",
                $"truncated: the compressed data ends here but the gzip trailer (last 4 bytes) gives a length of {expected} (mod 2^32)");
        }
    }
}
