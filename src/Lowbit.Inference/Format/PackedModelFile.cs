using System.Buffers.Binary;
using System.Text;

namespace Lowbit.Inference.Format;

/// <summary>
/// Reads and writes packed model files (docs/FORMAT.md): little-endian, versioned, CRC-32 checked.
/// </summary>
public static class PackedModelFile
{
    /// <summary>File magic: the ASCII bytes "LOWBITPM".</summary>
    public static ReadOnlySpan<byte> Magic => "LOWBITPM"u8;

    /// <summary>
    /// The format version this code writes. It reads this one and versions 1–3 (which had one pixel table for all
    /// channels and fewer kinds: 3 no convolutions, 2 no residual layers, 1 binary dense layers only).
    /// </summary>
    public const uint Version = 4;

    /// <summary>The oldest format version this code reads.</summary>
    public const uint OldestReadableVersion = 1;

    /// <summary>Header bytes: magic (8), version (4), flags (4), file length (8).</summary>
    public const int HeaderSize = 24;

    /// <summary>Trailing CRC-32 bytes.</summary>
    public const int ChecksumSize = 4;

    /// <summary>The exact size in bytes of the file <see cref="Write(PackedModel, Stream)"/> produces for <paramref name="model"/>.</summary>
    public static long PredictSize(PackedModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        long size = HeaderSize + 3 * 4 + model.PixelTables.Length * 4L + 4 + Encoding.UTF8.GetByteCount(model.Metadata) + 4;
        foreach (var layer in model.Layers) size += layer.ByteSize;
        return size + ChecksumSize;
    }

    /// <summary>Bytes one layer takes in the file (<see cref="PackedLayer.ByteSize"/>).</summary>
    public static long LayerSize(PackedLayer layer)
    {
        ArgumentNullException.ThrowIfNull(layer);
        return layer.ByteSize;
    }

    /// <summary>
    /// Writes <paramref name="model"/> to <paramref name="path"/> and returns the byte count. The bytes go to a temporary
    /// file in the same folder that is then renamed over <paramref name="path"/>, so a failed write (disk full) leaves
    /// any previous file intact.
    /// </summary>
    public static long Write(PackedModel model, string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var bytes = ToBytes(model);
        string full = Path.GetFullPath(path);
        string temp = Path.Combine(Path.GetDirectoryName(full) ?? ".", $".{Path.GetFileName(full)}.{Environment.ProcessId}.tmp");
        try
        {
            File.WriteAllBytes(temp, bytes);
            File.Move(temp, full, overwrite: true);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
        return bytes.Length;
    }

    /// <summary>Writes <paramref name="model"/> to <paramref name="stream"/>.</summary>
    public static void Write(PackedModel model, Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        stream.Write(ToBytes(model));
    }

    /// <summary>Serialises <paramref name="model"/> to a byte array.</summary>
    public static byte[] ToBytes(PackedModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        long size = PredictSize(model);
        if (size > int.MaxValue) throw new ArgumentException($"The model needs {size} bytes; files over 2 GiB are not supported.", nameof(model));
        var buffer = new byte[size];
        var w = new PackedWriter(buffer);
        w.Bytes(Magic);
        w.U32(Version);
        w.U32(0);
        w.U64((ulong)size);
        foreach (int d in model.InputShape) w.U32((uint)d);
        w.F32(model.PixelTables);
        var meta = Encoding.UTF8.GetBytes(model.Metadata);
        w.U32((uint)meta.Length);
        w.Bytes(meta);
        w.U32((uint)model.Layers.Count);
        foreach (var layer in model.Layers)
        {
            int start = w.Offset;
            layer.Write(ref w);
            if (w.Offset - start != layer.ByteSize)
                throw new InvalidOperationException($"Layer kind {layer.Kind} wrote {w.Offset - start} bytes but its size is {layer.ByteSize}.");
        }
        w.U32(System.IO.Hashing.Crc32.HashToUInt32(buffer.AsSpan(0, w.Offset)));
        if (w.Offset != size) throw new InvalidOperationException($"Wrote {w.Offset} bytes but predicted {size}.");
        return buffer;
    }

    /// <summary>Reads a packed model file.</summary>
    /// <exception cref="InvalidDataException">The file is truncated, corrupted, of an unknown version or describes an
    /// invalid model; the message names the file, the byte offset and the field.</exception>
    public static PackedModel Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (Directory.Exists(path)) throw new InvalidDataException($"'{path}' is a folder, not a packed model file (lowbit export --out FILE writes one).");
        if (!File.Exists(path)) throw new FileNotFoundException($"Packed model '{path}' does not exist.", path);
        return Read(File.ReadAllBytes(path), path);
    }

    /// <summary>Parses a packed model from <paramref name="data"/>; <paramref name="name"/> names the source in errors.</summary>
    /// <exception cref="InvalidDataException">See <see cref="Read(string)"/>.</exception>
    public static PackedModel Read(ReadOnlySpan<byte> data, string name) => PackedModelReader.Parse(data, name);
}
