using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using Lowbit.Tensors;

namespace Lowbit.Training.Checkpoints;

/// <summary>
/// Everything needed to resume or evaluate a run: the resolved config, trainer progress (JSON), model state and
/// optimizer state.
/// </summary>
/// <param name="Header">JSON text: config and trainer state.</param>
/// <param name="Model">Model parameters and buffers by name.</param>
/// <param name="Optimizer">Optimizer state by key.</param>
public sealed record CheckpointData(string Header, IReadOnlyDictionary<string, Tensor> Model, IReadOnlyDictionary<string, Tensor> Optimizer);

/// <summary>
/// Checkpoint file format, version 1, little-endian:
/// magic "LBITCKPT" (8 bytes) · version u32 · header length u32 · header UTF-8 JSON · section count u32 (2: model,
/// optimizer) · per section: tensor count u32, per tensor: name length u16 · name UTF-8 · dtype u8 (0 float32,
/// 1 float64) · rank u8 · dims i32×rank · element data · then CRC-32 (u32) of every preceding byte.
/// Files are written to a temporary name and renamed, so a crash never leaves a half-written checkpoint.
/// </summary>
public static class Checkpoint
{
    private static readonly byte[] s_magic = "LBITCKPT"u8.ToArray();

    /// <summary>Current format version.</summary>
    public const uint Version = 1;

    /// <summary>Writes <paramref name="data"/> atomically to <paramref name="path"/>.</summary>
    public static void Save(string path, CheckpointData data)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(data);
        using var ms = new MemoryStream();
        using (var w = new BinaryWriter(ms, Encoding.UTF8, leaveOpen: true))
        {
            w.Write(s_magic);
            w.Write(Version);
            var header = Encoding.UTF8.GetBytes(data.Header);
            w.Write((uint)header.Length);
            w.Write(header);
            w.Write(2u);
            WriteSection(w, data.Model);
            WriteSection(w, data.Optimizer);
        }
        uint crc = Crc32.Update(0, ms.GetBuffer().AsSpan(0, (int)ms.Length));
        Span<byte> crcBytes = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(crcBytes, crc);
        ms.Write(crcBytes);
        AtomicFile.WriteAllBytes(path, ms.GetBuffer().AsSpan(0, (int)ms.Length));
    }

    private static void WriteSection(BinaryWriter w, IReadOnlyDictionary<string, Tensor> tensors)
    {
        w.Write((uint)tensors.Count);
        foreach (var (name, t) in tensors.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            var nameBytes = Encoding.UTF8.GetBytes(name);
            w.Write((ushort)nameBytes.Length);
            w.Write(nameBytes);
            w.Write((byte)(t.DType == DType.Float64 ? 1 : 0));
            w.Write((byte)t.Rank);
            foreach (int d in t.ShapeSpan) w.Write(d);
            if (t.DType == DType.Float64) w.Write(MemoryMarshal.AsBytes(t.Span<double>()));
            else w.Write(MemoryMarshal.AsBytes(t.AsSpan()));
        }
    }

    /// <summary>Reads and validates a checkpoint; errors name the file and byte offset.</summary>
    /// <exception cref="InvalidDataException">Wrong magic, unknown version, truncation or checksum mismatch.</exception>
    public static CheckpointData Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"Checkpoint '{path}' does not exist.", path);
        byte[] bytes = File.ReadAllBytes(path);
        string file = Path.GetFileName(path);
        if (bytes.Length < s_magic.Length + 12 || !bytes.AsSpan(0, 8).SequenceEqual(s_magic))
            throw new InvalidDataException($"{file}: not a Lowbit checkpoint (expected magic \"LBITCKPT\" at byte 0).");
        uint stored = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(bytes.Length - 4));
        uint actual = Crc32.Update(0, bytes.AsSpan(0, bytes.Length - 4));
        uint version = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(8));
        if (version != Version) throw new InvalidDataException($"{file}: checkpoint format version {version} is not supported (this build reads version {Version}).");
        if (stored != actual) throw new InvalidDataException($"{file}: checksum mismatch (stored 0x{stored:X8}, computed 0x{actual:X8}); the file is truncated or corrupted.");
        var r = new Reader(bytes, file, bytes.Length - 4) { Position = 12 };
        int headerLength = r.Int32("header length");
        string header = Encoding.UTF8.GetString(r.Bytes(headerLength, "header"));
        uint sections = (uint)r.Int32("section count");
        if (sections != 2) throw new InvalidDataException($"{file}: expected 2 sections at byte {r.Position - 4}, found {sections}.");
        var model = ReadSection(r);
        var optimizer = ReadSection(r);
        if (r.Position != bytes.Length - 4) throw new InvalidDataException($"{file}: {bytes.Length - 4 - r.Position} unexpected bytes after the last tensor at byte {r.Position}.");
        return new CheckpointData(header, model, optimizer);
    }

    private static Dictionary<string, Tensor> ReadSection(Reader r)
    {
        int count = r.Int32("tensor count");
        var d = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        for (int i = 0; i < count; i++)
        {
            int nameLength = BinaryPrimitives.ReadUInt16LittleEndian(r.Bytes(2, "name length"));
            string name = Encoding.UTF8.GetString(r.Bytes(nameLength, "name"));
            long at = r.Position;
            byte dtype = r.Bytes(1, "dtype")[0];
            int rank = r.Bytes(1, "rank")[0];
            if (dtype > 1) throw new InvalidDataException($"{r.File}: tensor '{name}' has unknown dtype {dtype} at byte {at}.");
            var shape = new int[rank];
            long n = 1;
            for (int k = 0; k < rank; k++)
            {
                shape[k] = r.Int32("dimension");
                if (shape[k] < 0) throw new InvalidDataException($"{r.File}: tensor '{name}' has negative dimension at byte {r.Position - 4}.");
                n *= shape[k];
            }
            int elementSize = dtype == 1 ? 8 : 4;
            if (n * elementSize > r.Remaining) throw new InvalidDataException($"{r.File}: tensor '{name}' needs {n * elementSize} bytes at byte {r.Position} but only {r.Remaining} remain.");
            var raw = r.Bytes((int)(n * elementSize), "tensor data");
            Tensor t = dtype == 1 ? Tensor.FromArray(MemoryMarshal.Cast<byte, double>(raw).ToArray(), shape) : Tensor.FromArray(MemoryMarshal.Cast<byte, float>(raw).ToArray(), shape);
            if (!d.TryAdd(name, t)) throw new InvalidDataException($"{r.File}: duplicate tensor '{name}' at byte {at}.");
        }
        return d;
    }

    private sealed class Reader(byte[] bytes, string file, int end)
    {
        public int Position { get; set; }

        public string File => file;

        public long Remaining => end - Position;

        public ReadOnlySpan<byte> Bytes(int count, string what)
        {
            if (count < 0 || Position + (long)count > end)
                throw new InvalidDataException($"{file}: truncated while reading {what} at byte {Position} (needs {count} bytes, {end - Position} remain).");
            var s = bytes.AsSpan(Position, count);
            Position += count;
            return s;
        }

        public int Int32(string what) => BinaryPrimitives.ReadInt32LittleEndian(Bytes(4, what));
    }
}
