namespace Lowbit.Data;

/// <summary>
/// One image's augmentation: crop offsets into the padded image (0..2·padding) and whether the crop is mirrored.
/// </summary>
/// <param name="OffsetY">Row of the padded image that becomes row 0 of the crop.</param>
/// <param name="OffsetX">Column of the padded image that becomes column 0 of the crop (before any flip).</param>
/// <param name="Flip">Mirror the crop left to right.</param>
public readonly record struct CropFlip(int OffsetY, int OffsetX, bool Flip);

/// <summary>
/// Seeded random crop and flip applied while bytes are converted to normalised floats (see
/// <see cref="AugmentationOptions"/> for the recipe).
/// </summary>
/// <remarks>
/// Determinism: image <c>index</c> of the dataset in epoch <c>epoch</c> draws from a SplitMix64 generator seeded with
/// a mix of (seed, epoch, index), three values in a fixed order (crop row, crop column, flip) whatever the options,
/// so the augmentation of an image does not depend on batch size, prefetching, thread count or on which batches ran
/// before it: a run resumed mid-epoch sees exactly the images an uninterrupted run sees.
/// Output pixel (c, y, x) = padded[c, y + OffsetY, x' + OffsetX] with x' = W - 1 - x when flipped, else x, where
/// padded is the image with <c>padding</c> zero bytes on every side; the byte then goes through the per-channel
/// normalisation table.
/// </remarks>
public static class ImageAugmenter
{
    /// <summary>The crop offsets and flip of image <paramref name="index"/> in epoch <paramref name="epoch"/>.</summary>
    /// <param name="options">The augmentation; a disabled part gives offset = padding (no shift) or no flip.</param>
    /// <param name="seed">The run's seed.</param>
    /// <param name="epoch">Epoch number (0-based).</param>
    /// <param name="index">Index of the image in its dataset.</param>
    public static CropFlip Draw(AugmentationOptions options, int seed, int epoch, int index)
    {
        ArgumentNullException.ThrowIfNull(options);
        var generator = new SplitMix64(SplitMix64.ImageSeed(seed, epoch, index));
        uint span = 2 * (uint)options.CropPadding + 1;
        int offsetY = (int)generator.NextBelow(span);
        int offsetX = (int)generator.NextBelow(span);
        bool flip = (generator.Next() >> 63) != 0;
        return new CropFlip(offsetY, offsetX, options.HorizontalFlip && flip);
    }

    /// <summary>
    /// Writes the augmented, normalised image: crop of <paramref name="pixels"/> padded by <paramref name="padding"/>
    /// zero bytes, at <paramref name="draw"/>'s offsets, mirrored when it says so.
    /// </summary>
    /// <param name="normalization">Byte-to-float mapping (per channel).</param>
    /// <param name="pixels">Source image, [channels, height, width] bytes.</param>
    /// <param name="channels">Channel count.</param>
    /// <param name="height">Image height.</param>
    /// <param name="width">Image width.</param>
    /// <param name="padding">Zero padding on each side; draw offsets must lie in 0..2·padding.</param>
    /// <param name="draw">Offsets and flip, usually from <see cref="Draw"/>.</param>
    /// <param name="destination">Receives channels·height·width floats.</param>
    /// <exception cref="ArgumentException">Sizes disagree or an offset is outside 0..2·padding.</exception>
    public static void Apply(
        NormalizationOptions normalization, ReadOnlySpan<byte> pixels, int channels, int height, int width, int padding,
        CropFlip draw, Span<float> destination)
    {
        ArgumentNullException.ThrowIfNull(normalization);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegative(padding);
        ApplyWithTable(normalization.BuildTable(channels), pixels, channels, height, width, padding, draw, destination);
    }

    internal static void ApplyWithTable(
        ReadOnlySpan<float> table, ReadOnlySpan<byte> pixels, int channels, int height, int width, int padding,
        CropFlip draw, Span<float> destination)
    {
        int planeSize = height * width;
        if (pixels.Length != channels * planeSize || destination.Length != pixels.Length)
        {
            throw new ArgumentException(
                $"Expected {channels}x{height}x{width} = {channels * planeSize} source bytes and as many destination floats; " +
                $"got {pixels.Length} bytes and {destination.Length} floats.", nameof(destination));
        }

        if ((uint)draw.OffsetY > 2u * (uint)padding || (uint)draw.OffsetX > 2u * (uint)padding)
        {
            throw new ArgumentException(
                $"Crop offsets ({draw.OffsetY}, {draw.OffsetX}) must lie in 0..{2 * padding} for padding {padding}.", nameof(draw));
        }

        int shiftY = draw.OffsetY - padding, shiftX = draw.OffsetX - padding;
        for (int c = 0; c < channels; c++)
        {
            ReadOnlySpan<float> channelTable = table.Slice(c * 256, 256);
            float padValue = channelTable[0];
            ReadOnlySpan<byte> plane = pixels.Slice(c * planeSize, planeSize);
            Span<float> target = destination.Slice(c * planeSize, planeSize);
            for (int y = 0; y < height; y++)
            {
                Span<float> row = target.Slice(y * width, width);
                int sourceY = y + shiftY;
                if ((uint)sourceY >= (uint)height)
                {
                    row.Fill(padValue);
                    continue;
                }

                WriteRow(channelTable, plane.Slice(sourceY * width, width), shiftX, draw.Flip, padValue, row);
            }
        }
    }

    /// <summary>row[x] = table[source[x' + shiftX]] (x' = x, or width - 1 - x when flipped), padValue outside the source.</summary>
    private static void WriteRow(ReadOnlySpan<float> table, ReadOnlySpan<byte> source, int shiftX, bool flip, float padValue, Span<float> row)
    {
        int width = row.Length;
        // Unflipped, x reads source column x + shiftX, valid for x in [max(0, -shiftX), min(width, width - shiftX)).
        int first = Math.Clamp(-shiftX, 0, width), end = Math.Clamp(width - shiftX, first, width);
        if (!flip)
        {
            row[..first].Fill(padValue);
            for (int x = first; x < end; x++)
            {
                row[x] = table[source[x + shiftX]];
            }

            row[end..].Fill(padValue);
            return;
        }

        // Flipped, x reads the unflipped column width - 1 - x: the valid x range mirrors to (width - end, width - first].
        row[..(width - end)].Fill(padValue);
        for (int x = width - end; x < width - first; x++)
        {
            row[x] = table[source[width - 1 - x + shiftX]];
        }

        row[(width - first)..].Fill(padValue);
    }
}
