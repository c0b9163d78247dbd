using Lowbit.Kernels.Bits;

namespace Lowbit.Kernels.Tests.Bits;

/// <summary>im2col, max-pool and a full binary convolution (im2col + XnorGemm) against float references that pad with −1.</summary>
public class BitConvTests
{
    public static TheoryData<int, int, int, int, int> ConvData() => new()
    {
        // channels, kernel, stride, pad, size
        { 1, 3, 1, 1, 5 },
        { 3, 3, 2, 1, 7 },
        { 16, 3, 1, 1, 5 },
        { 31, 2, 1, 0, 4 },
        { 32, 3, 1, 1, 5 },
        { 32, 3, 2, 1, 6 },
        { 33, 3, 1, 2, 4 },
        { 64, 3, 1, 1, 4 },
        { 128, 3, 1, 1, 5 },
        { 65, 1, 1, 0, 3 },
        { 127, 3, 2, 0, 5 },
        { 129, 2, 2, 1, 3 },
    };

    /// <summary>Value of the ±1 map at (b, y, x, c), <paramref name="padValue"/> outside the image.</summary>
    private static float At(float[] map, int height, int width, int channels, int b, int y, int x, int c, float padValue = -1f) =>
        y < 0 || y >= height || x < 0 || x >= width ? padValue : BitTestData.Sign(map[((b * height + y) * width + x) * channels + c]);

    [Theory]
    [MemberData(nameof(ConvData))]
    public void Transform_ThenXnorGemm_MatchesFloatConvolutionPaddedWithMinusOne(int channels, int kernel, int stride, int pad, int size) =>
        CheckConvolution(channels, kernel, stride, pad, size, -1f);

    [Theory]
    [MemberData(nameof(ConvData))]
    public void Transform_PadWithOnes_MatchesFloatConvolutionPaddedWithPlusOne(int channels, int kernel, int stride, int pad, int size) =>
        CheckConvolution(channels, kernel, stride, pad, size, 1f);

    private static void CheckConvolution(int channels, int kernel, int stride, int pad, int size, float padValue)
    {
        const int batch = 2, outChannels = 5;
        int seed = channels * 100 + kernel * 10 + stride + pad;
        var rng = new Random(seed);
        int height = size, width = size + 1;
        float[] map = BitTestData.Signs(rng, batch * height * width * channels);
        float[] weights = BitTestData.Signs(rng, outChannels * kernel * kernel * channels); // OHWI
        int outH = BitPooling.OutputSize(height, kernel, stride, pad), outW = BitPooling.OutputSize(width, kernel, stride, pad);
        int patch = kernel * kernel * channels, rowWords = BitIm2Col.PatchWords(channels, kernel, kernel);
        int rows = batch * outH * outW;

        var patches = new ulong[rows * rowWords];
        Array.Fill(patches, ulong.MaxValue);
        BitIm2Col.Transform(BitTestData.Pack(map, batch * height * width, channels), batch, height, width, channels,
            kernel, kernel, stride, stride, pad, pad, padValue > 0, patches);

        var expectedPatches = new float[rows * patch];
        var expectedConv = new int[rows * outChannels];
        for (int b = 0; b < batch; b++)
            for (int oy = 0; oy < outH; oy++)
                for (int ox = 0; ox < outW; ox++)
                {
                    int r = (b * outH + oy) * outW + ox;
                    for (int ky = 0; ky < kernel; ky++)
                        for (int kx = 0; kx < kernel; kx++)
                            for (int c = 0; c < channels; c++)
                                expectedPatches[r * patch + (ky * kernel + kx) * channels + c] =
                                    At(map, height, width, channels, b, oy * stride - pad + ky, ox * stride - pad + kx, c, padValue);
                    for (int o = 0; o < outChannels; o++)
                    {
                        double s = 0;
                        for (int t = 0; t < patch; t++) s += expectedPatches[r * patch + t] * (double)BitTestData.Sign(weights[o * patch + t]);
                        expectedConv[r * outChannels + o] = (int)s;
                    }
                }

        var unpacked = new float[rows * patch];
        BitPacking.UnpackSigns(patches, rows, patch, unpacked);
        BitTestData.Equal<float>(expectedPatches, unpacked, $"patches seed={seed}");
        ulong pad64 = ~BitLayout.LastWordMask(patch);
        for (int r = 0; r < rows; r++) Assert.Equal(0UL, patches[r * rowWords + rowWords - 1] & pad64);

        var conv = new int[rows * outChannels];
        XnorGemm.Multiply(patches, BitTestData.Pack(weights, outChannels, patch), rows, outChannels, patch, conv, 2);
        BitTestData.Equal<int>(expectedConv, conv, $"conv seed={seed}");
    }

    [Theory]
    [MemberData(nameof(ConvData))]
    public void MaxPool_MatchesFloatMaxOfSigns(int channels, int kernel, int stride, int pad, int size)
    {
        const int batch = 2;
        int seed = channels * 7 + kernel + size;
        var rng = new Random(seed);
        int height = size + 1, width = size;
        // Mostly −1 so that windows of all −1 (output −1) occur.
        var map = new float[batch * height * width * channels];
        for (int i = 0; i < map.Length; i++) map[i] = rng.Next(5) == 0 ? 1f : -1f;
        int outH = BitPooling.OutputSize(height, kernel, stride, pad), outW = BitPooling.OutputSize(width, kernel, stride, pad);
        int words = BitLayout.WordsPerRow(channels);
        var pooled = new ulong[batch * outH * outW * words];
        Array.Fill(pooled, ulong.MaxValue);
        BitPooling.MaxPool(BitTestData.Pack(map, batch * height * width, channels), batch, height, width, channels,
            kernel, kernel, stride, stride, pad, pad, pooled);
        var expected = new float[batch * outH * outW * channels];
        for (int b = 0; b < batch; b++)
            for (int oy = 0; oy < outH; oy++)
                for (int ox = 0; ox < outW; ox++)
                    for (int c = 0; c < channels; c++)
                    {
                        float max = float.NegativeInfinity;
                        for (int ky = 0; ky < kernel; ky++)
                            for (int kx = 0; kx < kernel; kx++)
                                max = Math.Max(max, At(map, height, width, channels, b, oy * stride - pad + ky, ox * stride - pad + kx, c));
                        expected[((b * outH + oy) * outW + ox) * channels + c] = max;
                    }
        var actual = new float[expected.Length];
        BitPacking.UnpackSigns(pooled, batch * outH * outW, channels, actual);
        BitTestData.Equal<float>(expected, actual, $"maxpool seed={seed}");
        ulong padBits = ~BitLayout.LastWordMask(channels);
        for (int p = 0; p < batch * outH * outW; p++) Assert.Equal(0UL, pooled[p * words + words - 1] & padBits);
    }

    [Theory]
    [InlineData(1, 2, 2, 4)]
    [InlineData(63, 2, 2, 5)]
    [InlineData(64, 3, 1, 4)]
    [InlineData(130, 2, 1, 3)]
    [InlineData(130, 2, 2, 5)] // the 2×2 stride-2 path with three words per pixel
    public void MaxMinPool_MatchesFloatMaxAndMinOfSigns(int channels, int kernel, int stride, int size)
    {
        const int batch = 2;
        var rng = new Random(channels * 13 + kernel);
        int height = size, width = size + 1;
        var map = new float[batch * height * width * channels];
        for (int i = 0; i < map.Length; i++) map[i] = rng.Next(3) == 0 ? 1f : -1f;
        var minimum = new float[channels];
        for (int c = 0; c < channels; c++) minimum[c] = rng.Next(2) == 0 ? 1f : -1f; // +1: this channel takes the minimum
        int outH = (height - kernel) / stride + 1, outW = (width - kernel) / stride + 1, words = BitLayout.WordsPerRow(channels);
        var pooled = new ulong[batch * outH * outW * words];
        Array.Fill(pooled, ulong.MaxValue);
        BitPooling.MaxMinPool(BitTestData.Pack(map, batch * height * width, channels), batch, height, width, channels, kernel, stride,
            BitTestData.Pack(minimum, 1, channels), pooled);
        var expected = new float[batch * outH * outW * channels];
        for (int b = 0; b < batch; b++)
            for (int oy = 0; oy < outH; oy++)
                for (int ox = 0; ox < outW; ox++)
                    for (int c = 0; c < channels; c++)
                    {
                        bool min = minimum[c] > 0;
                        float value = min ? float.PositiveInfinity : float.NegativeInfinity;
                        for (int ky = 0; ky < kernel; ky++)
                            for (int kx = 0; kx < kernel; kx++)
                            {
                                float v = At(map, height, width, channels, b, oy * stride + ky, ox * stride + kx, c);
                                value = min ? Math.Min(value, v) : Math.Max(value, v);
                            }
                        expected[((b * outH + oy) * outW + ox) * channels + c] = value;
                    }
        var actual = new float[expected.Length];
        BitPacking.UnpackSigns(pooled, batch * outH * outW, channels, actual);
        BitTestData.Equal<float>(expected, actual, $"max-min pool channels={channels}");
        ulong padBits = ~BitLayout.LastWordMask(channels);
        for (int p = 0; p < batch * outH * outW; p++) Assert.Equal(0UL, pooled[p * words + words - 1] & padBits);
    }

    [Fact]
    public void BadGeometry_Throws()
    {
        var input = new ulong[2 * 4 * 4];
        var output = new ulong[1024];
        Assert.Throws<ArgumentOutOfRangeException>(() => BitPooling.MaxPool(input, 2, 4, 4, 10, 2, 2, 2, 2, 2, 0, output));
        Assert.Throws<ArgumentOutOfRangeException>(() => BitPooling.MaxPool(input, 2, 4, 4, 10, 2, 2, 0, 2, 0, 0, output));
        Assert.Throws<ArgumentException>(() => BitIm2Col.Transform(input, 2, 4, 4, 10, 5, 5, 1, 1, 0, 0, output));
        Assert.Throws<ArgumentException>(() => BitIm2Col.Transform(input, 3, 4, 4, 10, 3, 3, 1, 1, 0, 0, output));
        Assert.Throws<ArgumentException>(() => BitIm2Col.Transform(input, 2, 4, 4, 10, 3, 3, 1, 1, 1, 1, new ulong[10]));
        input[7] = 1UL << 20;
        var ex = Assert.Throws<ArgumentException>(() => BitPooling.MaxPool(input, 2, 4, 4, 10, 2, 2, 2, 2, 0, 0, output));
        Assert.Equal("input", ex.ParamName);
    }
}
