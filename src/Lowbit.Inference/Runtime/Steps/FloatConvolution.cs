using Lowbit.Inference.Format;
using Lowbit.Tensors;
using Lowbit.Tensors.Autograd;

namespace Lowbit.Inference.Runtime.Steps;

/// <summary>
/// Float32 convolutions computed with the training model's own operations (<c>Conv2d.Forward</c>: the padding value
/// through <see cref="Tensor.Pad2d"/>, then <see cref="Tensor.Conv2d"/> with the bias), so that their values are the
/// model's bit for bit whatever kernel <see cref="Tensor.Conv2d"/> picks for the shape.
/// </summary>
internal static class FloatConvolution
{
    /// <summary>The convolution of <paramref name="images"/> images of pixels through the per-channel tables: <c>[m, O, OH, OW]</c>.</summary>
    public static ReadOnlySpan<float> Run(ReadOnlySpan<byte> pixels, int images, ConvGeometry g, float[] tables, Tensor weights, Tensor? bias, int threads) =>
        Run(Pixels(pixels, images, g, tables), g, weights, bias, threads);

    /// <summary>The pixels through the per-channel tables as a tensor <c>[m, C, H, W]</c>.</summary>
    public static Tensor Pixels(ReadOnlySpan<byte> pixels, int images, ConvGeometry g, float[] tables)
    {
        int plane = g.InHeight * g.InWidth, size = g.InChannels * plane;
        var x = new float[images * size];
        for (int i = 0; i < images; i++)
            for (int c = 0; c < g.InChannels; c++)
            {
                var table = tables.AsSpan(c * PackedModel.PixelTableSize, PackedModel.PixelTableSize);
                var src = pixels.Slice(i * size + c * plane, plane);
                var dst = x.AsSpan(i * size + c * plane, plane);
                for (int t = 0; t < plane; t++) dst[t] = table[src[t]];
            }
        return Tensor.FromArray(x, images, g.InChannels, g.InHeight, g.InWidth);
    }

    /// <summary>The convolution of a float input <c>[m, C, H, W]</c>: <c>[m, O, OH, OW]</c>.</summary>
    public static ReadOnlySpan<float> Run(Tensor input, ConvGeometry g, Tensor weights, Tensor? bias, int threads)
    {
        using var noGrad = GradMode.Disable();
        using var computeThreads = Compute.UseThreads(threads);
        return Convolve(input, g, weights, bias).AsSpan();
    }

    /// <summary>The convolution as <c>Conv2d.Forward</c> computes it (callers hold GradMode.Disable and the thread count).</summary>
    public static Tensor Convolve(Tensor input, ConvGeometry g, Tensor weights, Tensor? bias)
    {
        int padding = g.Padding;
        if (g.PadValue != 0 && padding > 0)
        {
            input = Tensor.Pad2d(input, padding, g.PadValue);
            padding = 0;
        }
        return Tensor.Conv2d(input, weights, bias, g.Stride, padding);
    }
}
