namespace Lowbit.Testing;

/// <summary>
/// CRC-32 (IEEE 802.3, reflected 0xEDB88320), written apart from the product's implementations, used to re-seal files
/// after a test damages a field behind the checksum.
/// </summary>
public static class ReferenceCrc32
{
    private static readonly uint[] s_table = Enumerable.Range(0, 256).Select(i =>
    {
        uint c = (uint)i;
        for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? (c >> 1) ^ 0xEDB88320u : c >> 1;
        return c;
    }).ToArray();

    /// <summary>The CRC-32 of <paramref name="data"/>.</summary>
    public static uint Compute(ReadOnlySpan<byte> data)
    {
        uint crc = 0xFFFFFFFF;
        foreach (byte b in data) crc = s_table[(crc ^ b) & 0xFF] ^ (crc >> 8);
        return ~crc;
    }

    /// <summary>Rewrites the last four bytes of <paramref name="file"/> with the little-endian CRC-32 of the rest; returns it.</summary>
    public static byte[] Reseal(byte[] file)
    {
        ArgumentNullException.ThrowIfNull(file);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(file.Length - 4), Compute(file.AsSpan(0, file.Length - 4)));
        return file;
    }
}
