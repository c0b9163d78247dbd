using System.Buffers.Binary;
using Lowbit.Inference.Format;
using Lowbit.Inference.Runtime;
using Lowbit.Kernels.Bits;

namespace Lowbit.Inference.Tests.Format;

/// <summary>Format version 4: per-channel pixel tables and the convolution kinds 8, 9, 10.</summary>
public sealed class ConvModelFileTests
{
    private const string Metadata = """{"name":"small-conv","dataset":"cifar10"}""";

    /// <summary>
    /// A small random convnet on [3, 8, 8] with three different pixel tables: kind 8 (±1 or float weights, bias) to 64
    /// channels, kind 9 (+1 padding), kind 10 (some channels AND), kind 9 (stride 2, −1 padding), then kinds 2 and 3.
    /// </summary>
    internal static PackedModel SmallConvModel(int seed = 6, bool floatWeights = false)
    {
        var random = new Random(seed);
        ulong[] Rows(int rows, int bits)
        {
            int words = BitLayout.WordsPerRow(bits);
            var w = new ulong[rows * words];
            for (int i = 0; i < w.Length; i++) w[i] = (ulong)random.NextInt64() ^ ((ulong)random.NextInt64() << 1);
            for (int r = 0; r < rows; r++) w[(r + 1) * words - 1] &= BitLayout.LastWordMask(bits);
            return w;
        }
        float[] Floats(int n, double scale) => Enumerable.Range(0, n).Select(_ => (float)((random.NextDouble() - 0.5) * scale)).ToArray();
        bool[] Directions(int n) => Enumerable.Range(0, n).Select(_ => random.Next(2) == 1).ToArray();
        var tables = Enumerable.Range(0, 3 * 256).Select(i => (float)((i % 256 / 255.0 - 0.4 - 0.05 * (i / 256)) / (0.25 + 0.01 * (i / 256)))).ToArray();
        var weights0 = floatWeights ? Floats(64 * 27, 2) : Floats(64 * 27, 2).Select(v => v >= 0 ? 1f : -1f).ToArray();
        var thresholds0 = Floats(64, 10);
        thresholds0[0] = float.NegativeInfinity;
        thresholds0[1] = float.PositiveInfinity;
        var g1 = new ConvGeometry(64, 8, 8, 64, 3, 1, 1, 1f);
        var g3 = new ConvGeometry(64, 4, 4, 64, 3, 2, 1, -1f);
        var mask = Rows(1, 64);
        var layers = new PackedLayer[]
        {
            new ByteSignConvLayer(new ConvGeometry(3, 8, 8, 64, 3, 1, 1, 0f), weights0, floatWeights ? Floats(64, 1) : null, Directions(64), thresholds0),
            new BinarySignConvLayer(g1, Rows(64, g1.PatchSize), Enumerable.Range(0, 64).Select(_ => random.Next(-1, g1.PatchSize + 1)).ToArray()),
            new SignMaxPoolLayer(64, 8, 8, 2, 2, mask),
            new BinarySignConvLayer(g3, Rows(64, g3.PatchSize), Enumerable.Range(0, 64).Select(_ => random.Next(250, 330)).ToArray()),
            new BinarySignDenseLayer(256, 33, Rows(33, 256), Enumerable.Range(0, 33).Select(_ => random.Next(100, 156)).ToArray()),
            new BinaryOutputDenseLayer(33, 10, Rows(10, 33), Floats(10, 2), Floats(10, 1), Floats(10, 3)),
        };
        return new PackedModel([3, 8, 8], tables, Metadata, layers);
    }

    /// <summary>A small random real-stream network on [3, 8, 8]: kind 11 (float weights, bias, batch norm, hard tanh), kind 12 (identity, batch norm), kind 12 (option A, stride 2), kind 14 (W2A2 then W3 on A2), kind 13 (global pool, batch norm, bias).</summary>
    internal static PackedModel SmallRealStreamModel(int seed = 8)
    {
        var random = new Random(seed);
        float[] Floats(int n, double scale, double offset = 0) => Enumerable.Range(0, n).Select(_ => (float)(offset + (random.NextDouble() - 0.5) * scale)).ToArray();
        ulong[] Rows(int rows, int bits)
        {
            int words = BitLayout.WordsPerRow(bits);
            var w = new ulong[rows * words];
            for (int i = 0; i < w.Length; i++) w[i] = (ulong)random.NextInt64() ^ ((ulong)random.NextInt64() << 1);
            for (int r = 0; r < rows; r++) w[(r + 1) * words - 1] &= BitLayout.LastWordMask(bits);
            return w;
        }
        BatchNormParams Norm(int c, bool affine) => new(affine ? Floats(c, 2) : null, affine ? Floats(c, 1) : null, Floats(c, 4), Floats(c, 1, 1), 1e-5);
        var tables = Enumerable.Range(0, 3 * 256).Select(i => (float)((i % 256 / 255.0 - 0.4 - 0.05 * (i / 256)) / 0.25)).ToArray();
        var g1 = new ConvGeometry(16, 8, 8, 16, 3, 1, 1, 1f);
        var g2 = new ConvGeometry(16, 8, 8, 32, 3, 2, 1, -1f);
        var g3 = new ConvGeometry(32, 4, 4, 16, 3, 1, 1, 0f);
        var g4 = new ConvGeometry(16, 4, 4, 32, 3, 1, 1, 0f);
        float[] Sorted(int units, int levels) => Enumerable.Range(0, units).SelectMany(_ => Floats(levels, 20).Order()).ToArray();
        var block = new KBitResidualBlockLayer(g3, new KBitConv(2, [-1f, -1f / 3, 1f / 3, 1f], Rows(16 * 2, g3.PatchSize)), [1f / 6, 0.5f, 5f / 6],
            [0f, 1f / 3, 2f / 3, 1f], Enumerable.Range(0, 16).Select(_ => random.Next(2) == 1).ToArray(), Sorted(16, 3), [0f, 1f / 3, 2f / 3, 1f],
            g4, new KBitConv(3, Floats(8, 2), Rows(32 * 3, g4.PatchSize)), Norm(32, true), ResidualShortcut.Identity, RealActivation.Relu);
        var layers = new PackedLayer[]
        {
            new ByteRealConvLayer(new ConvGeometry(3, 8, 8, 16, 3, 1, 1, 0f), Floats(16 * 27, 1), Floats(16, 0.2), Norm(16, true), RealActivation.HardTanh),
            new BinaryResidualConvLayer(g1, Rows(16, g1.PatchSize), Norm(16, true), ResidualShortcut.Identity, RealActivation.HardTanh),
            new BinaryResidualConvLayer(g2, Rows(32, g2.PatchSize), Norm(32, false), new ResidualShortcut(1, 2, 8, 8), RealActivation.Relu),
            block,
            new RealHeadLayer(32, 4, 4, true, Norm(32, true), 10, Floats(320, 1), Floats(10, 0.1)),
        };
        return new PackedModel([3, 8, 8], tables, Metadata, layers);
    }

    /// <summary>
    /// A small random binary shift network on [3, 8, 8]: kind 11, kind 15 per input channel (+1 padding, a pruned
    /// channel), kind 15 per connection (stride 2, option A, −1 padding, pruned connections), kind 15 with a 2×2 window
    /// and no padding (4 cells + pruned: 3-bit indices), stride 2, kind 13.
    /// </summary>
    internal static PackedModel SmallShiftModel(int seed = 9)
    {
        var random = new Random(seed);
        float[] Floats(int n, double scale, double offset = 0) => Enumerable.Range(0, n).Select(_ => (float)(offset + (random.NextDouble() - 0.5) * scale)).ToArray();
        BatchNormParams Norm(int c, bool affine) => new(affine ? Floats(c, 2) : null, affine ? Floats(c, 1) : null, Floats(c, 4), Floats(c, 1, 1), 1e-5);
        int[] Shifts(int n, int cells) => Enumerable.Range(0, n).Select(_ => random.Next(7) == 0 ? -1 : random.Next(cells)).ToArray();
        ulong[] Signs(int o, int c, int[] shifts, bool perConnection)
        {
            int words = BitLayout.WordsPerRow(c);
            var w = new ulong[o * words];
            for (int oc = 0; oc < o; oc++)
                for (int ch = 0; ch < c; ch++)
                    if (shifts[perConnection ? oc * c + ch : ch] >= 0 && random.Next(2) == 1) w[oc * words + (ch >> 6)] |= 1UL << (ch & 63);
            return w;
        }
        var tables = Enumerable.Range(0, 3 * 256).Select(i => (float)((i % 256 / 255.0 - 0.4 - 0.05 * (i / 256)) / 0.25)).ToArray();
        var g1 = new ConvGeometry(16, 8, 8, 16, 3, 1, 1, 1f);
        var g2 = new ConvGeometry(16, 8, 8, 32, 3, 2, 1, -1f);
        var g3 = new ConvGeometry(32, 4, 4, 32, 2, 2, 0, 1f);
        var s1 = Shifts(16, 9);
        s1[3] = -1;
        var s2 = Shifts(32 * 16, 9);
        var s3 = Shifts(32, 4);
        var layers = new PackedLayer[]
        {
            new ByteRealConvLayer(new ConvGeometry(3, 8, 8, 16, 3, 1, 1, 0f), Floats(16 * 27, 1), Floats(16, 0.2), Norm(16, true), RealActivation.HardTanh),
            new BinaryResidualShiftConvLayer(g1, false, s1, Signs(16, 16, s1, false), Norm(16, true), ResidualShortcut.Identity, RealActivation.HardTanh),
            new BinaryResidualShiftConvLayer(g2, true, s2, Signs(32, 16, s2, true), Norm(32, false), new ResidualShortcut(1, 2, 8, 8), RealActivation.Relu),
            new BinaryResidualShiftConvLayer(g3, false, s3, Signs(32, 32, s3, false), null, new ResidualShortcut(1, 2, 0, 0), RealActivation.None),
            new RealHeadLayer(32, 2, 2, true, Norm(32, true), 10, Floats(320, 1), Floats(10, 0.1)),
        };
        return new PackedModel([3, 8, 8], tables, Metadata, layers);
    }

    [Fact]
    public void RoundTrip_ShiftModel_PreservesEverythingAndPredictedSize()
    {
        var model = SmallShiftModel();
        var bytes = PackedModelFile.ToBytes(model);
        Assert.Equal(PackedModelFile.PredictSize(model), bytes.Length);
        // Kind 15's size by hand: 28 + indices + O·C sign bits + batch norm + 16 + 4.
        Assert.Equal(28 + 8 + 32 + (12 + 16 * 16) + 20, model.Layers[1].ByteSize);
        Assert.Equal(28 + 32 * 16 * 4 / 8 + 32 * 16 / 8 + (12 + 8 * 32) + 20, model.Layers[2].ByteSize);
        Assert.Equal(28 + 12 + 128 + 20, model.Layers[3].ByteSize);
        var loaded = PackedModelFile.Read(bytes, "mem");
        Assert.Equal(bytes, PackedModelFile.ToBytes(loaded));
        var shift = (BinaryResidualShiftConvLayer)loaded.Layers[2];
        Assert.Equal(((BinaryResidualShiftConvLayer)model.Layers[2]).Shifts, shift.Shifts);
        Assert.Equal(((BinaryResidualShiftConvLayer)model.Layers[2]).Weights, shift.Weights);
        var pixels = new byte[20 * 192];
        new Random(5).NextBytes(pixels);
        var logits = new float[200];
        var again = new float[200];
        new InferenceSession(model).Predict(pixels, 20, new int[20], default, logits);
        new InferenceSession(loaded, new InferenceOptions(2, 3)).Predict(pixels, 20, new int[20], default, again);
        Assert.Equal(logits, again);
    }

    [Fact]
    public void Read_ShiftModelWithPrunedWeightSetOrBadIndex_IsRejectedWithOffset()
    {
        var model = SmallShiftModel();
        var bytes = PackedModelFile.ToBytes(model);
        int layer1 = (int)(PackedModelFile.PredictSize(model) - 4 - model.Layers.Skip(1).Sum(l => l.ByteSize));
        var badIndex = (byte[])bytes.Clone();
        badIndex[layer1 + 28] = (byte)((badIndex[layer1 + 28] & 0xF0) | 10); // shift 0 = 10: neither a cell of 3×3 nor pruned (15)
        var ex = Assert.Throws<InvalidDataException>(() => PackedModelFile.Read(WithCrc(badIndex), "bad"));
        Assert.Contains("shift 0 is 10", ex.Message, StringComparison.Ordinal);
        var badWeight = (byte[])bytes.Clone();
        int pruned = 3; // channel 3 of layer 1 is pruned: its weight bits (o, 3) must stay 0
        badWeight[layer1 + 28 + 8] |= (byte)(1 << pruned);
        ex = Assert.Throws<InvalidDataException>(() => PackedModelFile.Read(WithCrc(badWeight), "bad"));
        Assert.Contains("pruned connection", ex.Message, StringComparison.Ordinal);
        Assert.Contains($"byte offset {layer1 + 28 + 8}", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Fuzz_ShiftModel_RandomFlipsAndTruncations_OnlyInvalidDataException()
    {
        var good = PackedModelFile.ToBytes(SmallShiftModel());
        FuzzFlipsAndTruncations(good, 20261204, 3000);
    }

    [Fact]
    public void RoundTrip_RealStreamModel_PreservesEverythingAndPredictedSize()
    {
        var model = SmallRealStreamModel();
        var bytes = PackedModelFile.ToBytes(model);
        Assert.Equal(PackedModelFile.PredictSize(model), bytes.Length);
        var loaded = PackedModelFile.Read(bytes, "mem");
        Assert.Equal(bytes, PackedModelFile.ToBytes(loaded));
        var pixels = new byte[20 * 192];
        new Random(5).NextBytes(pixels);
        var logits = new float[200];
        var again = new float[200];
        new InferenceSession(model).Predict(pixels, 20, new int[20], default, logits);
        new InferenceSession(loaded, new InferenceOptions(2, 3)).Predict(pixels, 20, new int[20], default, again);
        Assert.Equal(logits, again);
    }

    [Fact]
    public void Fuzz_RealStreamModel_RandomFlipsAndTruncations_OnlyInvalidDataException()
    {
        var good = PackedModelFile.ToBytes(SmallRealStreamModel());
        FuzzFlipsAndTruncations(good, 20261203, 5000);
    }

    /// <summary>
    /// 1,500 mutations of a valid file (1-6 bit flips, half of them within <paramref name="tailWindow"/> bytes of the
    /// end where the layers are; every second one re-checksummed, every fifth truncated): reading may only fail with
    /// InvalidDataException, and a file that loads must run; at least one must load.
    /// </summary>
    private static void FuzzFlipsAndTruncations(byte[] good, int seed, int tailWindow)
    {
        var random = new Random(seed);
        var pixels = new byte[2 * 192];
        random.NextBytes(pixels);
        int loaded = 0;
        for (int trial = 0; trial < 1500; trial++) // flips and truncations
        {
            var data = (byte[])good.Clone();
            int flips = 1 + random.Next(6);
            for (int f = 0; f < flips; f++)
            {
                int at = random.Next(2) == 0 ? random.Next(data.Length) : Math.Max(0, data.Length - 1 - random.Next(tailWindow));
                data[at] ^= (byte)(1 << random.Next(8));
            }
            if (trial % 2 == 0) WithCrc(data);
            if (trial % 5 == 0) data = data[..random.Next(data.Length)];
            try
            {
                var model = PackedModelFile.Read(data, $"fuzz-{trial}");
                loaded++;
                new InferenceSession(model).Predict(pixels, 2);
            }
            catch (InvalidDataException)
            {
            }
            catch (Exception e)
            {
                Assert.Fail($"trial {trial} (seed {seed}): {e.GetType().Name}: {e.Message}");
            }
        }
        Assert.True(loaded > 0, "no mutated file loaded: the fuzz never reached the runtime");
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

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void RoundTrip_ConvModel_PreservesEverythingAndPredictedSize(bool floatWeights)
    {
        var model = SmallConvModel(floatWeights: floatWeights);
        var bytes = PackedModelFile.ToBytes(model);
        Assert.Equal(PackedModelFile.PredictSize(model), bytes.Length);
        var loaded = PackedModelFile.Read(bytes, "mem");
        Assert.Equal(bytes, PackedModelFile.ToBytes(loaded));
        Assert.Equal(model.PixelTables, loaded.PixelTables);
        Assert.False(loaded.HasUniformPixelTable);
        var pixels = new byte[20 * 192];
        new Random(3).NextBytes(pixels);
        var expected = new InferenceSession(model).Predict(pixels, 20);
        Assert.Equal(expected, new InferenceSession(loaded, new InferenceOptions(2, 7)).Predict(pixels, 20));
    }

    [Fact]
    public void Read_ConvStructuralErrorsBehindValidChecksum_NameOffsetAndField()
    {
        var model = SmallConvModel();
        var good = PackedModelFile.ToBytes(model);
        int layer0 = PackedModelFile.HeaderSize + 12 + 3 * 1024 + 4 + Metadata.Length + 4;
        byte[] Edit(Action<byte[]> edit)
        {
            var copy = (byte[])good.Clone();
            edit(copy);
            return WithCrc(copy);
        }
        Rejects(Edit(d => d[layer0] = 9), $"byte offset {layer0}", "has kind 9", "1, 4, 6, 8 or 11");
        Rejects(Edit(d => d[layer0 + 2] = 2), $"byte offset {layer0 + 2}", "weight code 2");
        Rejects(Edit(d => BinaryPrimitives.WriteUInt32LittleEndian(d.AsSpan(layer0 + 8), 9)), $"byte offset {layer0 + 4}", "input [3, 9, 8]", "receives [3, 8, 8]");
        Rejects(Edit(d => d[layer0 + 22] = 3), $"byte offset {layer0 + 20}", "padding 3");
        Rejects(Edit(d => BinaryPrimitives.WriteSingleLittleEndian(d.AsSpan(layer0 + 24), float.NaN)), $"byte offset {layer0 + 24}", "padding value");
        int layer1 = layer0 + (int)model.Layers[0].ByteSize;
        Rejects(Edit(d => BinaryPrimitives.WriteSingleLittleEndian(d.AsSpan(layer1 + 24), 0.5f)), $"byte offset {layer1}", "+1 or −1");
        int thresholds1 = layer1 + 28 + 64 * 9 * 8;
        Rejects(Edit(d => BinaryPrimitives.WriteInt32LittleEndian(d.AsSpan(thresholds1), 577)), $"byte offset {thresholds1}", "[-1, 576]");
        int layer2 = layer1 + (int)model.Layers[1].ByteSize;
        Rejects(Edit(d => d[layer2 + 2] = 9), $"byte offset {layer2 + 2}", "window 9");
        Rejects(Edit(d => d[layer2 + 1] = 1), $"byte offset {layer2 + 1}", "flags");
    }

    [Fact]
    public void Read_Version3File_RejectsConvKinds()
    {
        var data = PackedModelFile.ToBytes(SmallConvModel());
        BinaryPrimitives.WriteUInt32LittleEndian(data.AsSpan(8), 3);
        Assert.Throws<InvalidDataException>(() => PackedModelFile.Read(WithCrc(data), "v3"));
    }

    [Fact]
    public void Fuzz_ConvModel_RandomFlipsAndTruncations_OnlyInvalidDataException()
    {
        var good = PackedModelFile.ToBytes(SmallConvModel());
        var random = new Random(20261202);
        var pixels = new byte[3 * 192];
        random.NextBytes(pixels);
        int loaded = 0;
        int layer0 = PackedModelFile.HeaderSize + 12 + 3 * 1024 + 4 + Metadata.Length + 4;
        int layer2 = layer0 + (int)SmallConvModel().Layers[0].ByteSize + (int)SmallConvModel().Layers[1].ByteSize;
        for (int trial = 0; trial < 2000; trial++)
        {
            var data = (byte[])good.Clone();
            int flips = 1 + random.Next(8);
            for (int f = 0; f < flips; f++)
            {
                // Mostly the small fields: the conv headers, the pooling layer, thresholds at the ends of the layers.
                int at = random.Next(4) switch
                {
                    0 => random.Next(data.Length),
                    1 => layer0 + random.Next(28),
                    2 => layer2 + random.Next(24),
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
                Assert.Fail($"trial {trial} (seed 20261202): {e.GetType().Name}: {e.Message}");
            }
        }
        Assert.True(loaded > 0, "no mutated file loaded: the fuzz never reached the runtime");
    }
}
