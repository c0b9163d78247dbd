namespace Lowbit.Data;

/// <summary>
/// Random training-time augmentation of images: a random crop from a zero-padded image and a random horizontal
/// flip (the standard CIFAR-10 recipe of He et al. 2016, "Deep Residual Learning for Image Recognition", sec. 4.2).
/// </summary>
/// <remarks>
/// The crop pads every side with <see cref="CropPadding"/> pixels of byte value 0 (black, as torchvision's
/// <c>RandomCrop(32, padding=4)</c> on an image before <c>ToTensor</c>), then cuts an image of the original size at an
/// offset drawn uniformly from 0..2·padding in each direction; the flip mirrors the crop left to right with
/// probability 1/2. Padding pixels then go through the same normalisation as every other byte, so after
/// standardisation they equal (0 - mean[c]) / std[c], not 0. The draws are a pure function of
/// (seed, epoch, dataset index of the image); see <see cref="ImageAugmenter"/>.
/// </remarks>
public sealed record AugmentationOptions
{
    /// <summary>No augmentation.</summary>
    public static AugmentationOptions None { get; } = new();

    /// <summary>The usual CIFAR-10 setting: 4-pixel padding crop and horizontal flip.</summary>
    public static AugmentationOptions Cifar10Standard { get; } = new() { CropPadding = 4, HorizontalFlip = true };

    /// <summary>Pixels of zero padding on each side before the random crop; 0 disables cropping.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Negative, or above <see cref="MaxCropPadding"/>.</exception>
    public int CropPadding
    {
        get;
        init
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value, nameof(CropPadding));
            ArgumentOutOfRangeException.ThrowIfGreaterThan(value, MaxCropPadding, nameof(CropPadding));
            field = value;
        }
    }

    /// <summary>Mirror each image left to right with probability 1/2.</summary>
    public bool HorizontalFlip { get; init; }

    /// <summary>Largest accepted <see cref="CropPadding"/>.</summary>
    public const int MaxCropPadding = 1024;

    /// <summary>True when neither cropping nor flipping is enabled.</summary>
    public bool IsNone => CropPadding == 0 && !HorizontalFlip;
}
