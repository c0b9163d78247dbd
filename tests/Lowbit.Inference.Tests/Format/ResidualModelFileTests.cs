using System.Buffers.Binary;
using Lowbit.Inference.Format;
using Lowbit.Inference.Runtime;
using Lowbit.Kernels.Bits;

namespace Lowbit.Inference.Tests.Format;

/// <summary>Format version 3: residual (HBB) layers, kinds 6 and 7.</summary>
public sealed class ResidualModelFileTests
{
    private const string Metadata = """{"name":"small-residual","dataset":"mnist"}""";

    /// <summary>A small random residual model: 784 → 70 (B = 2, pixels, R' = 2) → 13 (B = 3, R = 2, R' = 1) → 10 (B = 1, R = 1) with bias and batch norm.</summary>
    internal static PackedModel SmallResidualModel(int seed = 4)
    {
        var random = new Random(seed);
        ulong Word() => (ulong)random.NextInt64() ^ ((ulong)random.NextInt64() << 1);
        ulong[] Weights(int inFeatures, int outFeatures, int planes)
        {
            int words = BitLayout.WordsPerRow(inFeatures), rows = 2 * planes - 1;
            var w = new ulong[outFeatures * rows * words];
            ulong last = BitLayout.LastWordMask(inFeatures);
            for (int j = 0; j < outFeatures; j++)
                for (int x = 0; x < words; x++)
                {
                    ulong padding = x == words - 1 ? last : ulong.MaxValue, mask = padding;
                    w[(j * rows) * words + x] = Word() & padding;
                    for (int level = 2; level <= planes; level++)
                    {
                        mask &= Word() | Word(); // nested, about 3/4 of the previous level
                        w[(j * rows + planes + level - 2) * words + x] = mask;
                        w[(j * rows + level - 1) * words + x] = Word() & mask;
                    }
                }
            return w;
        }
        float[] Floats(int n, double scale) => Enumerable.Range(0, n).Select(_ => (float)((random.NextDouble() - 0.5) * scale)).ToArray();
        float[] Thresholds(int units, int levels, double scale)
        {
            var t = new float[units * levels];
            for (int j = 0; j < units; j++) Floats(levels, scale).Order().ToArray().CopyTo(t, j * levels);
            t[0] = float.NegativeInfinity;
            t[^1] = float.PositiveInfinity;
            return t;
        }
        bool[] Directions(int units) => Enumerable.Range(0, units).Select(_ => random.Next(2) == 1).ToArray();
        float[] Levels(int planes) => Floats(ResidualDenseLayer.WeightLevelCount(planes), 2);
        var table = Enumerable.Range(0, 256).Select(p => (float)((2.0 * p - 255.0) / 255.0)).ToArray();
        var layers = new PackedDenseLayer[]
        {
            new ResidualThresholdDenseLayer(784, 70, 2, 0, [0.6f, 0.3f], Levels(2), [], [], Weights(784, 70, 2), 2, Directions(70), Thresholds(70, 3, 40)),
            new ResidualThresholdDenseLayer(70, 13, 3, 2, [0.5f, 0.2f, 0.1f], Levels(3), [0.7f, 0.4f], [-1.1f, -0.3f, 0.3f, 1.1f], Weights(70, 13, 3), 1, Directions(13), Thresholds(13, 1, 10)),
            new ResidualOutputDenseLayer(13, 10, 1, 1, [0.9f], [-0.9f, 0.9f], [0.8f], [-0.8f, 0.8f], Weights(13, 10, 1), Floats(10, 1), Floats(10, 1), Floats(10, 1)),
        };
        return new PackedModel([1, 28, 28], table, Metadata, layers);
    }

    private static byte[] WithCrc(byte[] data)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(data.AsSpan(data.Length - 4), System.IO.Hashing.Crc32.HashToUInt32(data.AsSpan(0, data.Length - 4)));
        return data;
    }

    private static void Rejects(byte[] data, params string[] expectedParts)
    {
        var ex = Assert.Throws<InvalidDataException>(() => PackedModelFile.Read(data, "model.lbpm"));
        Assert.StartsWith("model.lbpm: byte offset ", ex.Message, StringComparison.Ordinal);
        foreach (var part in expectedParts) Assert.Contains(part, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RoundTrip_ResidualModel_PreservesEverythingAndPredictedSize()
    {
        var model = SmallResidualModel();
        var bytes = PackedModelFile.ToBytes(model);
        Assert.Equal(PackedModelFile.PredictSize(model), bytes.Length);
        Assert.Equal(PackedModelFile.Version, BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(8)));
        var loaded = PackedModelFile.Read(bytes, "mem");
        Assert.True(loaded.IsResidualModel);
        Assert.Equal(bytes, PackedModelFile.ToBytes(loaded));
        var pixels = new byte[20 * 784];
        new Random(3).NextBytes(pixels);
        Assert.Equal(new InferenceSession(model).Predict(pixels, 20), new InferenceSession(loaded).Predict(pixels, 20));
    }

    [Fact]
    public void Read_Version2File_RejectsResidualKinds()
    {
        var data = PackedModelFile.ToBytes(SmallResidualModel());
        BinaryPrimitives.WriteUInt32LittleEndian(data.AsSpan(8), 2);
        Rejects(WithCrc(data), "kind 6", "1 or 4");
    }

    [Fact]
    public void Read_ResidualStructuralErrorsBehindValidChecksum_NameOffsetAndField()
    {
        var model = SmallResidualModel();
        var good = PackedModelFile.ToBytes(model);
        int layer0 = PackedModelFile.HeaderSize + 12 + 1024 + 4 + Metadata.Length + 4;
        byte[] Edit(Action<byte[]> edit)
        {
            var copy = (byte[])good.Clone();
            edit(copy);
            return WithCrc(copy);
        }
        Rejects(Edit(d => d[layer0 + 1] = 1), $"byte offset {layer0 + 1}", "flags");
        Rejects(Edit(d => d[layer0 + 2] = 9), $"byte offset {layer0 + 2}", "weight planes 9");
        Rejects(Edit(d => d[layer0 + 2] = 0), $"byte offset {layer0 + 2}", "weight planes 0");
        Rejects(Edit(d => d[layer0 + 3] = 2), $"byte offset {layer0 + 3}", "input planes 2", "pixels");
        int scales = layer0 + 12;
        Rejects(Edit(d => BinaryPrimitives.WriteSingleLittleEndian(d.AsSpan(scales + 4), float.NaN)), $"byte offset {scales + 4}", "weight scales[1]");
        int levels = scales + 8;
        Rejects(Edit(d => BinaryPrimitives.WriteSingleLittleEndian(d.AsSpan(levels + 12), float.NegativeInfinity)), $"byte offset {levels + 12}", "weight levels[3]");
        int weights = levels + 4 * 6, words = BitLayout.WordsPerRow(784);
        // unit 0: rows = sign plane 1, sign plane 2, mask 2
        Rejects(Edit(d => d[weights + (words - 1) * 8 + 7] |= 0x80), $"byte offset {weights + (words - 1) * 8}", "padding bits");
        int sign2 = weights + words * 8, mask2 = weights + 2 * words * 8;
        Rejects(Edit(d =>
        {
            ulong mask = BinaryPrimitives.ReadUInt64LittleEndian(d.AsSpan(mask2));
            int bit = System.Numerics.BitOperations.TrailingZeroCount(~mask); // a weight with one level
            ulong sign = BinaryPrimitives.ReadUInt64LittleEndian(d.AsSpan(sign2)) | (1UL << bit);
            BinaryPrimitives.WriteUInt64LittleEndian(d.AsSpan(sign2), sign);
        }), $"byte offset {layer0}", "Unit 0", "sign plane 2 has bits outside its mask");
        int outputPlanes = weights + 70 * 3 * words * 8;
        Rejects(Edit(d => BinaryPrimitives.WriteUInt32LittleEndian(d.AsSpan(outputPlanes), 9)), $"byte offset {outputPlanes}", "output planes is 9");
        Rejects(Edit(d => BinaryPrimitives.WriteUInt32LittleEndian(d.AsSpan(outputPlanes), 1))); // the following fields then no longer parse
        int directions = outputPlanes + 4;
        Rejects(Edit(d => d[directions + 5] = 2), $"byte offset {directions + 5}", "direction of unit 5 is 2");
        int thresholds = directions + 70;
        Rejects(Edit(d => BinaryPrimitives.WriteSingleLittleEndian(d.AsSpan(thresholds + 4 * 5), -1e9f)), $"byte offset {thresholds + 4 * 5}", "unit 1 decrease at level 2");
        int layer1 = thresholds + 4 * 70 * 3;
        Rejects(Edit(d => d[layer1] = 7), $"byte offset {layer1}", "has kind 7", "must have kind 6");
        // layer 1 (B = 3): masks of level 3 must lie inside level 2's
        int words1 = BitLayout.WordsPerRow(70), weights1 = layer1 + 12 + 4 * 3 + 4 * 14 + 4 * 2 + 4 * 4;
        int mask3 = weights1 + 4 * words1 * 8;
        Rejects(Edit(d =>
        {
            ulong outer = BinaryPrimitives.ReadUInt64LittleEndian(d.AsSpan(weights1 + 3 * words1 * 8));
            int bit = System.Numerics.BitOperations.TrailingZeroCount(~outer);
            BinaryPrimitives.WriteUInt64LittleEndian(d.AsSpan(mask3), BinaryPrimitives.ReadUInt64LittleEndian(d.AsSpan(mask3)) | (1UL << bit));
        }), $"byte offset {layer1}", "mask of level 3 is not inside the mask of level 2");
    }

    [Fact]
    public void Fuzz_ResidualModel_RandomFlipsAndTruncations_OnlyInvalidDataException()
    {
        var good = PackedModelFile.ToBytes(SmallResidualModel());
        var random = new Random(20261124);
        var pixels = new byte[3 * 784];
        random.NextBytes(pixels);
        int loaded = 0;
        int layer0 = PackedModelFile.HeaderSize + 12 + 1024 + 4 + Metadata.Length + 4;
        for (int trial = 0; trial < 2000; trial++)
        {
            var data = (byte[])good.Clone();
            int flips = 1 + random.Next(8);
            for (int f = 0; f < flips; f++)
            {
                // Mostly the small fields: layer headers, scales and levels, output planes, directions, thresholds.
                int at = random.Next(3) switch
                {
                    0 => random.Next(data.Length),
                    1 => layer0 + random.Next(48),
                    _ => Math.Max(0, data.Length - 1 - random.Next(900)),
                };
                data[at] ^= (byte)(1 << random.Next(8));
            }
            if (trial % 2 == 0) WithCrc(data);
            if (trial % 5 == 0) data = data[..random.Next(data.Length)];
            try
            {
                var model = PackedModelFile.Read(data, $"fuzz-{trial}");
                loaded++;
                new InferenceSession(model).Predict(pixels, 3);
            }
            catch (InvalidDataException)
            {
            }
            catch (Exception e)
            {
                Assert.Fail($"trial {trial} (seed 20261124): {e.GetType().Name}: {e.Message}");
            }
        }
        Assert.True(loaded > 0, "no mutated file loaded: the fuzz never reached the runtime");
    }
}
