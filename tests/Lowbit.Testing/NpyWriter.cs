using System.IO.Compression;
using System.Text;

namespace Lowbit.Testing;

/// <summary>Writes .npy arrays and .npz archives byte for byte as numpy.save / numpy.savez do (format version 1.0).</summary>
public static class NpyWriter
{
    /// <summary>The .npy bytes of an array with dtype <paramref name="descr"/> (e.g. "|u1", "&lt;i8") and raw little-endian data.</summary>
    public static byte[] Npy(string descr, int[] shape, byte[] data, bool fortran = false, int version = 1)
    {
        string shapeText = shape.Length == 1 ? $"({shape[0]},)" : "(" + string.Join(", ", shape) + ")";
        string dict = $"{{'descr': '{descr}', 'fortran_order': {(fortran ? "True" : "False")}, 'shape': {shapeText}, }}";
        int prefix = version == 1 ? 10 : 12;
        int total = (prefix + dict.Length + 1 + 63) / 64 * 64;   // numpy pads the header with spaces and a newline to 64 bytes
        string header = dict.PadRight(total - prefix - 1) + "\n";
        using var ms = new MemoryStream();
        ms.Write([0x93, .. "NUMPY"u8, (byte)version, 0]);
        if (version == 1) ms.Write(BitConverter.GetBytes((ushort)header.Length));
        else ms.Write(BitConverter.GetBytes((uint)header.Length));
        ms.Write(Encoding.ASCII.GetBytes(header));
        ms.Write(data);
        return ms.ToArray();
    }

    /// <summary>An .npz archive of named .npy arrays.</summary>
    public static void Npz(string path, IEnumerable<(string Name, byte[] Npy)> arrays, CompressionLevel level = CompressionLevel.NoCompression)
    {
        using var zip = ZipFile.Open(path, ZipArchiveMode.Create);
        foreach (var (name, npy) in arrays)
        {
            using var entry = zip.CreateEntry(name + ".npy", level).Open();
            entry.Write(npy);
        }
    }

    /// <summary>Little-endian int64 bytes.</summary>
    public static byte[] Int64(IEnumerable<long> values) => values.SelectMany(BitConverter.GetBytes).ToArray();
}
