using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using Lowbit.Tensors;
using Lowbit.Testing;
using Lowbit.Testing.Fuzzing;
using Lowbit.Training.Checkpoints;

namespace Lowbit.Training.Tests.Fuzzing;

/// <summary>
/// A checkpoint file as fields (an independent writer of the format in <see cref="Checkpoint"/>): mutations change a
/// field and serialisation recomputes every length and the CRC-32 unless the mutation set them itself, so damage
/// reaches the checks behind the checksum.
/// </summary>
internal sealed class CheckpointImage
{
    internal sealed class Record
    {
        public byte[] Name = [];
        public int? NameLength;
        public byte DType;
        public int? Rank;
        public int[] Dims = [];
        public byte[] Data = [];

        public Record Clone() => new() { Name = (byte[])Name.Clone(), NameLength = NameLength, DType = DType, Rank = Rank, Dims = (int[])Dims.Clone(), Data = (byte[])Data.Clone() };
    }

    public byte[] Magic = "LBITCKPT"u8.ToArray();
    public uint Version = 1;
    public byte[] Header = [];
    public long? HeaderLength;
    public long? SectionCount;
    public List<Record>[] Sections = [[], []];
    public long?[] TensorCounts = [null, null];
    public byte[] Tail = [];
    public bool Reseal = true;
    public int? TruncateTo;

    public static CheckpointImage From(CheckpointData data)
    {
        var image = new CheckpointImage { Header = Encoding.UTF8.GetBytes(data.Header) };
        image.Sections[0] = Records(data.Model);
        image.Sections[1] = Records(data.Optimizer);
        return image;
    }

    private static List<Record> Records(IReadOnlyDictionary<string, Tensor> tensors) =>
        tensors.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => new Record
        {
            Name = Encoding.UTF8.GetBytes(kv.Key),
            DType = (byte)(kv.Value.DType == DType.Float64 ? 1 : 0),
            Dims = kv.Value.Shape.ToArray(),
            Data = kv.Value.DType == DType.Float64 ? MemoryMarshal.AsBytes(kv.Value.Span<double>()).ToArray() : MemoryMarshal.AsBytes(kv.Value.AsSpan()).ToArray(),
        }).ToList();

    public CheckpointImage Clone()
    {
        var c = (CheckpointImage)MemberwiseClone();
        c.Magic = (byte[])Magic.Clone();
        c.Sections = [Sections[0].Select(r => r.Clone()).ToList(), Sections[1].Select(r => r.Clone()).ToList()];
        c.TensorCounts = (long?[])TensorCounts.Clone();
        return c;
    }

    public byte[] Serialize()
    {
        using var ms = new MemoryStream();
        void U32(long v)
        {
            Span<byte> b = stackalloc byte[4];
            BinaryPrimitives.WriteUInt32LittleEndian(b, unchecked((uint)v));
            ms.Write(b);
        }
        ms.Write(Magic);
        U32(Version);
        U32(HeaderLength ?? Header.Length);
        ms.Write(Header);
        U32(SectionCount ?? 2);
        for (int s = 0; s < 2; s++)
        {
            U32(TensorCounts[s] ?? Sections[s].Count);
            foreach (var r in Sections[s])
            {
                Span<byte> u16 = stackalloc byte[2];
                BinaryPrimitives.WriteUInt16LittleEndian(u16, unchecked((ushort)(r.NameLength ?? r.Name.Length)));
                ms.Write(u16);
                ms.Write(r.Name);
                ms.WriteByte(r.DType);
                ms.WriteByte(unchecked((byte)(r.Rank ?? r.Dims.Length)));
                foreach (int d in r.Dims) U32(d);
                ms.Write(r.Data);
            }
        }
        ms.Write(Tail);
        U32(0);
        var bytes = ms.ToArray();
        if (Reseal) ReferenceCrc32.Reseal(bytes);
        return TruncateTo is int t && t < bytes.Length ? bytes[..t] : bytes;
    }

    /// <summary>Applies one random structure-aware mutation.</summary>
    public void Mutate(Random random, Func<string, Random, string> mutateHeader)
    {
        var all = Sections.SelectMany((list, s) => list.Select(r => (Section: s, Record: r))).ToList();
        var (section, record) = all.Count > 0 ? all[random.Next(all.Count)] : (0, new Record());
        switch (random.Next(16))
        {
            case 0: case 1: case 2: case 3:
                Header = Encoding.UTF8.GetBytes(mutateHeader(Encoding.UTF8.GetString(Header), random));
                break;
            case 4:
                HeaderLength = Interesting.Integer(random, Header.Length);
                break;
            case 5:
                if (random.Next(2) == 0) Version = (uint)Interesting.Integer(random, Version);
                else Magic[random.Next(Magic.Length)] ^= (byte)(1 << random.Next(8));
                break;
            case 6:
                if (random.Next(2) == 0) SectionCount = Interesting.Integer(random, 2);
                else TensorCounts[random.Next(2)] = Interesting.Integer(random, Sections[section].Count);
                break;
            case 7:
                record.Name = random.Next(3) == 0 && all.Count > 1 ? (byte[])all[random.Next(all.Count)].Record.Name.Clone() : Interesting.Text(random);
                break;
            case 8:
                record.NameLength = (int)Interesting.Integer(random, record.Name.Length);
                break;
            case 9:
                record.DType = (byte)Interesting.Integer(random, record.DType);
                break;
            case 10:
                if (random.Next(2) == 0) record.Rank = (int)Interesting.Integer(random, record.Dims.Length);
                else if (record.Dims.Length > 0) record.Dims[random.Next(record.Dims.Length)] = (int)Interesting.Integer(random, record.Dims[0]);
                else record.Dims = [(int)Interesting.Integer(random, 1)];
                break;
            case 11:
                Reshape(record, random);
                break;
            case 12:
                if (record.Data.Length >= 4)
                {
                    int at = random.Next(record.Data.Length / 4) * 4;
                    if (record.DType == 1 && record.Data.Length >= 8) BinaryPrimitives.WriteDoubleLittleEndian(record.Data.AsSpan(at / 8 * 8), Interesting.Float(random, 1));
                    else BinaryPrimitives.WriteSingleLittleEndian(record.Data.AsSpan(at), (float)Interesting.Float(random, 1));
                }
                break;
            case 13:
                if (random.Next(2) == 0) Sections[section].Remove(record);
                else
                {
                    var target = Sections[random.Next(2)];
                    target.Insert(random.Next(target.Count + 1), record.Clone());
                }
                break;
            case 14:
                if (random.Next(2) == 0) Tail = Interesting.Text(random);
                else TruncateTo = random.Next(Math.Max(1, Serialize().Length));
                break;
            default:
                Reseal = false;
                break;
        }
    }

    /// <summary>A consistent tensor of another shape or type: the kind of mismatch a wrong --set or a buggy tool makes.</summary>
    private static void Reshape(Record record, Random random)
    {
        int elementSize = record.DType == 1 ? 8 : 4;
        int[] dims = random.Next(3) switch
        {
            0 => [random.Next(0, 5)],
            1 => [random.Next(0, 4), random.Next(0, 4)],
            _ => [record.Data.Length / elementSize + 1],
        };
        if (random.Next(4) == 0) record.DType ^= 1;
        elementSize = record.DType == 1 ? 8 : 4;
        record.Dims = dims;
        record.Rank = null;
        record.Data = new byte[dims.Aggregate(1, (a, b) => a * b) * elementSize];
    }
}
