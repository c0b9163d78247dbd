using System.Buffers.Binary;
using Lowbit.Inference.Format;
using Lowbit.Inference.Runtime;
using Lowbit.Kernels.Bits;

namespace Lowbit.Inference.Tests.Format;

public sealed class PackedModelFileTests
{
    /// <summary>A small random model: 784 → 70 → 13 → 10 with bias and batch norm on the output.</summary>
    internal static PackedModel SmallModel(int seed = 1)
    {
        var random = new Random(seed);
        ulong[] Weights(int inFeatures, int outFeatures)
        {
            int words = BitLayout.WordsPerRow(inFeatures);
            var w = new ulong[outFeatures * words];
            for (int i = 0; i < w.Length; i++) w[i] = (ulong)random.NextInt64() ^ ((ulong)random.NextInt64() << 1);
            for (int j = 0; j < outFeatures; j++) w[(j + 1) * words - 1] &= BitLayout.LastWordMask(inFeatures);
            return w;
        }
        float[] Floats(int n, double scale) => Enumerable.Range(0, n).Select(_ => (float)((random.NextDouble() - 0.5) * scale)).ToArray();
        var table = Enumerable.Range(0, 256).Select(p => (float)((2.0 * p - 255.0) / 255.0)).ToArray();
        var thresholds = Floats(70, 40);
        thresholds[0] = float.NegativeInfinity;
        thresholds[1] = float.PositiveInfinity;
        var layers = new PackedDenseLayer[]
        {
            new ByteSignDenseLayer(784, 70, Weights(784, 70), thresholds),
            new BinarySignDenseLayer(70, 13, Weights(70, 13), Enumerable.Range(0, 13).Select(_ => random.Next(-1, 71)).ToArray()),
            new BinaryOutputDenseLayer(13, 10, Weights(13, 10), Floats(10, 2), Floats(10, 1), Floats(10, 3)),
        };
        return new PackedModel([1, 28, 28], table, """{"name":"small","dataset":"mnist"}""", layers);
    }

    private static byte[] WithCrc(byte[] data)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(data.AsSpan(data.Length - 4), System.IO.Hashing.Crc32.HashToUInt32(data.AsSpan(0, data.Length - 4)));
        return data;
    }

    private static InvalidDataException Rejects(byte[] data, params string[] expectedParts)
    {
        var ex = Assert.Throws<InvalidDataException>(() => PackedModelFile.Read(data, "model.lbpm"));
        Assert.StartsWith("model.lbpm: byte offset ", ex.Message, StringComparison.Ordinal);
        foreach (var part in expectedParts) Assert.Contains(part, ex.Message, StringComparison.Ordinal);
        return ex;
    }

    [Fact]
    public void Crc32_KnownVector() => Assert.Equal(0xCBF43926u, System.IO.Hashing.Crc32.HashToUInt32("123456789"u8));

    [Fact]
    public void RoundTrip_PreservesEverythingAndPredictedSize()
    {
        var model = SmallModel();
        var bytes = PackedModelFile.ToBytes(model);
        Assert.Equal(PackedModelFile.PredictSize(model), bytes.Length);
        var loaded = PackedModelFile.Read(bytes, "mem");
        Assert.Equal(bytes, PackedModelFile.ToBytes(loaded));
        Assert.Equal(model.Metadata, loaded.Metadata);
        Assert.Equal(model.InputShape, loaded.InputShape);
        for (int i = 0; i < model.Layers.Count; i++) Assert.Equal(((PackedDenseLayer)model.Layers[i]).Weights, ((PackedDenseLayer)loaded.Layers[i]).Weights);
        Assert.Equal(((ByteSignDenseLayer)model.Layers[0]).Thresholds, ((ByteSignDenseLayer)loaded.Layers[0]).Thresholds);
        Assert.Equal(((BinarySignDenseLayer)model.Layers[1]).MaxMismatches, ((BinarySignDenseLayer)loaded.Layers[1]).MaxMismatches);
        var pixels = new byte[20 * 784];
        new Random(3).NextBytes(pixels);
        Assert.Equal(new InferenceSession(model).Predict(pixels, 20), new InferenceSession(loaded).Predict(pixels, 20));
    }

    [Fact]
    public void Write_File_RoundTripsThroughDisk()
    {
        var path = Path.Combine(Path.GetTempPath(), $"lowbit-{Guid.NewGuid():N}.lbpm");
        try
        {
            long size = PackedModelFile.Write(SmallModel(), path);
            Assert.Equal(size, new FileInfo(path).Length);
            Assert.Equal(10, PackedModelFile.Read(path).Classes);
            File.WriteAllBytes(path, File.ReadAllBytes(path)[..100]);
            var ex = Assert.Throws<InvalidDataException>(() => PackedModelFile.Read(path));
            Assert.Contains(path, ex.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Read_BadMagicVersionFlagsLength_NamedClearly()
    {
        var good = PackedModelFile.ToBytes(SmallModel());
        Rejects([], "byte offset 0", "magic");
        var bad = (byte[])good.Clone();
        bad[0] = (byte)'X';
        Rejects(bad, "byte offset 0", "not a Lowbit packed model");
        bad = (byte[])good.Clone();
        BinaryPrimitives.WriteUInt32LittleEndian(bad.AsSpan(8), PackedModelFile.Version + 1);
        Rejects(WithCrc(bad), "byte offset 8", $"version {PackedModelFile.Version + 1} is not supported");
        BinaryPrimitives.WriteUInt32LittleEndian(bad.AsSpan(8), 0);
        Rejects(WithCrc(bad), "byte offset 8", "version 0 is not supported");
        bad = (byte[])good.Clone();
        bad[12] = 1;
        Rejects(bad, "byte offset 12", "flags");
        Rejects(good[..20], "truncated header");
        Rejects(good[..^1], "byte offset 16", "truncated");
        Rejects([.. good, 0], "byte offset 16", "trailing data");
    }

    [Fact]
    public void Read_Version1File_LoadsBinaryModelButNotCodeLayers()
    {
        var binary = PackedModelFile.ToBytes(SmallModel());
        BinaryPrimitives.WriteUInt32LittleEndian(binary.AsSpan(8), 1);
        Assert.Equal(10, PackedModelFile.Read(WithCrc(binary), "v1").Classes);
        var plane = PackedModelFile.ToBytes(SmallPlaneModel());
        BinaryPrimitives.WriteUInt32LittleEndian(plane.AsSpan(8), 1);
        Rejects(WithCrc(plane), "kind 4", "must have kind 1 here");
    }

    /// <summary>A small random k-bit model: 784 → 70 (W2, 8-bit pixels) → 13 (W3A2) → 10 (W2A1) with bias and batch norm.</summary>
    internal static PackedModel SmallPlaneModel(int seed = 2)
    {
        var random = new Random(seed);
        ulong[] Planes(int inFeatures, int outFeatures, int bits)
        {
            int words = BitLayout.WordsPerRow(inFeatures);
            var w = new ulong[outFeatures * bits * words];
            for (int i = 0; i < w.Length; i++) w[i] = (ulong)random.NextInt64() ^ ((ulong)random.NextInt64() << 1);
            for (int r = 0; r < outFeatures * bits; r++) w[(r + 1) * words - 1] &= BitLayout.LastWordMask(inFeatures);
            return w;
        }
        float[] Levels(int bits, double low, double high) => Enumerable.Range(0, 1 << bits).Select(c => (float)(low + (high - low) * c / ((1 << bits) - 1))).ToArray();
        float[] Thresholds(int units, int levels, double scale)
        {
            var t = new float[units * levels];
            for (int j = 0; j < units; j++)
            {
                var row = Enumerable.Range(0, levels).Select(_ => (float)((random.NextDouble() - 0.5) * scale)).Order().ToArray();
                row.CopyTo(t, j * levels);
            }
            t[0] = float.NegativeInfinity;
            t[^1] = float.PositiveInfinity;
            return t;
        }
        bool[] Directions(int units) => Enumerable.Range(0, units).Select(_ => random.Next(2) == 1).ToArray();
        var table = Enumerable.Range(0, 256).Select(p => (float)(p / 255.0)).ToArray();
        var layers = new PackedDenseLayer[]
        {
            new PlaneThresholdDenseLayer(784, 70, 2, 8, Levels(2, -1, 1), table, Planes(784, 70, 2), 2, Directions(70), Thresholds(70, 3, 40)),
            new PlaneThresholdDenseLayer(70, 13, 3, 2, Levels(3, -1, 1), Levels(2, 0, 1), Planes(70, 13, 3), 1, Directions(13), Thresholds(13, 1, 10)),
            new PlaneOutputDenseLayer(13, 10, 2, 1, Levels(2, -1, 1), Levels(1, 0, 1), Planes(13, 10, 2), Floats(10), Floats(10), Floats(10)),
        };
        return new PackedModel([1, 28, 28], table, """{"name":"small-planes","dataset":"mnist"}""", layers);

        float[] Floats(int n) => Enumerable.Range(0, n).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray();
    }

    [Fact]
    public void RoundTrip_PlaneModel_PreservesEverythingAndPredictedSize()
    {
        var model = SmallPlaneModel();
        var bytes = PackedModelFile.ToBytes(model);
        Assert.Equal(PackedModelFile.PredictSize(model), bytes.Length);
        var loaded = PackedModelFile.Read(bytes, "mem");
        Assert.Equal(bytes, PackedModelFile.ToBytes(loaded));
        var pixels = new byte[20 * 784];
        new Random(3).NextBytes(pixels);
        Assert.Equal(new InferenceSession(model).Predict(pixels, 20), new InferenceSession(loaded).Predict(pixels, 20));
    }

    [Fact]
    public void Read_PlaneStructuralErrorsBehindValidChecksum_NameOffsetAndField()
    {
        var model = SmallPlaneModel();
        var good = PackedModelFile.ToBytes(model);
        int layer0 = PackedModelFile.HeaderSize + 12 + 1024 + 4 + model.Metadata.Length + 4;
        byte[] Edit(Action<byte[]> edit)
        {
            var copy = (byte[])good.Clone();
            edit(copy);
            return WithCrc(copy);
        }
        Rejects(Edit(d => d[layer0] = 2), $"byte offset {layer0}", "has kind 2", "1, 4, 6, 8 or 11");
        Rejects(Edit(d => d[layer0 + 1] = 1), $"byte offset {layer0 + 1}", "flags");
        Rejects(Edit(d => d[layer0 + 2] = 9), $"byte offset {layer0 + 2}", "weight bits 9");
        Rejects(Edit(d => d[layer0 + 3] = 2), $"byte offset {layer0 + 3}", "input bits 2");
        int weightLevels = layer0 + 12;
        Rejects(Edit(d => BinaryPrimitives.WriteSingleLittleEndian(d.AsSpan(weightLevels + 4), float.PositiveInfinity)), $"byte offset {weightLevels + 4}", "weight levels[1]");
        int inputLevels = weightLevels + 16;
        Rejects(Edit(d => BinaryPrimitives.WriteSingleLittleEndian(d.AsSpan(inputLevels + 8), 0.5f)), $"byte offset {inputLevels}", "differ from the pixel table");
        int planes = inputLevels + 1024;
        int words = BitLayout.WordsPerRow(784);
        Rejects(Edit(d => d[planes + (2 * words - 1) * 8 + 7] |= 0x80), $"byte offset {planes + (2 * words - 1) * 8}", "plane 1", "padding bits");
        int outputBits = planes + 70 * 2 * words * 8;
        Rejects(Edit(d => BinaryPrimitives.WriteUInt32LittleEndian(d.AsSpan(outputBits), 9)), $"byte offset {outputBits}", "output bits is 9");
        Rejects(Edit(d => BinaryPrimitives.WriteUInt32LittleEndian(d.AsSpan(outputBits), 3)));
        int directions = outputBits + 4;
        Rejects(Edit(d => d[directions + 5] = 2), $"byte offset {directions + 5}", "direction of unit 5 is 2");
        int thresholds = directions + 70;
        Rejects(Edit(d => BinaryPrimitives.WriteSingleLittleEndian(d.AsSpan(thresholds + 4 * 5), -1e9f)), $"byte offset {thresholds + 4 * 5}", "unit 1 decrease at level 2");
        Rejects(Edit(d => BinaryPrimitives.WriteSingleLittleEndian(d.AsSpan(thresholds + 4 * 4), float.NaN)), $"byte offset {thresholds + 4 * 4}", "thresholds[4]");
    }

    [Fact]
    public void Fuzz_PlaneModel_RandomFlipsAndTruncations_OnlyInvalidDataException()
    {
        var good = PackedModelFile.ToBytes(SmallPlaneModel());
        var random = new Random(20261123);
        var pixels = new byte[3 * 784];
        random.NextBytes(pixels);
        int loaded = 0;
        for (int trial = 0; trial < 2000; trial++)
        {
            var data = (byte[])good.Clone();
            int flips = 1 + random.Next(8);
            int layer0 = PackedModelFile.HeaderSize + 12 + 1024 + 4 + 41 + 4;
            for (int f = 0; f < flips; f++)
            {
                // Mostly the small fields: header, layer headers, levels, bit counts, directions, thresholds.
                int at = random.Next(3) switch
                {
                    0 => random.Next(data.Length),
                    1 => layer0 + random.Next(32),
                    _ => Math.Max(0, data.Length - 1 - random.Next(600)),
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
                Assert.Fail($"trial {trial} (seed 20261123): {e.GetType().Name}: {e.Message}");
            }
        }
        Assert.True(loaded > 0, "no mutated file loaded: the fuzz never reached the runtime");
    }

    [Fact]
    public void Read_EveryTruncation_IsRejected()
    {
        foreach (var good in new[] { PackedModelFile.ToBytes(SmallModel()), PackedModelFile.ToBytes(SmallPlaneModel()) })
            for (int length = 0; length < good.Length; length++)
                Assert.Throws<InvalidDataException>(() => PackedModelFile.Read(good.AsSpan(0, length), "t"));
    }

    [Fact]
    public void Read_FlippedBit_FailsChecksumWithOffset()
    {
        var bad = PackedModelFile.ToBytes(SmallModel());
        bad[2000] ^= 0x10;
        Rejects(bad, $"byte offset {bad.Length - 4}", "checksum mismatch");
    }

    [Fact]
    public void Read_StructuralErrorsBehindValidChecksum_NameOffsetAndField()
    {
        var good = PackedModelFile.ToBytes(SmallModel());
        int layer0 = PackedModelFile.HeaderSize + 12 + 1024 + 4 + SmallModel().Metadata.Length + 4;
        byte[] Edit(Action<byte[]> edit)
        {
            var copy = (byte[])good.Clone();
            edit(copy);
            return WithCrc(copy);
        }
        Rejects(Edit(d => d[layer0] = 2), $"byte offset {layer0}", "kind 2");
        Rejects(Edit(d => d[layer0 + 1] = 1), $"byte offset {layer0 + 1}", "flags");
        Rejects(Edit(d => d[layer0 + 2] = 1), "reserved");
        Rejects(Edit(d => BinaryPrimitives.WriteUInt32LittleEndian(d.AsSpan(layer0 + 4), 783)), $"byte offset {layer0 + 4}", "783 inputs but receives 784");
        Rejects(Edit(d => BinaryPrimitives.WriteUInt32LittleEndian(d.AsSpan(layer0 + 8), 100000)), "needs", "weights");
        // Last word of weight row 0 (784 = 12·64 + 16 valid bits): set a padding bit.
        int lastWord = layer0 + 12 + 12 * 8;
        Rejects(Edit(d => d[lastWord + 7] |= 0x80), $"byte offset {lastWord}", "padding bits");
        int hiddenThresholds = layer0 + (int)PackedModelFile.LayerSize(SmallModel().Layers[0]) + 12 + 13 * 2 * 8;
        Rejects(Edit(d => BinaryPrimitives.WriteInt32LittleEndian(d.AsSpan(hiddenThresholds), 71)), $"byte offset {hiddenThresholds}", "[-1, 70]");
        Rejects(Edit(d => BinaryPrimitives.WriteSingleLittleEndian(d.AsSpan(PackedModelFile.HeaderSize + 12), float.NaN)), $"byte offset {PackedModelFile.HeaderSize + 12}", "pixel table entry 0");
        Rejects(Edit(d => d[PackedModelFile.HeaderSize + 12 + 1024 + 4] = 0xFF), "metadata is not valid UTF-8");
        Rejects(Edit(d => BinaryPrimitives.WriteUInt32LittleEndian(d.AsSpan(PackedModelFile.HeaderSize), 0)), $"byte offset {PackedModelFile.HeaderSize}", "channels is 0");
    }

    [Fact]
    public void Fuzz_RandomFlipsAndTruncations_OnlyInvalidDataException()
    {
        var good = PackedModelFile.ToBytes(SmallModel());
        var random = new Random(20261122);
        var pixels = new byte[3 * 784];
        random.NextBytes(pixels);
        int loaded = 0;
        for (int trial = 0; trial < 2000; trial++)
        {
            var data = (byte[])good.Clone();
            int flips = 1 + random.Next(8);
            // Most flips land in the header and small fields (where parsing decisions are), some anywhere.
            for (int f = 0; f < flips; f++)
            {
                int at = random.Next(3) == 0 ? random.Next(data.Length) : random.Next(Math.Min(data.Length, 1200 + 200 * random.Next(3)));
                data[at] ^= (byte)(1 << random.Next(8));
            }
            if (trial % 2 == 0) WithCrc(data); // exercise the structural checks behind a valid checksum
            if (trial % 5 == 0) data = data[..random.Next(data.Length)];
            try
            {
                var model = PackedModelFile.Read(data, $"fuzz-{trial}");
                loaded++;
                new InferenceSession(model).Predict(pixels, 3); // whatever loads must also run
            }
            catch (InvalidDataException)
            {
            }
            catch (Exception e)
            {
                Assert.Fail($"trial {trial} (seed 20261122): {e.GetType().Name}: {e.Message}");
            }
        }
        Assert.True(loaded > 0, "no mutated file loaded: the fuzz never reached the runtime");
    }
}
