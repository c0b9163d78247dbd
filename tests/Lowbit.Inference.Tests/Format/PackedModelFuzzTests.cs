using System.Buffers.Binary;
using System.Text;
using System.Text.Json.Nodes;
using Lowbit.Inference.Format;
using Lowbit.Inference.Runtime;
using Lowbit.Testing;
using Lowbit.Testing.Fuzzing;

namespace Lowbit.Inference.Tests.Format;

/// <summary>
/// Structure-aware fuzzing of the packed-model reader through its public entry points (<see cref="PackedModelFile.ToBytes"/>,
/// <see cref="PackedModelFile.Read(ReadOnlySpan{byte}, string)"/>, <see cref="InferenceSession"/>): binary, k-bit, residual, convolutional
/// and real-stream models are cut into fields (header, shape, pixel table, metadata, layers and their words), 1 to 3 fields are
/// damaged, lengths and the CRC are recomputed, and the result must be rejected with a clean one-line
/// <see cref="InvalidDataException"/> or load into a model that predicts a valid class for every image. 10^4 cases in
/// CI; LOWBIT_FUZZ_CASES=1000000 for the long run (docs/RELIABILITY.md).
/// </summary>
[Trait("Category", "Fuzz")]
public sealed class PackedModelFuzzTests
{
    private const string Source = "fuzz.lbpm";
    private const int ShapeOffset = PackedModelFile.HeaderSize, TableOffset = ShapeOffset + 12;

    /// <summary>A packed file as fields; serialisation recomputes the file length, metadata length, layer count and CRC unless a mutation set them.</summary>
    private sealed class Image
    {
        public byte[] Head = [];           // magic, version, flags (16 bytes)
        public ulong? Length;
        public byte[] Body = [];           // shape and pixel table
        public byte[] Meta = [];
        public long? MetaLength;
        public long? LayerCount;
        public List<byte[]> Layers = [];
        public byte[] Tail = [];
        public bool Reseal = true;
        public int? TruncateTo;

        public static Image From(PackedModel model)
        {
            var bytes = PackedModelFile.ToBytes(model);
            int metaOffset = TableOffset + 4 * model.PixelTables.Length; // one 256-entry table per channel, or one for all
            int metaLength = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(metaOffset));
            int at = metaOffset + 4 + metaLength + 4;
            var image = new Image { Head = bytes[..16], Body = bytes[ShapeOffset..metaOffset], Meta = bytes[(metaOffset + 4)..(metaOffset + 4 + metaLength)] };
            foreach (var layer in model.Layers)
            {
                image.Layers.Add(bytes[at..(at + (int)layer.ByteSize)]);
                at += (int)layer.ByteSize;
            }
            return image;
        }

        public Image Clone()
        {
            var c = (Image)MemberwiseClone();
            c.Head = (byte[])Head.Clone();
            c.Body = (byte[])Body.Clone();
            c.Layers = Layers.Select(l => (byte[])l.Clone()).ToList();
            return c;
        }

        public byte[] Serialize()
        {
            int size = 24 + Body.Length + 4 + Meta.Length + 4 + Layers.Sum(l => l.Length) + Tail.Length + 4;
            var bytes = new byte[size];
            Head.CopyTo(bytes, 0);
            BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(16), Length ?? (ulong)size);
            Body.CopyTo(bytes, 24);
            int at = 24 + Body.Length;
            BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(at), unchecked((uint)(MetaLength ?? Meta.Length)));
            Meta.CopyTo(bytes, at + 4);
            at += 4 + Meta.Length;
            BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(at), unchecked((uint)(LayerCount ?? Layers.Count)));
            at += 4;
            foreach (var layer in Layers)
            {
                layer.CopyTo(bytes, at);
                at += layer.Length;
            }
            Tail.CopyTo(bytes, at);
            if (Reseal) ReferenceCrc32.Reseal(bytes);
            return TruncateTo is int t && t < bytes.Length ? bytes[..t] : bytes;
        }
    }

    private static void Mutate(Image image, Random random)
    {
        byte[]? layer = image.Layers.Count > 0 ? image.Layers[random.Next(image.Layers.Count)] : null;
        switch (random.Next(14))
        {
            case 0:
                // version (8), flags (12) or a magic byte
                int field = random.Next(3);
                if (field == 2) image.Head[random.Next(8)] ^= (byte)(1 << random.Next(8));
                else BinaryPrimitives.WriteUInt32LittleEndian(image.Head.AsSpan(8 + 4 * field), unchecked((uint)Interesting.Integer(random, field == 0 ? 3 : 0)));
                break;
            case 1:
                image.Length = unchecked((ulong)Interesting.Integer(random, image.Serialize().Length));
                break;
            case 2:
                BinaryPrimitives.WriteUInt32LittleEndian(image.Body.AsSpan(4 * random.Next(3)), unchecked((uint)Interesting.Integer(random, 28)));
                break;
            case 3:
                BinaryPrimitives.WriteSingleLittleEndian(image.Body.AsSpan(12 + 4 * random.Next((image.Body.Length - 12) / 4)), (float)Interesting.Float(random, 1));
                break;
            case 4:
                image.Meta = MutatedMetadata(image.Meta, random);
                break;
            case 5:
                if (random.Next(2) == 0) image.MetaLength = Interesting.Integer(random, image.Meta.Length);
                else image.LayerCount = Interesting.Integer(random, image.Layers.Count);
                break;
            case 6 when layer is not null:
                layer[random.Next(4)] = (byte)Interesting.Integer(random, layer[0]); // kind, flags, bit counts
                break;
            case 7 when layer is not null && layer.Length >= 12:
                int word = 4 * (1 + random.Next(2)); // inFeatures or outFeatures
                BinaryPrimitives.WriteUInt32LittleEndian(layer.AsSpan(word), unchecked((uint)Interesting.Integer(random, BinaryPrimitives.ReadInt32LittleEndian(layer.AsSpan(word)))));
                break;
            case 8 or 9 when layer is not null && layer.Length >= 16:
                int at = 4 * random.Next(3, layer.Length / 4);
                if (random.Next(2) == 0) BinaryPrimitives.WriteSingleLittleEndian(layer.AsSpan(at), (float)Interesting.Float(random, BinaryPrimitives.ReadSingleLittleEndian(layer.AsSpan(at))));
                else BinaryPrimitives.WriteUInt32LittleEndian(layer.AsSpan(at), unchecked((uint)Interesting.Integer(random, BinaryPrimitives.ReadInt32LittleEndian(layer.AsSpan(at)))));
                break;
            case 10 when layer is not null:
                layer[random.Next(layer.Length)] ^= (byte)(1 << random.Next(8));
                break;
            case 11 when image.Layers.Count > 0:
                int i = random.Next(image.Layers.Count);
                switch (random.Next(3))
                {
                    case 0: image.Layers.RemoveAt(i); break;
                    case 1: image.Layers.Insert(random.Next(image.Layers.Count + 1), (byte[])image.Layers[i].Clone()); break;
                    default: (image.Layers[i], image.Layers[^1]) = (image.Layers[^1], image.Layers[i]); break;
                }
                break;
            case 12:
                if (random.Next(2) == 0) image.Tail = Interesting.Text(random);
                else image.TruncateTo = random.Next(image.Serialize().Length);
                break;
            default:
                image.Reseal = false;
                break;
        }
    }

    private static byte[] MutatedMetadata(byte[] meta, Random random)
    {
        try
        {
            var node = JsonNode.Parse(meta, documentOptions: new System.Text.Json.JsonDocumentOptions { AllowDuplicateProperties = false });
            if (node is not null) return Encoding.UTF8.GetBytes(JsonMutator.Mutate(node, random, ["mnist", "fashion-mnist", "cifar10", "zero_one", "standardize"]));
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or ArgumentException or DecoderFallbackException)
        {
            // Already damaged: damage it as bytes.
        }
        return Interesting.Text(random);
    }

    [Fact]
    public void Read_PixelTableThatDoesNotIncrease_IsRejectedNotACrashAtRunTime()
    {
        // Found by the fuzzer: the byte-input layer bounds its float dot product through the table's affine fit.
        var bytes = PackedModelFile.ToBytes(PackedModelFileTests.SmallModel());
        BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(TableOffset + 4 * 255), BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(TableOffset)));
        var ex = Assert.Throws<InvalidDataException>(() => PackedModelFile.Read(ReferenceCrc32.Reseal(bytes), Source));
        Assert.Contains("pixel table that increases", ex.Message, StringComparison.Ordinal);
        FuzzAssert.CleanMessage(ex, Source);
    }

    [Fact]
    public void Fuzz_PackedModelReader_RejectsCleanlyOrLoadsARunnableModel()
    {
        var seeds = new[]
        {
            PackedModelFileTests.SmallModel(), PackedModelFileTests.SmallPlaneModel(), ResidualModelFileTests.SmallResidualModel(),
            ConvModelFileTests.SmallConvModel(), ConvModelFileTests.SmallConvModel(floatWeights: true), ConvModelFileTests.SmallRealStreamModel(),
            ConvModelFileTests.SmallShiftModel(),
        }.Select(Image.From).ToArray();
        int accepted = 0, rejected = 0;
        int cases = FuzzRunner.Run("packed model", 20261203, FuzzRunner.Cases(10_000), (index, random) =>
        {
            var image = seeds[index % seeds.Length].Clone();
            int mutations = random.Next(10) switch { < 6 => 1, < 9 => 2, _ => 3 };
            for (int m = 0; m < mutations; m++) Mutate(image, random);
            PackedModel model;
            try
            {
                model = PackedModelFile.Read(image.Serialize(), Source);
            }
            catch (InvalidDataException e)
            {
                FuzzAssert.CleanMessage(e, Source);
                rejected++;
                return;
            }
            accepted++;
            var pixels = new byte[3 * model.InputSize];
            random.NextBytes(pixels);
            foreach (int c in new InferenceSession(model).Predict(pixels, 3))
                if (c < 0 || c >= model.Classes) throw new FuzzFinding($"accepted a model that predicts class {c} of {model.Classes}", null);
        });
        Assert.True(rejected > cases / 4 && accepted > cases / 30, $"{accepted} accepted, {rejected} rejected");
    }
}
