using System.Buffers.Binary;
using System.Text;
using Lowbit.Kernels.Bits;

namespace Lowbit.Inference.Format;

/// <summary>
/// Parser of <see cref="PackedModelFile"/> data: the envelope and model header here, each layer by the reader its kind
/// registers in <see cref="PackedLayerKinds"/>. Every check reports the source name, the byte offset and the field,
/// and every failure is an <see cref="InvalidDataException"/>: sizes are checked against the bytes present before
/// anything is allocated, so no input makes it allocate more than the file size or read out of range.
/// </summary>
internal ref struct PackedModelReader
{
    private static readonly UTF8Encoding s_strictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
    private readonly ReadOnlySpan<byte> _data;
    private readonly string _name;
    private uint _version;

    private PackedModelReader(ReadOnlySpan<byte> data, string name)
    {
        _data = data;
        _name = name;
        Offset = 0;
    }

    /// <summary>Position of the next field.</summary>
    public int Offset { get; private set; }

    /// <summary>Bytes left before the checksum.</summary>
    public readonly int Remaining => _data.Length - PackedModelFile.ChecksumSize - Offset;

    public static PackedModel Parse(ReadOnlySpan<byte> data, string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var r = new PackedModelReader(data, name);
        r.CheckEnvelope();
        return r.ParseBody();
    }

    /// <summary>The error for a field at <paramref name="offset"/>.</summary>
    public readonly InvalidDataException Error(int offset, string message) =>
        new($"{_name}: byte offset {offset}: {message}");

    private void CheckEnvelope()
    {
        var magic = PackedModelFile.Magic;
        if (_data.Length < magic.Length || !_data[..magic.Length].SequenceEqual(magic))
            throw Error(0, $"not a Lowbit packed model (magic \"LOWBITPM\" expected{(_data.Length < magic.Length ? $"; the file has only {_data.Length} bytes" : "")}).");
        if (_data.Length < PackedModelFile.HeaderSize)
            throw Error(_data.Length, $"truncated header: the file has {_data.Length} bytes, the header alone needs {PackedModelFile.HeaderSize}.");
        uint version = BinaryPrimitives.ReadUInt32LittleEndian(_data[8..]);
        if (version < PackedModelFile.OldestReadableVersion || version > PackedModelFile.Version)
            throw Error(8, $"format version {version} is not supported (this build reads versions {PackedModelFile.OldestReadableVersion} to {PackedModelFile.Version}); re-export the model with this version of lowbit.");
        _version = version;
        uint flags = BinaryPrimitives.ReadUInt32LittleEndian(_data[12..]);
        if (flags != 0) throw Error(12, $"header flags are 0x{flags:X8}; version {version} defines none (must be 0).");
        ulong length = BinaryPrimitives.ReadUInt64LittleEndian(_data[16..]);
        if (length != (ulong)_data.Length)
            throw Error(16, length > (ulong)_data.Length
                ? $"truncated: the header declares {length} bytes but the file has {_data.Length}."
                : $"the header declares {length} bytes but the file has {_data.Length} (trailing data or corrupted length).");
        int crcOffset = _data.Length - PackedModelFile.ChecksumSize;
        if (crcOffset < PackedModelFile.HeaderSize) throw Error(16, $"declared length {length} is too small for header and checksum.");
        uint stored = BinaryPrimitives.ReadUInt32LittleEndian(_data[crcOffset..]);
        uint actual = System.IO.Hashing.Crc32.HashToUInt32(_data[..crcOffset]);
        if (stored != actual)
            throw Error(crcOffset, $"checksum mismatch: stored CRC-32 0x{stored:X8}, computed 0x{actual:X8} over bytes [0, {crcOffset}); the file is corrupted.");
        Offset = PackedModelFile.HeaderSize;
    }

    private PackedModel ParseBody()
    {
        int shapeOffset = Offset;
        var shape = new int[3];
        string[] dims = ["channels", "height", "width"];
        for (int i = 0; i < 3; i++) shape[i] = ReadCount(dims[i], 1, 1 << 20);
        if ((long)shape[0] * shape[1] * shape[2] > int.MaxValue / 255)
            throw Error(shapeOffset, $"input shape [{shape[0]}, {shape[1]}, {shape[2]}] is too large.");
        // Version 4 stores one table per channel; earlier versions one table for all channels.
        int tableCount = _version >= 4 ? shape[0] : 1;
        if ((long)tableCount * PackedModel.PixelTableSize * 4 > Remaining)
            throw Error(Offset, $"pixel tables: {tableCount} channel(s) need {(long)tableCount * PackedModel.PixelTableSize * 4} bytes but only {Remaining} remain.");
        var table = new float[tableCount * PackedModel.PixelTableSize];
        for (int p = 0; p < table.Length; p++)
        {
            int at = Offset;
            table[p] = ReadF32("pixel table entry");
            if (!float.IsFinite(table[p])) throw Error(at, $"pixel table entry {p} is {table[p]}; it must be finite.");
        }
        if (tableCount == 1 && shape[0] > 1) table = Enumerable.Repeat(table, shape[0]).SelectMany(t => t).ToArray();
        int metaLength = ReadCount("metadata length", 0, Remaining);
        int metaOffset = Offset;
        string metadata;
        try
        {
            metadata = s_strictUtf8.GetString(Take(metaLength, "metadata"));
        }
        catch (DecoderFallbackException e)
        {
            throw Error(metaOffset, $"metadata is not valid UTF-8 ({e.Message}).");
        }
        int layerCount = ReadCount("layer count", 2, Remaining / DenseHeader.Size);
        var layers = new List<PackedLayer>(layerCount);
        var arriving = ActivationSpec.Pixels(shape[0], shape[1], shape[2]);
        for (int i = 0; i < layerCount; i++)
        {
            var layer = ReadLayer(new LayerReadContext(i, layerCount, arriving, table, _version));
            layers.Add(layer);
            arriving = layer.Output;
        }
        if (Offset != _data.Length - PackedModelFile.ChecksumSize)
            throw Error(Offset, $"{_data.Length - PackedModelFile.ChecksumSize - Offset} unexpected bytes after the last layer.");
        try
        {
            return new PackedModel(shape, table, metadata, layers);
        }
        catch (ArgumentException e)
        {
            throw Error(shapeOffset, $"the layers do not form a valid model: {Bare(e)}");
        }
    }

    /// <summary>Checks that the layer's kind may appear here (version, what arrives, last or not) and runs its reader.</summary>
    private PackedLayer ReadLayer(in LayerReadContext context)
    {
        int start = Offset;
        byte kind = Peek(4, $"layer {context.Index} header")[0];
        bool last = context.Index == context.Count - 1;
        var allowed = PackedLayerKinds.Allowed(_version, context.Arriving.Encoding, last);
        var entry = allowed.FirstOrDefault(k => k.Code == kind);
        if (entry is null)
            throw Error(start, $"layer {context.Index} has kind {kind}; layer {context.Index} of {context.Count} must have kind {PackedLayerKinds.Join(allowed)} here ({PackedLayerKinds.Names}).");
        try
        {
            return entry.Read(ref this, context);
        }
        catch (OverflowException)
        {
            throw Error(start, $"layer {context.Index} (kind {kind}) is too large.");
        }
        catch (ArgumentException e)
        {
            throw Error(start, $"layer {context.Index} is invalid: {Bare(e)}");
        }
    }

    /// <summary>An argument exception's message without .NET's " (Parameter 'x')" and "Actual value was" additions.</summary>
    private static string Bare(ArgumentException e)
    {
        string message = e.Message.Split('\n')[0].TrimEnd('\r');
        string suffix = $" (Parameter '{e.ParamName}')";
        return e.ParamName is not null && message.EndsWith(suffix, StringComparison.Ordinal) ? message[..^suffix.Length] : message;
    }

    /// <summary>Packed rows <c>[outFeatures · planes, WordsPerRow(inFeatures)]</c>, checking that padding bits are zero.</summary>
    public ulong[] ReadWeights(int index, int inFeatures, int outFeatures, int planes)
    {
        int words = BitLayout.WordsPerRow(inFeatures);
        long rows = (long)outFeatures * planes;
        long weightBytes = rows * words * 8;
        if (weightBytes > Remaining)
            throw Error(Offset, $"layer {index} ({inFeatures} → {outFeatures}, {planes} plane(s)) needs {weightBytes} bytes of weights but only {Remaining} remain (truncated or corrupted sizes).");
        int weightOffset = Offset;
        var weights = new ulong[rows * words];
        ulong mask = BitLayout.LastWordMask(inFeatures);
        for (int i = 0; i < weights.Length; i++) weights[i] = ReadU64("weights");
        for (long r = 0; r < rows; r++)
            if ((weights[(r + 1) * words - 1] & ~mask) != 0)
                throw Error(weightOffset + (int)(((r + 1) * words - 1) * 8), $"layer {index} weight row {r / planes} (plane {r % planes}) has non-zero padding bits past input {inFeatures}.");
        return weights;
    }

    /// <summary><paramref name="count"/> float32 values, each a number (and finite unless <paramref name="allowInfinity"/>).</summary>
    public float[] ReadFloats(int count, string field, bool allowInfinity)
    {
        if ((long)count * 4 > Remaining) throw Error(Offset, $"{field}: {count} values need {(long)count * 4} bytes but only {Remaining} remain.");
        var values = new float[count];
        for (int j = 0; j < count; j++)
        {
            int at = Offset;
            values[j] = ReadF32(field);
            if (float.IsNaN(values[j]) || (!allowInfinity && float.IsInfinity(values[j])))
                throw Error(at, $"{field}[{j}] is {values[j]}; it must be {(allowInfinity ? "a number" : "finite")}.");
        }
        return values;
    }

    /// <summary><paramref name="count"/> int32 values in [<paramref name="min"/>, <paramref name="max"/>].</summary>
    public int[] ReadInts(int count, string field, int min, int max)
    {
        if ((long)count * 4 > Remaining) throw Error(Offset, $"{field}: {count} values need {(long)count * 4} bytes but only {Remaining} remain.");
        var values = new int[count];
        for (int j = 0; j < count; j++)
        {
            int at = Offset;
            values[j] = (int)BinaryPrimitives.ReadUInt32LittleEndian(Take(4, field));
            if (values[j] < min || values[j] > max)
                throw Error(at, $"{field}[{j}] is {values[j]}; allowed is [{min}, {max}].");
        }
        return values;
    }

    /// <summary>The next <paramref name="count"/> bytes, consumed.</summary>
    public ReadOnlySpan<byte> Take(int count, string field)
    {
        var span = Peek(count, field);
        Offset += count;
        return span;
    }

    /// <summary>The next <paramref name="count"/> bytes, not consumed.</summary>
    public readonly ReadOnlySpan<byte> Peek(int count, string field)
    {
        if (count < 0 || count > Remaining)
            throw Error(Offset, $"{field}: needs {count} bytes but only {Remaining} remain before the checksum.");
        return _data.Slice(Offset, count);
    }

    /// <summary>A u32 in [<paramref name="min"/>, <paramref name="max"/>].</summary>
    public int ReadCount(string field, int min, int max)
    {
        int at = Offset;
        uint v = BinaryPrimitives.ReadUInt32LittleEndian(Take(4, field));
        if (v < (uint)min || v > (uint)Math.Max(max, 0))
            throw Error(at, $"{field} is {v}; allowed is [{min}, {Math.Max(max, 0)}] here.");
        return (int)v;
    }

    private float ReadF32(string field) => BinaryPrimitives.ReadSingleLittleEndian(Take(4, field));

    private ulong ReadU64(string field) => BinaryPrimitives.ReadUInt64LittleEndian(Take(8, field));
}
