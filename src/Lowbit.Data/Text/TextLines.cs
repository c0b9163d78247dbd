using System.Buffers;
using System.Text;
using Lowbit.Data.Formats;

namespace Lowbit.Data.Text;

/// <summary>One line of a text file: its text (without the line break), 1-based number and starting byte offset.</summary>
/// <param name="Text">The line's characters, without "\n" or "\r\n".</param>
/// <param name="Number">Line number, counting from 1.</param>
/// <param name="ByteOffset">Offset of the line's first byte (decompressed bytes for gzipped files).</param>
internal readonly record struct TextLine(string Text, int Number, long ByteOffset);

/// <summary>
/// Reads text files (raw or gzipped, detected by the gzip magic) as strict UTF-8: invalid byte sequences and NUL
/// bytes are errors naming the file, line and byte offset, never replaced silently.
/// </summary>
internal static class TextLines
{
    /// <summary>The whole (decompressed) file as bytes, checked to be text.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is empty, not UTF-8, or holds a NUL byte.</exception>
    public static byte[] ReadBytes(string path)
    {
        byte[] bytes = DataFile.ReadAll(path);
        if (bytes.Length == 0)
        {
            throw DataFormatError.At(path, 0, "text", "the file is empty");
        }

        Check(path, bytes);
        return bytes;
    }

    /// <summary>Splits the file into lines at "\n" (a "\r" before it is dropped); a final line without "\n" counts, an empty remainder after the last "\n" does not.</summary>
    public static List<TextLine> Read(string path)
    {
        byte[] bytes = ReadBytes(path);
        var lines = new List<TextLine>();
        int start = 0, number = 1;
        while (start < bytes.Length)
        {
            int end = Array.IndexOf(bytes, (byte)'\n', start);
            int next = end < 0 ? bytes.Length : end + 1;
            int stop = end < 0 ? bytes.Length : end;
            if (stop > start && bytes[stop - 1] == '\r')
            {
                stop--;
            }

            lines.Add(new TextLine(Encoding.UTF8.GetString(bytes, start, stop - start), number, start));
            number++;
            start = next;
        }

        return lines;
    }

    /// <summary>Throws at the first NUL byte or invalid UTF-8 sequence, naming its line and byte offset.</summary>
    private static void Check(string path, byte[] bytes)
    {
        int line = 1;
        var span = bytes.AsSpan();
        int offset = 0;
        while (offset < span.Length)
        {
            byte b = span[offset];
            if (b < 0x80)
            {
                if (b == 0)
                {
                    throw DataFormatError.At(path, offset, $"text (line {line})", "found a NUL byte; this is not a text file");
                }

                if (b == '\n')
                {
                    line++;
                }

                offset++;
                continue;
            }

            if (Rune.DecodeFromUtf8(span[offset..], out _, out int consumed) != OperationStatus.Done)
            {
                throw DataFormatError.At(path, offset, $"text (line {line})", $"invalid UTF-8 byte 0x{b:x2}; save the file as UTF-8 (or ASCII)");
            }

            offset += consumed;
        }
    }
}
