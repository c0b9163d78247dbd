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

    /// <summary>The format version this code writes. It reads this one, version 2 (no residual layers) and version 1 (binary layers only).</summary>
    public const uint Version = 3;

    /// <summary>The oldest format version this code reads.</summary>
    public const uint OldestReadableVersion = 1;

    /// <summary>Header bytes: magic (8), version (4), flags (4), file length (8).</summary>
    public const int HeaderSize = 24;

    /// <summary>Trailing CRC-32 bytes.</summary>
    public const int ChecksumSize = 4;

    internal const byte KindByteSign = 1, KindBinarySign = 2, KindBinaryOutput = 3, KindPlaneThreshold = 4, KindPlaneOutput = 5, KindResidualThreshold = 6, KindResidualOutput = 7;
    internal const byte FlagBias = 1, FlagBatchNorm = 2;
    internal const int LayerHeaderSize = 12;

    /// <summary>The exact size in bytes of the file <see cref="Write(PackedModel, Stream)"/> produces for <paramref name="model"/>.</summary>
    public static long PredictSize(PackedModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        long size = HeaderSize + 3 * 4 + PackedModel.PixelTableSize * 4 + 4 + Encoding.UTF8.GetByteCount(model.Metadata) + 4;
        foreach (var layer in model.Layers) size += LayerSize(layer);
        return size + ChecksumSize;
    }

    /// <summary>Bytes one layer takes in the file: its 12-byte header, packed weights and per-unit values.</summary>
    public static long LayerSize(PackedDenseLayer layer)
    {
        ArgumentNullException.ThrowIfNull(layer);
        long perUnit = layer switch
        {
            ByteSignDenseLayer => 4,
            BinarySignDenseLayer => 4,
            BinaryOutputDenseLayer o => (o.Bias is null ? 0 : 4) + (o.Scale is null ? 0 : 8),
            PlaneThresholdDenseLayer t => 1 + 4L * t.ThresholdsPerUnit,
            PlaneOutputDenseLayer o => (o.Bias is null ? 0 : 4) + (o.Scale is null ? 0 : 8),
            ResidualThresholdDenseLayer t => 1 + 4L * t.ThresholdsPerUnit,
            ResidualOutputDenseLayer o => (o.Bias is null ? 0 : 4) + (o.Scale is null ? 0 : 8),
            _ => throw new ArgumentException($"Unknown layer type {layer.GetType().Name}.", nameof(layer)),
        };
        long extra = layer switch
        {
            PlaneThresholdDenseLayer t => 4L * (t.WeightLevels.Length + t.InputLevels.Length) + 4,
            PlaneDenseLayer p => 4L * (p.WeightLevels.Length + p.InputLevels.Length),
            ResidualDenseLayer r => 4L * (r.WeightScales.Length + r.WeightLevels.Length + r.InputScales.Length + r.InputLevels.Length) + (r is ResidualThresholdDenseLayer ? 4 : 0),
            _ => 0,
        };
        return LayerHeaderSize + extra + (long)layer.Weights.Length * 8 + perUnit * layer.OutFeatures;
    }

    /// <summary>Writes <paramref name="model"/> to <paramref name="path"/> (replacing it) and returns the byte count.</summary>
    public static long Write(PackedModel model, string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var bytes = ToBytes(model);
        File.WriteAllBytes(path, bytes);
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
        var w = new Writer(buffer);
        w.Bytes(Magic);
        w.U32(Version);
        w.U32(0);
        w.U64((ulong)size);
        foreach (int d in model.InputShape) w.U32((uint)d);
        foreach (float v in model.PixelTable) w.F32(v);
        var meta = Encoding.UTF8.GetBytes(model.Metadata);
        w.U32((uint)meta.Length);
        w.Bytes(meta);
        w.U32((uint)model.Layers.Count);
        foreach (var layer in model.Layers) WriteLayer(ref w, layer);
        w.U32(Crc32.Compute(buffer.AsSpan(0, w.Offset)));
        if (w.Offset != size) throw new InvalidOperationException($"Wrote {w.Offset} bytes but predicted {size}.");
        return buffer;
    }

    private static void WriteLayer(ref Writer w, PackedDenseLayer layer)
    {
        byte kind = layer switch
        {
            ByteSignDenseLayer => KindByteSign,
            BinarySignDenseLayer => KindBinarySign,
            BinaryOutputDenseLayer => KindBinaryOutput,
            PlaneThresholdDenseLayer => KindPlaneThreshold,
            PlaneOutputDenseLayer => KindPlaneOutput,
            ResidualThresholdDenseLayer => KindResidualThreshold,
            _ => KindResidualOutput,
        };
        var (bias, scale, shift) = layer switch
        {
            BinaryOutputDenseLayer o => (o.Bias, o.Scale, o.Shift),
            PlaneOutputDenseLayer o => (o.Bias, o.Scale, o.Shift),
            ResidualOutputDenseLayer o => (o.Bias, o.Scale, o.Shift),
            _ => (null, null, null),
        };
        byte flags = (byte)((bias is null ? 0 : FlagBias) | (scale is null ? 0 : FlagBatchNorm));
        var plane = layer as PlaneDenseLayer;
        var residual = layer as ResidualDenseLayer;
        // kind, flags, then weight bits/planes and input bits/planes for kinds 4-7 (reserved zero bytes for kinds 1-3)
        uint weightBits = (uint)(plane?.WeightBits ?? residual?.WeightPlanes ?? 0), inputBits = (uint)(plane?.InputBits ?? residual?.InputPlanes ?? 0);
        w.U32(kind | (uint)flags << 8 | weightBits << 16 | inputBits << 24);
        w.U32((uint)layer.InFeatures);
        w.U32((uint)layer.OutFeatures);
        if (plane is not null)
        {
            foreach (float v in plane.WeightLevels) w.F32(v);
            foreach (float v in plane.InputLevels) w.F32(v);
        }
        if (residual is not null)
        {
            foreach (float v in residual.WeightScales) w.F32(v);
            foreach (float v in residual.WeightLevels) w.F32(v);
            foreach (float v in residual.InputScales) w.F32(v);
            foreach (float v in residual.InputLevels) w.F32(v);
        }
        foreach (ulong word in layer.Weights) w.U64(word);
        switch (layer)
        {
            case ByteSignDenseLayer first:
                foreach (float t in first.Thresholds) w.F32(t);
                break;
            case BinarySignDenseLayer hidden:
                foreach (int t in hidden.MaxMismatches) w.U32((uint)t);
                break;
            case PlaneThresholdDenseLayer thresholds:
                w.U32((uint)thresholds.OutputBits);
                foreach (bool negated in thresholds.Negated) w.U8(negated ? (byte)1 : (byte)0);
                foreach (float t in thresholds.Thresholds) w.F32(t);
                break;
            case ResidualThresholdDenseLayer thresholds:
                w.U32((uint)thresholds.OutputPlanes);
                foreach (bool negated in thresholds.Negated) w.U8(negated ? (byte)1 : (byte)0);
                foreach (float t in thresholds.Thresholds) w.F32(t);
                break;
            default:
                if (bias is not null) foreach (float v in bias) w.F32(v);
                if (scale is not null)
                {
                    foreach (float v in scale) w.F32(v);
                    foreach (float v in shift!) w.F32(v);
                }
                break;
        }
    }

    /// <summary>Reads a packed model file.</summary>
    /// <exception cref="InvalidDataException">The file is truncated, corrupted, of an unknown version or describes an
    /// invalid model; the message names the file, the byte offset and the field.</exception>
    public static PackedModel Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        return Read(File.ReadAllBytes(path), path);
    }

    /// <summary>Parses a packed model from <paramref name="data"/>; <paramref name="name"/> names the source in errors.</summary>
    /// <exception cref="InvalidDataException">See <see cref="Read(string)"/>.</exception>
    public static PackedModel Read(ReadOnlySpan<byte> data, string name) => PackedModelReader.Parse(data, name);

    private ref struct Writer(Span<byte> buffer)
    {
        private readonly Span<byte> _buffer = buffer;

        public int Offset { get; private set; }

        public void Bytes(ReadOnlySpan<byte> bytes)
        {
            bytes.CopyTo(_buffer[Offset..]);
            Offset += bytes.Length;
        }

        public void U8(byte v)
        {
            _buffer[Offset] = v;
            Offset += 1;
        }

        public void U32(uint v)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(_buffer[Offset..], v);
            Offset += 4;
        }

        public void U64(ulong v)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(_buffer[Offset..], v);
            Offset += 8;
        }

        public void F32(float v)
        {
            BinaryPrimitives.WriteSingleLittleEndian(_buffer[Offset..], v);
            Offset += 4;
        }
    }
}
