using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Lowbit.Tensors;
using Lowbit.Training.Checkpoints;

namespace Lowbit.Training.Interop;

/// <summary>Tensors and string metadata read from a safetensors file.</summary>
/// <param name="Tensors">Tensors by name: float32 and float64 as stored; float16, bfloat16 and integer types widened to float32 or float64.</param>
/// <param name="Metadata">The header's "__metadata__" (string to string), empty when absent.</param>
public sealed record SafetensorsFile(IReadOnlyDictionary<string, Tensor> Tensors, IReadOnlyDictionary<string, string> Metadata);

/// <summary>
/// The safetensors format (Hugging Face): u64 little-endian header length N · N bytes of UTF-8 JSON mapping each tensor
/// name to {"dtype", "shape", "data_offsets": [begin, end]} (plus an optional "__metadata__" of strings) · the data
/// buffer, tensors row-major and little-endian at their offsets, which tile the buffer without gaps or overlaps.
/// </summary>
/// <remarks>
/// Lowbit's parameter and buffer names are PyTorch's state-dict names for the same modules ("0.weight", "1.running_mean"),
/// so a Lowbit model's file loads into the matching torch.nn.Sequential with load_state_dict (strict=False: Lowbit has no
/// num_batches_tracked, and quantizer state such as "3.weight_quantizer.alpha" has no PyTorch counterpart).
/// Writing: float32 and float64 tensors, names in ordinal order, the header padded with spaces to a multiple of 8
/// bytes (as the reference implementation does, so the data is aligned). Reading: every dtype of the format but the
/// 8-bit floats; errors name the file, the tensor and the byte offset.
/// </remarks>
public static class Safetensors
{
    /// <summary>Largest header accepted (the reference implementation's limit, 100 MB).</summary>
    public const long MaxHeaderBytes = 100_000_000;

    /// <summary>Writes <paramref name="tensors"/> and <paramref name="metadata"/> to <paramref name="path"/> (atomically).</summary>
    /// <exception cref="ArgumentException">A name is empty or "__metadata__".</exception>
    public static void Write(string path, IReadOnlyDictionary<string, Tensor> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        AtomicFile.WriteAllBytes(path, ToBytes(tensors, metadata));
    }

    /// <summary>The file's bytes (see <see cref="Write"/>).</summary>
    public static byte[] ToBytes(IReadOnlyDictionary<string, Tensor> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        var header = new JsonObject();
        if (metadata is { Count: > 0 })
        {
            var meta = new JsonObject();
            foreach (var (key, value) in metadata.OrderBy(m => m.Key, StringComparer.Ordinal)) meta[key] = value;
            header["__metadata__"] = meta;
        }
        var ordered = tensors.OrderBy(t => t.Key, StringComparer.Ordinal).ToList();
        long offset = 0;
        foreach (var (name, tensor) in ordered)
        {
            if (string.IsNullOrEmpty(name) || name == "__metadata__") throw new ArgumentException($"Tensor name '{name}' is not allowed in a safetensors file.", nameof(tensors));
            long bytes = (long)tensor.Length * (tensor.DType == DType.Float64 ? 8 : 4);
            header[name] = new JsonObject
            {
                ["dtype"] = tensor.DType == DType.Float64 ? "F64" : "F32",
                ["shape"] = new JsonArray(tensor.Shape.Select(d => (JsonNode)d).ToArray()),
                ["data_offsets"] = new JsonArray(offset, offset + bytes),
            };
            offset += bytes;
        }
        byte[] json = Encoding.UTF8.GetBytes(header.ToJsonString());
        int padded = (json.Length + 7) / 8 * 8;
        var file = new byte[8 + padded + offset];
        BinaryPrimitives.WriteUInt64LittleEndian(file, (ulong)padded);
        json.CopyTo(file.AsSpan(8));
        file.AsSpan(8 + json.Length, padded - json.Length).Fill((byte)' ');
        long at = 8 + padded;
        foreach (var (_, tensor) in ordered)
        {
            var data = tensor.DType == DType.Float64 ? MemoryMarshal.AsBytes(tensor.Span<double>()) : MemoryMarshal.AsBytes(tensor.AsSpan());
            if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("safetensors data is little-endian; big-endian hosts are not supported.");
            data.CopyTo(file.AsSpan((int)at));
            at += data.Length;
        }
        return file;
    }

    /// <summary>Reads a safetensors file.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is not a valid safetensors file; the message names the file, tensor and byte offset.</exception>
    public static SafetensorsFile Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"safetensors file '{path}' does not exist.", path);
        return Parse(File.ReadAllBytes(path), Path.GetFileName(path));
    }

    /// <summary>Parses the bytes of a safetensors file; <paramref name="file"/> names it in messages.</summary>
    /// <exception cref="InvalidDataException">The bytes are not a valid safetensors file.</exception>
    public static SafetensorsFile Parse(ReadOnlySpan<byte> bytes, string file)
    {
        if (bytes.Length < 8) throw new InvalidDataException($"{file}: {bytes.Length} bytes; a safetensors file starts with an 8-byte header length.");
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        if (headerLength > MaxHeaderBytes || headerLength > (ulong)(bytes.Length - 8))
            throw new InvalidDataException($"{file}: header length {headerLength} at byte 0 exceeds the file ({bytes.Length} bytes) or the {MaxHeaderBytes}-byte limit.");
        JsonObject header;
        try
        {
            header = JsonNode.Parse(bytes.Slice(8, (int)headerLength)) as JsonObject
                ?? throw new InvalidDataException($"{file}: the header at byte 8 is not a JSON object.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{file}: the header at byte 8 is not valid JSON ({ErrorText.OneLine(e.Message, 200)}).", e);
        }
        var data = bytes[(8 + (int)headerLength)..];
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        var entries = new List<(string Name, SafetensorsDType Type, int[] Shape, long Begin, long End)>();
        foreach (var (name, node) in header)
        {
            if (name == "__metadata__")
            {
                if (node is not JsonObject meta) throw new InvalidDataException($"{file}: \"__metadata__\" must be an object of strings.");
                foreach (var (key, value) in meta)
                    metadata[key] = value is JsonValue v && v.TryGetValue(out string? text) ? text : throw new InvalidDataException($"{file}: metadata '{key}' is not a string.");
                continue;
            }
            entries.Add(Entry(file, name, node));
        }
        CheckTiling(file, entries.Select(e => (e.Name, e.Begin, e.End)).ToList(), data.Length, 8 + (long)headerLength);
        var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (name, type, shape, begin, end) in entries)
            tensors.Add(name, type.Decode(data[(int)begin..(int)end], shape));
        return new SafetensorsFile(tensors, metadata);
    }

    private static (string, SafetensorsDType, int[], long, long) Entry(string file, string name, JsonNode? node)
    {
        string Where() => $"{file}: tensor '{name}'";
        if (node is not JsonObject o) throw new InvalidDataException($"{Where()}: header entry is not an object.");
        string dtype = o["dtype"] is JsonValue d && d.TryGetValue(out string? s) ? s : throw new InvalidDataException($"{Where()}: no \"dtype\" string.");
        var type = SafetensorsDType.Find(dtype) ?? throw new InvalidDataException($"{Where()}: dtype \"{dtype}\" is not supported (supported: {string.Join(", ", SafetensorsDType.Names)}).");
        if (o["shape"] is not JsonArray shapeNode) throw new InvalidDataException($"{Where()}: no \"shape\" array.");
        var shape = new int[shapeNode.Count];
        long elements = 1;
        for (int i = 0; i < shape.Length; i++)
        {
            if (shapeNode[i] is not JsonValue v || !v.TryGetValue(out long dim) || dim < 0 || dim > int.MaxValue)
                throw new InvalidDataException($"{Where()}: shape[{i}] is not a dimension 0..{int.MaxValue}.");
            shape[i] = (int)dim;
            elements = checked(elements * dim);
        }
        if (o["data_offsets"] is not JsonArray { Count: 2 } offsets || offsets[0] is not JsonValue b || !b.TryGetValue(out long begin)
            || offsets[1] is not JsonValue e || !e.TryGetValue(out long end) || begin < 0 || end < begin)
            throw new InvalidDataException($"{Where()}: \"data_offsets\" must be [begin, end] with 0 <= begin <= end.");
        if (end - begin != elements * type.Size)
            throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture,
                $"{Where()}: shape [{string.Join(", ", shape)}] of {dtype} needs {elements * type.Size} bytes but data_offsets [{begin}, {end}] hold {end - begin}."));
        return (name, type, shape, begin, end);
    }

    /// <summary>The format requires the tensors to cover the data buffer exactly: sorted by offset, no gap, no overlap.</summary>
    private static void CheckTiling(string file, List<(string Name, long Begin, long End)> spans, long dataLength, long dataStart)
    {
        long expected = 0;
        foreach (var (name, begin, end) in spans.OrderBy(s => s.Begin).ThenBy(s => s.End))
        {
            if (begin != expected)
                throw new InvalidDataException($"{file}: tensor '{name}' starts at data byte {begin} (file byte {dataStart + begin}) but the previous tensor ends at {expected}; tensors must tile the data without gaps or overlaps.");
            expected = end;
        }
        if (expected != dataLength)
            throw new InvalidDataException($"{file}: the tensors cover {expected} data bytes but the file holds {dataLength} after the header (file byte {dataStart + expected}).");
    }
}
