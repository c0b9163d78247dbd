using System.Buffers.Binary;
using System.IO.Compression;

namespace Lowbit.Data.Formats;

/// <summary>
/// Says why a gzip file failed to decompress. .NET reports every zlib data error alike ("unsupported compression
/// method"), which misleads when the real fault is a damaged checksum or a truncated file, so the file is examined
/// again: header (RFC 1952), then the deflate data on its own, then the trailer's length field.
/// </summary>
internal static class GzipDiagnosis
{
    private const int HeaderSize = 10, TrailerSize = 8;
    private const byte FlagHeaderCrc = 2, FlagExtra = 4, FlagName = 8, FlagComment = 16;

    /// <summary>A short reason, e.g. "CRC-32 mismatch (...)", for a gzip file that failed to decompress.</summary>
    public static string Explain(string path)
    {
        byte[] data;
        try
        {
            data = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return "corrupt compressed data";
        }
        if (data.Length < HeaderSize + TrailerSize) return $"truncated gzip file ({data.Length} bytes; its header and trailer alone take {HeaderSize + TrailerSize})";
        if (data[2] != 8) return $"compression method {data[2]} at byte 2 is not deflate (8)";
        int start = DeflateStart(data);
        if (start < 0 || start > data.Length - TrailerSize) return "malformed gzip header (optional fields run past the end of the file)";
        long length = 0;
        try
        {
            using var deflate = new DeflateStream(new MemoryStream(data, start, data.Length - start), CompressionMode.Decompress);
            var buffer = new byte[1 << 16];
            int read;
            while ((read = deflate.Read(buffer)) > 0) length += read;
        }
        catch (InvalidDataException)
        {
            return "the compressed (deflate) data is corrupt";
        }
        uint storedLength = BinaryPrimitives.ReadUInt32LittleEndian(data.AsSpan(data.Length - 4));
        if (storedLength != (uint)length)
            return $"length mismatch (the gzip trailer records {storedLength} uncompressed bytes, the data holds {length}; the file is truncated or damaged)";
        return "CRC-32 mismatch (the data decompresses, but its checksum differs from the gzip trailer's; the file is damaged)";
    }

    /// <summary>Offset of the deflate data after the header and its optional fields, or -1 when they run past the end.</summary>
    private static int DeflateStart(byte[] data)
    {
        byte flags = data[3];
        long at = HeaderSize;
        if ((flags & FlagExtra) != 0) at = at + 2 > data.Length ? -1 : at + 2 + BinaryPrimitives.ReadUInt16LittleEndian(data.AsSpan((int)at));
        foreach (byte flag in new[] { FlagName, FlagComment })
        {
            if (at < 0 || (flags & flag) == 0) continue;
            int end = at < data.Length ? Array.IndexOf(data, (byte)0, (int)at) : -1;
            at = end < 0 ? -1 : end + 1;
        }
        if (at >= 0 && (flags & FlagHeaderCrc) != 0) at += 2;
        return at < 0 || at > data.Length ? -1 : (int)at;
    }
}
