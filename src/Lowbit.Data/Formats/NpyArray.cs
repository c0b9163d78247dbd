using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Lowbit.Data.Formats;

/// <summary>
/// One array of NumPy's .npy format (versions 1.0, 2.0 and 3.0): magic "\x93NUMPY", version bytes, a little-endian header
/// length (u16 for 1.0, u32 for 2.0/3.0), an ASCII/UTF-8 Python dict literal {'descr': ..., 'fortran_order': ...,
/// 'shape': (...)}, then the data in C order. Only unsigned and signed integers of 1, 2, 4 and 8 bytes (either byte
/// order) and booleans are read: image pixels must be uint8 (0..255), labels any integer type.
/// </summary>
internal sealed partial class NpyArray
{
    private NpyArray(string name, char kind, int itemSize, bool bigEndian, int[] shape, byte[] data)
    {
        Name = name;
        Kind = kind;
        ItemSize = itemSize;
        BigEndian = bigEndian;
        Shape = shape;
        Data = data;
    }

    /// <summary>Where the array came from ("mnist.npz/x_train.npy"), for messages.</summary>
    public string Name { get; }

    /// <summary>NumPy's kind character: 'u' unsigned, 'i' signed, 'b' boolean.</summary>
    public char Kind { get; }

    /// <summary>Bytes per element.</summary>
    public int ItemSize { get; }

    /// <summary>Whether multi-byte elements are stored big-endian.</summary>
    public bool BigEndian { get; }

    /// <summary>The shape.</summary>
    public int[] Shape { get; }

    /// <summary>The raw element bytes in C order.</summary>
    public byte[] Data { get; }

    /// <summary>Elements (product of the shape).</summary>
    public long Count => Shape.Aggregate(1L, (p, d) => p * d);

    /// <summary>The dtype as NumPy writes it, e.g. "|u1" or "&lt;i8".</summary>
    public string DType => $"{(ItemSize == 1 ? '|' : BigEndian ? '>' : '<')}{Kind}{ItemSize}";

    /// <summary>Reads the header only (shape and dtype; <see cref="Data"/> is empty).</summary>
    public static NpyArray ReadHeader(Stream stream, string name) => Read(stream, name, withData: false);

    /// <summary>Reads a whole array.</summary>
    /// <exception cref="InvalidDataException">Not a .npy array, an unsupported dtype, Fortran order, or truncated data.</exception>
    public static NpyArray Read(Stream stream, string name) => Read(stream, name, withData: true);

    /// <summary>Element <paramref name="index"/> as a 64-bit integer.</summary>
    public long Integer(long index)
    {
        var bytes = Data.AsSpan((int)(index * ItemSize), ItemSize);
        return (Kind, ItemSize, BigEndian) switch
        {
            ('u' or 'b', 1, _) => bytes[0],
            ('i', 1, _) => (sbyte)bytes[0],
            ('u', 2, false) => BinaryPrimitives.ReadUInt16LittleEndian(bytes),
            ('u', 2, true) => BinaryPrimitives.ReadUInt16BigEndian(bytes),
            ('i', 2, false) => BinaryPrimitives.ReadInt16LittleEndian(bytes),
            ('i', 2, true) => BinaryPrimitives.ReadInt16BigEndian(bytes),
            ('u', 4, false) => BinaryPrimitives.ReadUInt32LittleEndian(bytes),
            ('u', 4, true) => BinaryPrimitives.ReadUInt32BigEndian(bytes),
            ('i', 4, false) => BinaryPrimitives.ReadInt32LittleEndian(bytes),
            ('i', 4, true) => BinaryPrimitives.ReadInt32BigEndian(bytes),
            ('u', 8, false) => (long)Math.Min(BinaryPrimitives.ReadUInt64LittleEndian(bytes), long.MaxValue),
            ('u', 8, true) => (long)Math.Min(BinaryPrimitives.ReadUInt64BigEndian(bytes), long.MaxValue),
            ('i', 8, false) => BinaryPrimitives.ReadInt64LittleEndian(bytes),
            _ => BinaryPrimitives.ReadInt64BigEndian(bytes),
        };
    }

    private static NpyArray Read(Stream stream, string name, bool withData)
    {
        Span<byte> start = stackalloc byte[10];
        if (stream.ReadAtLeast(start, 10, throwOnEndOfStream: false) < 10 || start[0] != 0x93 || !start[1..6].SequenceEqual("NUMPY"u8))
            throw new InvalidDataException($"{name}: not a NumPy .npy array (expected the magic \\x93NUMPY at byte 0).");
        int major = start[6];
        int headerLength, headerAt;
        if (major == 1)
        {
            headerLength = BinaryPrimitives.ReadUInt16LittleEndian(start[8..]);
            headerAt = 10;
        }
        else if (major is 2 or 3)
        {
            Span<byte> more = stackalloc byte[2];
            if (stream.ReadAtLeast(more, 2, throwOnEndOfStream: false) < 2) throw new InvalidDataException($"{name}: truncated .npy header at byte 10.");
            headerLength = (int)Math.Min(int.MaxValue, BinaryPrimitives.ReadUInt32LittleEndian([start[8], start[9], more[0], more[1]]));
            headerAt = 12;
        }
        else
        {
            throw new InvalidDataException($"{name}: .npy format version {major}.{start[7]} at byte 6 is not supported (1.0, 2.0 and 3.0 are).");
        }
        if (headerLength > 1 << 20) throw new InvalidDataException($"{name}: .npy header length {headerLength} at byte 8 is implausible.");
        var header = new byte[headerLength];
        if (stream.ReadAtLeast(header, headerLength, throwOnEndOfStream: false) < headerLength)
            throw new InvalidDataException($"{name}: truncated .npy header (needs {headerLength} bytes at byte {headerAt}).");
        var (kind, size, bigEndian, shape) = ParseHeader(Encoding.UTF8.GetString(header), name, headerAt);
        var array = new NpyArray(name, kind, size, bigEndian, shape, []);
        if (!withData) return array;
        long bytes = array.Count * size;
        if (bytes > int.MaxValue) throw new InvalidDataException($"{name}: {bytes} bytes of data; arrays above 2 GiB are not supported.");
        var data = new byte[bytes];
        int read = stream.ReadAtLeast(data, data.Length, throwOnEndOfStream: false);
        if (read < data.Length)
            throw new InvalidDataException($"{name}: truncated data: shape ({string.Join(", ", shape)}) of {array.DType} needs {bytes} bytes after the header (byte {headerAt + headerLength}) but {read} remain.");
        return new NpyArray(name, kind, size, bigEndian, shape, data);
    }

    private static (char Kind, int Size, bool BigEndian, int[] Shape) ParseHeader(string header, string name, int at)
    {
        var descr = DescrPattern().Match(header);
        var fortran = FortranPattern().Match(header);
        var shapeMatch = ShapePattern().Match(header);
        if (!descr.Success || !fortran.Success || !shapeMatch.Success)
            throw new InvalidDataException($"{name}: the .npy header at byte {at} is not a dict with 'descr', 'fortran_order' and 'shape': {header.Trim()}");
        if (fortran.Groups[1].Value == "True")
            throw new InvalidDataException($"{name}: the array is in Fortran order; save it in C order (numpy.ascontiguousarray) before numpy.savez.");
        string d = descr.Groups[1].Value;
        char order = d[0], kind = d[1];
        if (!int.TryParse(d.AsSpan(2), NumberStyles.None, CultureInfo.InvariantCulture, out int size) || kind is not ('u' or 'i' or 'b') || size is not (1 or 2 or 4 or 8) || (kind == 'b' && size != 1))
            throw new InvalidDataException($"{name}: dtype '{d}' is not supported; images must be uint8 (0..255) and labels an integer type (floating-point pixels: scale to 0..255 and convert with .astype(numpy.uint8)).");
        var shape = shapeMatch.Groups[1].Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(s => int.TryParse(s.TrimEnd('L'), NumberStyles.None, CultureInfo.InvariantCulture, out int v) ? v : throw new InvalidDataException($"{name}: shape entry '{s}' is not a dimension."))
            .ToArray();
        return (kind, size, order == '>', shape);
    }

    [GeneratedRegex(@"['""]descr['""]\s*:\s*['""]([<>|=][a-zA-Z]\d+)['""]")]
    private static partial Regex DescrPattern();

    [GeneratedRegex(@"['""]fortran_order['""]\s*:\s*(True|False)")]
    private static partial Regex FortranPattern();

    [GeneratedRegex(@"['""]shape['""]\s*:\s*\(([^)]*)\)")]
    private static partial Regex ShapePattern();
}
