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
        AtomicFile.WriteAllBytes(path, Serialize(data));
    }

    /// <summary>The bytes <see cref="Save"/> writes (what <see cref="Parse"/> reads).</summary>
    public static byte[] Serialize(CheckpointData data)
    {
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
        uint crc = System.IO.Hashing.Crc32.HashToUInt32(ms.GetBuffer().AsSpan(0, (int)ms.Length));
        Span<byte> crcBytes = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(crcBytes, crc);
        ms.Write(crcBytes);
        return ms.ToArray();
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

    /// <summary>Smallest well-formed file: magic, version, header length, section count, two empty sections, CRC.</summary>
    private const int MinimumSize = 8 + 4 + 4 + 4 + 4 + 4 + 4;

    /// <summary>Longest tensor name (UTF-8 bytes) a checkpoint may hold; real names are a few dozen.</summary>
    public const int MaxNameBytes = 256;

    /// <summary>Largest tensor rank a checkpoint may hold.</summary>
    public const int MaxRank = 8;

    private static readonly UTF8Encoding s_strictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Reads and validates a checkpoint; errors name the file and byte offset.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">Not a checkpoint (a folder, wrong magic), unknown version, truncation,
    /// checksum mismatch, or a structure that cannot be valid (sizes past the end, unknown dtype, bad names).</exception>
    public static CheckpointData Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        string file = Path.GetFileName(path);
        if (Directory.Exists(path)) throw new InvalidDataException($"'{path}' is a folder, not a checkpoint file (lowbit train writes FOLDER/checkpoint.lbck).");
        if (!File.Exists(path)) throw new FileNotFoundException($"Checkpoint '{path}' does not exist.", path);
        return Parse(File.ReadAllBytes(path), file);
    }

    /// <summary>Parses checkpoint bytes; <paramref name="file"/> names the source in errors.</summary>
    /// <exception cref="InvalidDataException">See <see cref="Load"/>.</exception>
    public static CheckpointData Parse(ReadOnlySpan<byte> bytes, string file)
    {
        ArgumentNullException.ThrowIfNull(file);
        if (bytes.Length == 0) throw new InvalidDataException($"{file}: the file is empty; a checkpoint starts with the magic \"LBITCKPT\".");
        int magicLength = Math.Min(bytes.Length, s_magic.Length);
        if (!bytes[..magicLength].SequenceEqual(s_magic.AsSpan(0, magicLength)))
            throw new InvalidDataException($"{file}: not a Lowbit checkpoint (expected magic \"LBITCKPT\" at byte 0).");
        if (bytes.Length < MinimumSize)
            throw new InvalidDataException($"{file}: truncated: the file has {bytes.Length} bytes, a checkpoint has at least {MinimumSize}.");
        uint version = BinaryPrimitives.ReadUInt32LittleEndian(bytes[8..]);
        if (version != Version) throw new InvalidDataException($"{file}: checkpoint format version {version} at byte 8 is not supported (this build reads version {Version}).");
        uint stored = BinaryPrimitives.ReadUInt32LittleEndian(bytes[^4..]);
        uint actual = System.IO.Hashing.Crc32.HashToUInt32(bytes[..^4]);
        if (stored != actual) throw new InvalidDataException($"{file}: checksum mismatch (stored 0x{stored:X8}, computed 0x{actual:X8}); the file is truncated or corrupted.");
        var r = new Reader(bytes.ToArray(), file, bytes.Length - 4) { Position = 12 };
        int headerLength = r.Count("header length", 1);
        int headerAt = r.Position;
        string header = r.Utf8(headerLength, "header");
        if (header.Length == 0 || header[0] != '{') throw new InvalidDataException($"{file}: the header at byte {headerAt} is not a JSON object.");
        int sectionsAt = r.Position;
        uint sections = (uint)r.Int32("section count");
        if (sections != 2) throw new InvalidDataException($"{file}: expected 2 sections at byte {sectionsAt}, found {sections}.");
        var model = ReadSection(r, "model");
        var optimizer = ReadSection(r, "optimizer");
        if (r.Position != bytes.Length - 4) throw new InvalidDataException($"{file}: {bytes.Length - 4 - r.Position} unexpected bytes after the last tensor at byte {r.Position}.");
        return new CheckpointData(header, model, optimizer);
    }

    private static Dictionary<string, Tensor> ReadSection(Reader r, string section)
    {
        // Every tensor record takes at least 4 bytes (name length, dtype, rank, one name byte), which bounds the count.
        int count = r.Count($"{section} tensor count", 4);
        var d = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        for (int i = 0; i < count; i++)
        {
            long at = r.Position;
            int nameLength = BinaryPrimitives.ReadUInt16LittleEndian(r.Bytes(2, "name length"));
            if (nameLength is 0 or > MaxNameBytes)
                throw new InvalidDataException($"{r.File}: {section} tensor {i} has a name of {nameLength} bytes at byte {at}; names have 1 to {MaxNameBytes}.");
            string name = r.Utf8(nameLength, "tensor name");
            if (name.Any(char.IsControl)) throw new InvalidDataException($"{r.File}: {section} tensor {i} has a name with control characters at byte {at + 2}.");
            string shown = Shown(name);
            long dtypeAt = r.Position;
            byte dtype = r.Bytes(1, "dtype")[0];
            if (dtype > 1) throw new InvalidDataException($"{r.File}: tensor '{shown}' has unknown dtype {dtype} at byte {dtypeAt} (0 float32, 1 float64).");
            int rank = r.Bytes(1, "rank")[0];
            if (rank > MaxRank) throw new InvalidDataException($"{r.File}: tensor '{shown}' has rank {rank} at byte {dtypeAt + 1}; at most {MaxRank} is allowed.");
            var shape = new int[rank];
            int elementSize = dtype == 1 ? 8 : 4;
            long bytes = elementSize;
            for (int k = 0; k < rank; k++)
            {
                shape[k] = r.Int32("dimension");
                if (shape[k] < 0) throw new InvalidDataException($"{r.File}: tensor '{shown}' has negative dimension {shape[k]} at byte {r.Position - 4}.");
                // Stays below 2^63: bytes never exceeds the file size before the multiplication by a 31-bit dimension.
                bytes *= shape[k];
                if (bytes > r.Remaining)
                    throw new InvalidDataException($"{r.File}: tensor '{shown}' of shape [{string.Join(", ", shape[..(k + 1)])}{(k + 1 < rank ? ", ..." : "")}] needs more bytes than the {r.Remaining} left at byte {r.Position}.");
            }
            var raw = r.Bytes((int)bytes, "tensor data");
            Tensor t = dtype == 1 ? Tensor.FromArray(MemoryMarshal.Cast<byte, double>(raw).ToArray(), shape) : Tensor.FromArray(MemoryMarshal.Cast<byte, float>(raw).ToArray(), shape);
            if (!d.TryAdd(name, t)) throw new InvalidDataException($"{r.File}: duplicate tensor '{shown}' at byte {at}.");
        }
        return d;
    }

    /// <summary>A name as quoted in messages: at most 80 characters.</summary>
    internal static string Shown(string name) => ErrorText.Shown(name, 80);

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

        /// <summary>A u32 count whose items take at least <paramref name="minItemBytes"/> each; larger counts cannot fit.</summary>
        public int Count(string what, int minItemBytes)
        {
            int at = Position;
            uint n = (uint)Int32(what);
            if (n > Remaining / minItemBytes)
                throw new InvalidDataException($"{file}: {what} {n} at byte {at} does not fit in the {Remaining} bytes that remain.");
            return (int)n;
        }

        public string Utf8(int count, string what)
        {
            int at = Position;
            try
            {
                return s_strictUtf8.GetString(Bytes(count, what));
            }
            catch (DecoderFallbackException)
            {
                throw new InvalidDataException($"{file}: {what} at byte {at} is not valid UTF-8.");
            }
        }
    }
}
