namespace Lowbit.Data.Tests;

public sealed class ImageAugmenterTests
{
    /// <summary>Independent oracle: build the zero-padded image explicitly, cut the crop, mirror it, then normalise.</summary>
    private static float[] Reference(
        NormalizationOptions normalization, byte[] pixels, int channels, int height, int width, int padding, CropFlip draw)
    {
        int paddedHeight = height + 2 * padding, paddedWidth = width + 2 * padding;
        var padded = new byte[channels, paddedHeight, paddedWidth];
        for (int c = 0; c < channels; c++)
        {
            for (int y = 0; y < height; y++)
            {
                for (int x = 0; x < width; x++)
                {
                    padded[c, y + padding, x + padding] = pixels[(c * height + y) * width + x];
                }
            }
        }

        var bytes = new byte[channels * height * width];
        for (int c = 0; c < channels; c++)
        {
            for (int y = 0; y < height; y++)
            {
                for (int x = 0; x < width; x++)
                {
                    int cropX = draw.Flip ? width - 1 - x : x;
                    bytes[(c * height + y) * width + x] = padded[c, y + draw.OffsetY, cropX + draw.OffsetX];
                }
            }
        }

        var result = new float[bytes.Length];
        normalization.Apply(bytes, channels, result);
        return result;
    }

    private static float[] Augmented(
        NormalizationOptions normalization, byte[] pixels, int channels, int height, int width, int padding, CropFlip draw)
    {
        var result = new float[pixels.Length];
        ImageAugmenter.Apply(normalization, pixels, channels, height, width, padding, draw, result);
        return result;
    }

    private static byte[] RandomImage(Random random, int length)
    {
        var pixels = new byte[length];
        random.NextBytes(pixels);
        return pixels;
    }

    [Theory]
    [InlineData(3, 32, 32, 4)]
    [InlineData(1, 5, 7, 2)]
    [InlineData(2, 3, 2, 5)] // padding larger than the image: some crops are all padding
    [InlineData(1, 1, 1, 0)]
    public void Apply_EveryOffsetAndFlip_MatchesPaddedCropReference(int channels, int height, int width, int padding)
    {
        var random = new Random(11);
        byte[] pixels = RandomImage(random, channels * height * width);
        var normalization = NormalizationOptions.Standardize([.. Enumerable.Range(0, channels).Select(c => 0.3 + 0.1 * c)], [.. Enumerable.Repeat(0.25, channels)]);
        for (int offsetY = 0; offsetY <= 2 * padding; offsetY++)
        {
            for (int offsetX = 0; offsetX <= 2 * padding; offsetX++)
            {
                foreach (bool flip in new[] { false, true })
                {
                    var draw = new CropFlip(offsetY, offsetX, flip);
                    Assert.True(
                        Reference(normalization, pixels, channels, height, width, padding, draw)
                            .SequenceEqual(Augmented(normalization, pixels, channels, height, width, padding, draw)),
                        $"{channels}x{height}x{width}, padding {padding}, draw {draw}");
                }
            }
        }
    }

    [Fact]
    public void Apply_CentredWithoutFlip_IsPlainNormalisation()
    {
        byte[] pixels = RandomImage(new Random(3), 3 * 8 * 8);
        var plain = new float[pixels.Length];
        NormalizationOptions.PlusMinusOne.Apply(pixels, 3, plain);
        Assert.Equal(plain, Augmented(NormalizationOptions.PlusMinusOne, pixels, 3, 8, 8, 4, new CropFlip(4, 4, false)));
    }

    [Fact]
    public void Apply_HandExample_ShiftFlipAndPaddingValue()
    {
        // 1 channel, 2x3 image [[1, 2, 3], [4, 5, 6]], padding 1, crop starting at padded (0, 2), mirrored:
        // padded rows are [0 0 0 0 0], [0 1 2 3 0], [0 4 5 6 0]; the crop at column 2 is [[0 0 0], [2 3 0]], mirrored [[0 0 0], [0 3 2]].
        byte[] pixels = [1, 2, 3, 4, 5, 6];
        float[] result = Augmented(NormalizationOptions.Standardize([0.5], [0.5]), pixels, 1, 2, 3, 1, new CropFlip(0, 2, true));
        float Expected(byte b) => (float)((b / 255.0 - 0.5) / 0.5);
        Assert.Equal(new[] { Expected(0), Expected(0), Expected(0), Expected(0), Expected(3), Expected(2) }, result);
        Assert.Equal(-1f, result[0]); // padding is byte 0, so it standardises to (0 - mean) / std, not to 0
    }

    [Fact]
    public void Apply_OffsetOutsidePaddedImage_Throws()
    {
        var ex = Assert.Throws<ArgumentException>(() => Augmented(NormalizationOptions.ZeroOne, new byte[4], 1, 2, 2, 1, new CropFlip(3, 0, false)));
        Assert.Contains("must lie in 0..2 for padding 1", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Draw_PinnedValues_MatchIndependentOracle()
    {
        // From epoch_order_oracle.py (SplitMix64 seeded with the mix of (seed, epoch, index); Lemire bounded draws).
        (int, int, int)[] epoch0 = [(7, 4, 0), (1, 7, 1), (5, 8, 0), (0, 5, 1), (8, 6, 0), (2, 6, 1)];
        (int, int, int)[] epoch3 = [(3, 5, 0), (0, 6, 0), (3, 0, 0), (2, 7, 1), (0, 7, 0), (8, 5, 1)];
        for (int i = 0; i < 6; i++)
        {
            Assert.Equal(epoch0[i], Tuple(ImageAugmenter.Draw(AugmentationOptions.Cifar10Standard, 42, 0, i)));
            Assert.Equal(epoch3[i], Tuple(ImageAugmenter.Draw(AugmentationOptions.Cifar10Standard, 42, 3, i)));
        }

        static (int, int, int) Tuple(CropFlip d) => (d.OffsetY, d.OffsetX, d.Flip ? 1 : 0);
    }

    [Fact]
    public void Draw_DisabledParts_NoShiftNoFlip()
    {
        var cropOnly = new AugmentationOptions { CropPadding = 4 };
        var flipOnly = new AugmentationOptions { HorizontalFlip = true };
        for (int i = 0; i < 200; i++)
        {
            CropFlip full = ImageAugmenter.Draw(AugmentationOptions.Cifar10Standard, 5, 1, i);
            Assert.Equal(full with { Flip = false }, ImageAugmenter.Draw(cropOnly, 5, 1, i));
            Assert.Equal(new CropFlip(0, 0, full.Flip), ImageAugmenter.Draw(flipOnly, 5, 1, i));
        }
    }

    [Fact]
    public void Draw_OffsetsUniformAndFlipHalf()
    {
        var rows = new int[9];
        var columns = new int[9];
        int flips = 0;
        const int Draws = 18000;
        for (int i = 0; i < Draws; i++)
        {
            CropFlip d = ImageAugmenter.Draw(AugmentationOptions.Cifar10Standard, 1, 2, i);
            rows[d.OffsetY]++;
            columns[d.OffsetX]++;
            flips += d.Flip ? 1 : 0;
        }

        // Expected 2000 per offset (sd about 42) and 9000 flips (sd 67); the bounds are about 5 sd.
        Assert.All(rows, n => Assert.InRange(n, 1790, 2210));
        Assert.All(columns, n => Assert.InRange(n, 1790, 2210));
        Assert.InRange(flips, 8660, 9340);
    }

    [Fact]
    public void Draw_DependsOnSeedEpochAndIndex()
    {
        CropFlip[] Draws(int seed, int epoch) => [.. Enumerable.Range(0, 64).Select(i => ImageAugmenter.Draw(AugmentationOptions.Cifar10Standard, seed, epoch, i))];
        Assert.Equal(Draws(1, 0), Draws(1, 0));
        Assert.NotEqual(Draws(1, 0), Draws(2, 0));
        Assert.NotEqual(Draws(1, 0), Draws(1, 1));
        Assert.True(Draws(1, 0).Distinct().Count() > 40);
    }

    [Fact]
    public void CropPadding_Negative_Throws() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new AugmentationOptions { CropPadding = -1 });
}
