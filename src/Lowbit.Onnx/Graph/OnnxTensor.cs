using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace Lowbit.Onnx.Graph;

/// <summary>A constant tensor of an ONNX graph (an initializer or a tensor attribute), stored little-endian as raw bytes.</summary>
public sealed class OnnxTensor
{
    private OnnxTensor(string name, OnnxDataType dataType, long[] dims, byte[] rawData, string? docString)
    {
        Name = name;
        DataType = dataType;
        Dims = dims;
        RawData = rawData;
        DocString = docString;
    }

    /// <summary>Tensor name (initializer names are the checkpoint's parameter names, e.g. "1.weight").</summary>
    public string Name { get; }

    /// <summary>Element type.</summary>
    public OnnxDataType DataType { get; }

    /// <summary>Shape ([] for a scalar).</summary>
    public IReadOnlyList<long> Dims { get; }

    /// <summary>Elements, little-endian, row-major.</summary>
    public byte[] RawData { get; }

    /// <summary>What the tensor holds (e.g. which quantizer produced it), or null.</summary>
    public string? DocString { get; }

    /// <summary>Number of elements.</summary>
    public long ElementCount => Dims.Aggregate(1L, (a, d) => a * d);

    /// <summary>A float32 tensor.</summary>
    public static OnnxTensor FromFloats(string name, ReadOnlySpan<float> values, long[] dims, string? docString = null)
    {
        CheckCount(name, values.Length, dims);
        var bytes = new byte[values.Length * sizeof(float)];
        for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * 4), values[i]);
        return new OnnxTensor(name, OnnxDataType.Float, dims, bytes, docString);
    }

    /// <summary>A float64 tensor.</summary>
    public static OnnxTensor FromDoubles(string name, ReadOnlySpan<double> values, long[] dims, string? docString = null)
    {
        CheckCount(name, values.Length, dims);
        var bytes = new byte[values.Length * sizeof(double)];
        for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteDoubleLittleEndian(bytes.AsSpan(i * 8), values[i]);
        return new OnnxTensor(name, OnnxDataType.Double, dims, bytes, docString);
    }

    /// <summary>An int64 tensor.</summary>
    public static OnnxTensor FromInt64s(string name, ReadOnlySpan<long> values, long[] dims, string? docString = null)
    {
        CheckCount(name, values.Length, dims);
        var bytes = new byte[values.Length * sizeof(long)];
        for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(i * 8), values[i]);
        return new OnnxTensor(name, OnnxDataType.Int64, dims, bytes, docString);
    }

    /// <summary>An int8 tensor.</summary>
    public static OnnxTensor FromInt8s(string name, ReadOnlySpan<sbyte> values, long[] dims, string? docString = null)
    {
        CheckCount(name, values.Length, dims);
        return new OnnxTensor(name, OnnxDataType.Int8, dims, MemoryMarshal.AsBytes(values).ToArray(), docString);
    }

    /// <summary>A uint8 tensor.</summary>
    public static OnnxTensor FromUInt8s(string name, ReadOnlySpan<byte> values, long[] dims, string? docString = null)
    {
        CheckCount(name, values.Length, dims);
        return new OnnxTensor(name, OnnxDataType.UInt8, dims, values.ToArray(), docString);
    }

    /// <summary>The float32 elements (for tests and inspection).</summary>
    /// <exception cref="InvalidOperationException">The tensor is not float32.</exception>
    public float[] ToFloats()
    {
        if (DataType != OnnxDataType.Float) throw new InvalidOperationException($"Tensor '{Name}' is {DataType}, not Float.");
        var values = new float[RawData.Length / 4];
        for (int i = 0; i < values.Length; i++) values[i] = BinaryPrimitives.ReadSingleLittleEndian(RawData.AsSpan(i * 4));
        return values;
    }

    private static void CheckCount(string name, int count, long[] dims)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(dims);
        long expected = dims.Aggregate(1L, (a, d) => a * d);
        if (expected != count)
            throw new ArgumentException($"ONNX tensor '{name}': {count} values do not fill shape [{string.Join(", ", dims)}] ({expected} elements).");
    }
}
