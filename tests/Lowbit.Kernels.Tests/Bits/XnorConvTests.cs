using System.Runtime.Intrinsics;
using Lowbit.Kernels.Bits;

namespace Lowbit.Kernels.Tests.Bits;

/// <summary>The direct binary convolution on every path against a plain-loop count of mismatching ±1 products.</summary>
public class XnorConvTests
{
    public static TheoryData<int, int, int, int, int, int, int> Shapes() => new()
    {
        // channels, outChannels, kernel, stride, pad, height, width
        { 1, 1, 3, 1, 1, 5, 6 },
        { 3, 5, 3, 2, 1, 7, 7 },
        { 16, 16, 3, 1, 1, 5, 4 },
        { 31, 17, 2, 1, 0, 4, 5 },
        { 32, 32, 3, 1, 1, 6, 5 },
        { 32, 33, 3, 2, 1, 6, 7 },
        { 33, 48, 3, 1, 2, 4, 4 },
        { 64, 64, 3, 1, 1, 4, 5 },
        { 65, 65, 1, 1, 0, 3, 3 },
        { 96, 9, 3, 1, 1, 3, 4 },
        { 127, 130, 3, 2, 0, 5, 6 },
        { 128, 128, 3, 1, 1, 4, 4 },
        { 300, 20, 1, 1, 0, 3, 3 }, // 10 steps: the 9-input carry-save tree and one more step
        { 96, 40, 2, 1, 0, 4, 4 }, // 12 steps
        { 480, 17, 1, 1, 0, 2, 3 }, // 15 steps: the last count before Harley-Seal blocks
        { 600, 20, 1, 1, 0, 3, 3 }, // 19 steps: two 9-input trees and one more step
        { 832, 18, 1, 1, 0, 2, 2 }, // 26 steps: the last count before Harley-Seal blocks again
        { 850, 5, 1, 1, 0, 2, 2 }, // 27 steps: Harley-Seal
        { 1120, 7, 1, 1, 0, 2, 3 }, // 35 steps: the last Harley-Seal count before the 36-input tree
        { 1152, 20, 1, 1, 0, 2, 2 }, // 36 steps: four 9-input trees merged
        { 1400, 9, 1, 1, 0, 2, 2 }, // 44 steps: the 36-input tree and 8 more steps
        { 1440, 5, 1, 1, 0, 2, 2 }, // 45 steps: Harley-Seal again
        { 300, 3, 3, 1, 1, 3, 3 }, // 10 input words: more than 31 steps, two byte-counter chunks
        { 8000, 3, 1, 1, 0, 2, 2 }, // 250 steps: more than 31 Harley-Seal blocks
        { 32, 32, 3, 1, 1, 12, 11 }, // 30 pooled pixels of 2x2 windows (two chunks), an odd width
        { 64, 130, 3, 1, 1, 10, 9 }, // 3 output words per pixel, 20 pooled pixels
        { 100, 200, 3, 1, 1, 4, 5 }, // 3x3 on 4 input words: 13 vectors of 16 filters, the last output word holds one
        { 20, 7, 3, 2, 1, 9, 8 }, // 3x3 on one input word, stride 2, one part-filled vector
        { 256, 20, 3, 1, 1, 4, 6 }, // 3x3 on 8 input words: two groups of 36 steps
        { 230, 33, 3, 2, 1, 5, 5 }, // 3x3 on 8 input words (the last part-filled), stride 2, 3 vectors
        { 512, 17, 3, 1, 1, 4, 4 }, // 3x3 on 16 input words: four groups of 36 steps (byte counts up to 224)
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void ThresholdSigns_EveryPathAndThreadCount_MatchesReference(int channels, int outChannels, int kernel, int stride, int pad, int height, int width)
    {
        foreach (var (ones, images) in new[] { (false, 3), (true, 3), (true, 1) }) // one image: pixels split within it; several: whole images per thread
        {
            int seed = channels * 1000 + outChannels * 10 + kernel + (ones ? 7 : 0) + images;
            var rng = new Random(seed);
            var shape = new XnorConvShape(channels, height, width, outChannels, kernel, stride, pad, ones);
            float[] map = BitTestData.Signs(rng, images * height * width * channels);
            float[] weights = BitTestData.Signs(rng, outChannels * shape.PatchSize);
            int[] expected = ReferenceMismatches(map, weights, shape, images);
            int pixels = images * shape.OutHeight * shape.OutWidth, outWords = BitLayout.WordsPerRow(outChannels);
            // Thresholds at a count that occurs (± 1), so that a count off by one flips some signs; a fifth anywhere in range.
            var thresholds = new int[outChannels];
            for (int o = 0; o < outChannels; o++)
            {
                thresholds[o] = rng.Next(5) == 0 ? rng.Next(-1, shape.PatchSize + 1) : expected[rng.Next(pixels) * outChannels + o] + rng.Next(-1, 2);
            }
            var filters = XnorConvFilters.Pack(BitTestData.Pack(weights, outChannels, shape.PatchSize), shape);
            var input = BitTestData.Pack(map, images * height * width, channels);
            var expectedBits = new ulong[pixels * outWords];
            for (int p = 0; p < pixels; p++)
                for (int o = 0; o < outChannels; o++)
                    if (expected[p * outChannels + o] <= thresholds[o]) expectedBits[p * outWords + (o >> 6)] |= 1UL << (o & 63);
            foreach (var path in Enum.GetValues<XnorConvPath>())
                for (int threads = 1; threads <= 3; threads++)
                {
                    string context = $"{path} threads={threads} images={images} pad={(ones ? "+1" : "-1")} seed={seed}";
                    long minWork = threads == 1 ? XnorConv.MinWorkPerPart : 1; // several threads: split even these small maps
                    var padded = new uint[XnorConv.PaddedLength(shape, images)];
                    var bits = new ulong[pixels * outWords];
                    Array.Fill(bits, ulong.MaxValue);
                    XnorConv.Run(path, input, images, filters, thresholds, padded, bits, default, threads, signs: true, minWorkPerPart: minWork);
                    BitTestData.Equal<ulong>(expectedBits, bits, "signs " + context);
                    var counts = new int[pixels * outChannels];
                    Array.Fill(counts, -7);
                    XnorConv.Run(path, input, images, filters, default, padded, default, counts, threads, signs: false, minWorkPerPart: minWork);
                    BitTestData.Equal<int>(expected, counts, "counts " + context);
                    Array.Fill(counts, -7);
                    XnorConv.Run(path, input, images, filters, default, padded, default, counts, threads, signs: false, channelMajor: true,
                        minWorkPerPart: minWork);
                    BitTestData.Equal<int>(ChannelMajor(expected, images, shape.OutHeight * shape.OutWidth, outChannels), counts, "channel-major counts " + context);
                }
        }
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void ThresholdSignsPooled_EveryPathAndThreadCount_MatchesConvolutionThenPooling(int channels, int outChannels, int kernel, int stride,
        int pad, int height, int width)
    {
        foreach (var (ones, images) in new[] { (false, 3), (true, 1) })
        {
            int seed = channels * 1000 + outChannels * 10 + kernel + (ones ? 7 : 0) + images + 5;
            var rng = new Random(seed);
            var shape = new XnorConvShape(channels, height, width, outChannels, kernel, stride, pad, ones);
            int oh = shape.OutHeight, ow = shape.OutWidth, ph = oh / 2, pw = ow / 2, outWords = BitLayout.WordsPerRow(outChannels);
            var weights = BitTestData.Pack(BitTestData.Signs(rng, outChannels * shape.PatchSize), outChannels, shape.PatchSize);
            var filters = XnorConvFilters.Pack(weights, shape);
            var input = BitTestData.Pack(BitTestData.Signs(rng, images * height * width * channels), images * height * width, channels);
            var thresholds = new int[outChannels];
            for (int o = 0; o < outChannels; o++) thresholds[o] = shape.PatchSize / 2 + rng.Next(-2, 3); // near the typical count
            var minChannels = new ulong[outWords];
            for (int o = 0; o < outChannels; o++) if (rng.Next(3) == 0) minChannels[o >> 6] |= 1UL << (o & 63);
            if (ph == 0 || pw == 0)
            {
                Assert.Throws<ArgumentException>(() => XnorConv.ThresholdSignsPooled(input, images, filters, thresholds, minChannels,
                    new uint[XnorConv.PaddedLength(shape, images)], new ulong[outWords]));
                continue;
            }
            // Reference: the plain-loop convolution's signs (already tested above), pooled by plain loops per channel.
            var convBits = new ulong[images * oh * ow * outWords];
            var scratch = new uint[XnorConv.PaddedLength(shape, images)];
            XnorConv.Run(XnorConvPath.Scalar, input, images, filters, thresholds, scratch, convBits, default, 1, signs: true);
            var expected = new ulong[images * ph * pw * outWords];
            for (int n = 0; n < images; n++)
                for (int py = 0; py < ph; py++)
                    for (int px = 0; px < pw; px++)
                        for (int o = 0; o < outChannels; o++)
                        {
                            bool min = (minChannels[o >> 6] >> (o & 63) & 1) != 0, result = min;
                            for (int dy = 0; dy < 2; dy++)
                                for (int dx = 0; dx < 2; dx++)
                                {
                                    bool bit = (convBits[((n * oh + 2 * py + dy) * ow + 2 * px + dx) * outWords + (o >> 6)] >> (o & 63) & 1) != 0;
                                    result = min ? result && bit : result || bit;
                                }
                            if (result) expected[((n * ph + py) * pw + px) * outWords + (o >> 6)] |= 1UL << (o & 63);
                        }
            foreach (var path in Enum.GetValues<XnorConvPath>())
                for (int threads = 1; threads <= 3; threads++)
                {
                    var output = new ulong[expected.Length];
                    Array.Fill(output, ulong.MaxValue);
                    XnorConv.RunPooled(path, input, images, filters, thresholds, minChannels, new uint[XnorConv.PaddedLength(shape, images)], output,
                        threads, threads == 1 ? XnorConv.MinWorkPerPart : 1);
                    BitTestData.Equal<ulong>(expected, output, $"pooled signs {path} threads={threads} images={images} seed={seed}");
                }
        }
    }

    [Fact]
    public void CarryFromSum_IsTheMajorityOfThreeWords()
    {
        var rng = new Random(11);
        for (int trial = 0; trial < 100; trial++)
        {
            var (a, b, c) = (RandomVector(rng), RandomVector(rng), RandomVector(rng));
            var expected = (a & b) | (a & c) | (b & c);
            Assert.Equal(expected, XnorConv.CarryFromSum(b, c, a ^ b ^ c));
        }

        static Vector512<ulong> RandomVector(Random rng) =>
            Vector512.Create((ulong)rng.NextInt64(), (ulong)rng.NextInt64(), (ulong)rng.NextInt64(), (ulong)rng.NextInt64(),
                (ulong)rng.NextInt64(), (ulong)rng.NextInt64(), (ulong)rng.NextInt64(), ulong.MaxValue);
    }

    [Theory]
    [InlineData(1, 20)]
    [InlineData(2, 17)]
    [InlineData(4, 9)]
    [InlineData(8, 5)]
    [InlineData(16, 3)]
    public void RowTriples_XorThreeConsecutivePixels(int words, int pixels)
    {
        var rng = new Random(words * 100 + pixels);
        var padded = Enumerable.Range(0, words * pixels).Select(_ => (uint)rng.NextInt64()).ToArray();
        var triples = Enumerable.Repeat(0xDEADBEEFu, padded.Length).ToArray();
        XnorConv.RowTriples(padded, words, triples);
        for (int i = 0; i < padded.Length; i++)
        {
            uint expected = i + 2 * words < padded.Length ? padded[i] ^ padded[i + words] ^ padded[i + 2 * words] : 0u;
            Assert.True(expected == triples[i], $"words={words} entry {i}: expected {expected:X8}, actual {triples[i]:X8}");
        }
    }

    [Fact]
    public void Mismatches_AgreeWithXnorGemmOnIm2ColPatches()
    {
        var rng = new Random(11);
        var shape = new XnorConvShape(40, 6, 5, 24, 3, 1, 1, false);
        const int images = 2;
        float[] map = BitTestData.Signs(rng, images * shape.Height * shape.Width * shape.InChannels);
        float[] weights = BitTestData.Signs(rng, shape.OutChannels * shape.PatchSize);
        var packedWeights = BitTestData.Pack(weights, shape.OutChannels, shape.PatchSize);
        var input = BitTestData.Pack(map, images * shape.Height * shape.Width, shape.InChannels);
        int rows = images * shape.OutHeight * shape.OutWidth, patchWords = BitIm2Col.PatchWords(shape.InChannels, 3, 3);
        var patches = new ulong[rows * patchWords];
        BitIm2Col.Transform(input, images, shape.Height, shape.Width, shape.InChannels, 3, 3, 1, 1, 1, 1, patches);
        var dots = new int[rows * shape.OutChannels];
        XnorGemm.Multiply(patches, packedWeights, rows, shape.OutChannels, shape.PatchSize, dots);
        var counts = new int[rows * shape.OutChannels];
        XnorConv.Mismatches(input, images, XnorConvFilters.Pack(packedWeights, shape), new uint[XnorConv.PaddedLength(shape, images)], counts);
        for (int i = 0; i < dots.Length; i++) Assert.Equal(dots[i], shape.PatchSize - 2 * counts[i]);
    }

    [Fact]
    public void BadArguments_Throw()
    {
        var shape = new XnorConvShape(10, 4, 4, 3, 3, 1, 1, true);
        var filters = XnorConvFilters.Pack(new ulong[3 * 2], shape);
        var input = new ulong[2 * 16];
        var padded = new uint[XnorConv.PaddedLength(shape, 2)];
        Assert.Throws<ArgumentException>(() => XnorConv.ThresholdSigns(input, 3, filters, new int[3], padded, new ulong[64], 1));
        Assert.Throws<ArgumentException>(() => XnorConv.ThresholdSigns(input, 2, filters, new int[3], padded, new ulong[31], 1));
        Assert.Throws<ArgumentException>(() => XnorConv.ThresholdSigns(input, 2, filters, new int[2], padded, new ulong[32], 1));
        Assert.Throws<ArgumentException>(() => XnorConv.ThresholdSigns(input, 2, filters, new int[3], new uint[10], new ulong[32], 1));
        input[5] = 1UL << 12;
        var ex = Assert.Throws<ArgumentException>(() => XnorConv.ThresholdSigns(input, 2, filters, new int[3], padded, new ulong[32], 1));
        Assert.Equal("input", ex.ParamName);
        var badRows = new ulong[3 * 2];
        badRows[1] = 1UL << 40; // patch of 90 bits: bit 104 is padding
        Assert.Throws<ArgumentException>(() => XnorConvFilters.Pack(badRows, shape));
        Assert.Throws<ArgumentException>(() => XnorConvFilters.Pack(new ulong[6], shape with { Padding = 3 }));
    }

    [Fact]
    public void DefaultPath_IsTheWidestAcceleratedWidth()
    {
        // CI reruns with DOTNET_EnableAVX512=0 / EnableAVX2=0 / EnableHWIntrinsic=0: the entries must then fall back.
        var expected = Vector512.IsHardwareAccelerated ? XnorConvPath.Vector512 : Vector256.IsHardwareAccelerated ? XnorConvPath.Vector256 : XnorConvPath.Scalar;
        Assert.Equal(expected, XnorConv.DefaultPath);
        if (Environment.GetEnvironmentVariable("DOTNET_EnableAVX512") == "0") Assert.NotEqual(XnorConvPath.Vector512, XnorConv.DefaultPath);
    }

    /// <summary>[images, P, O] → [images, O, P].</summary>
    private static int[] ChannelMajor(int[] counts, int images, int positions, int channels)
    {
        var result = new int[counts.Length];
        for (int n = 0; n < images; n++)
            for (int p = 0; p < positions; p++)
                for (int o = 0; o < channels; o++) result[(n * channels + o) * positions + p] = counts[(n * positions + p) * channels + o];
        return result;
    }

    /// <summary>d[(n, oy, ox), o]: mismatching signs between the padded window and filter o (OHWI, im2col order).</summary>
    private static int[] ReferenceMismatches(float[] map, float[] weights, XnorConvShape s, int images)
    {
        int oh = s.OutHeight, ow = s.OutWidth, c = s.InChannels, k = s.Kernel;
        var d = new int[images * oh * ow * s.OutChannels];
        for (int n = 0; n < images; n++)
            for (int oy = 0; oy < oh; oy++)
                for (int ox = 0; ox < ow; ox++)
                    for (int o = 0; o < s.OutChannels; o++)
                    {
                        int count = 0;
                        for (int ky = 0; ky < k; ky++)
                            for (int kx = 0; kx < k; kx++)
                            {
                                int y = oy * s.Stride - s.Padding + ky, x = ox * s.Stride - s.Padding + kx;
                                bool inside = y >= 0 && y < s.Height && x >= 0 && x < s.Width;
                                for (int ch = 0; ch < c; ch++)
                                {
                                    int v = inside ? BitTestData.Sign(map[((n * s.Height + y) * s.Width + x) * c + ch]) : (s.PadWithOnes ? 1 : -1);
                                    int w = BitTestData.Sign(weights[o * s.PatchSize + (ky * k + kx) * c + ch]);
                                    if (v != w) count++;
                                }
                            }
                        d[((n * oh + oy) * ow + ox) * s.OutChannels + o] = count;
                    }
        return d;
    }
}
