using System.Buffers.Binary;
using Lowbit.Tensors;

namespace Lowbit.Training.Interop;

/// <summary>A safetensors element type: its name, size in bytes, and how its little-endian values become a Lowbit tensor.</summary>
internal sealed class SafetensorsDType
{
    private static readonly SafetensorsDType[] s_types =
    [
        new("F64", 8, (b, s) => Doubles(b, s, 8, x => BinaryPrimitives.ReadDoubleLittleEndian(x))),
        new("F32", 4, (b, s) => Floats(b, s, 4, x => BinaryPrimitives.ReadSingleLittleEndian(x))),
        new("F16", 2, (b, s) => Floats(b, s, 2, x => (float)BinaryPrimitives.ReadHalfLittleEndian(x))),
        // bfloat16 is the upper half of a float32: widening is exact.
        new("BF16", 2, (b, s) => Floats(b, s, 2, x => BitConverter.Int32BitsToSingle(BinaryPrimitives.ReadUInt16LittleEndian(x) << 16))),
        new("I64", 8, (b, s) => Doubles(b, s, 8, x => BinaryPrimitives.ReadInt64LittleEndian(x))),
        new("I32", 4, (b, s) => Doubles(b, s, 4, x => BinaryPrimitives.ReadInt32LittleEndian(x))),
        new("I16", 2, (b, s) => Floats(b, s, 2, x => BinaryPrimitives.ReadInt16LittleEndian(x))),
        new("I8", 1, (b, s) => Floats(b, s, 1, x => (sbyte)x[0])),
        new("U8", 1, (b, s) => Floats(b, s, 1, x => x[0])),
        new("BOOL", 1, (b, s) => Floats(b, s, 1, x => x[0] != 0 ? 1 : 0)),
    ];

    private readonly Func<ReadOnlySpan<byte>, int[], Tensor> _decode;

    private delegate double Element(ReadOnlySpan<byte> bytes);

    private SafetensorsDType(string name, int size, Func<ReadOnlySpan<byte>, int[], Tensor> decode)
    {
        Name = name;
        Size = size;
        _decode = decode;
    }

    /// <summary>The format's name, e.g. "F32".</summary>
    public string Name { get; }

    /// <summary>Bytes per element.</summary>
    public int Size { get; }

    /// <summary>Every supported name.</summary>
    public static IEnumerable<string> Names => s_types.Select(t => t.Name);

    /// <summary>The type named <paramref name="name"/>, or null.</summary>
    public static SafetensorsDType? Find(string name) => s_types.FirstOrDefault(t => t.Name == name);

    /// <summary>A tensor of <paramref name="shape"/> from its bytes (exactly elements × <see cref="Size"/>).</summary>
    public Tensor Decode(ReadOnlySpan<byte> bytes, int[] shape) => _decode(bytes, shape);

    /// <summary>Float32 tensor: exact for F32, F16, BF16 and integers of at most 16 bits.</summary>
    private static Tensor Floats(ReadOnlySpan<byte> bytes, int[] shape, int size, Element element)
    {
        var values = new float[bytes.Length / size];
        for (int i = 0; i < values.Length; i++) values[i] = (float)element(bytes.Slice(i * size, size));
        return Tensor.FromArray(values, shape);
    }

    /// <summary>Float64 tensor: exact for F64 and I32, and for I64 values up to 2^53.</summary>
    private static Tensor Doubles(ReadOnlySpan<byte> bytes, int[] shape, int size, Element element)
    {
        var values = new double[bytes.Length / size];
        for (int i = 0; i < values.Length; i++) values[i] = element(bytes.Slice(i * size, size));
        return Tensor.FromArray(values, shape);
    }
}
