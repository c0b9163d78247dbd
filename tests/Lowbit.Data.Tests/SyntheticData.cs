namespace Lowbit.Data.Tests;

internal static class SyntheticData
{
    /// <summary>count images of channels x 2 x 2; image i has every pixel of channel c equal to (i * 3 + c) mod 256 and label i mod classes.</summary>
    public static ImageDataset Make(int count, int channels = 1, int classes = 10)
    {
        int sampleSize = channels * 4;
        var pixels = new byte[count * sampleSize];
        var labels = new byte[count];
        for (int i = 0; i < count; i++)
        {
            for (int c = 0; c < channels; c++)
            {
                pixels.AsSpan(i * sampleSize + c * 4, 4).Fill((byte)((i * 3 + c) % 256));
            }

            labels[i] = (byte)(i % classes);
        }

        return new ImageDataset("synthetic", channels, 2, 2, pixels, labels, classes);
    }
}
