using System.Buffers.Binary;

namespace Lowbit.Inference.Format;

/// <summary>Little-endian field writer over the buffer of a packed model file (sized by <see cref="PackedModelFile.PredictSize"/>).</summary>
internal ref struct PackedWriter(Span<byte> buffer)
{
    private readonly Span<byte> _buffer = buffer;

    /// <summary>Bytes written so far.</summary>
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

    public void F32(ReadOnlySpan<float> values)
    {
        foreach (float v in values) F32(v);
    }

    public void U64(ReadOnlySpan<ulong> values)
    {
        foreach (ulong v in values) U64(v);
    }
}
