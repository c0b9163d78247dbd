using Lowbit.Nn.Layers;

namespace Lowbit.Nn.Models;

/// <summary>
/// Networks of the literature, built in C#; each has a config in configs/ with the same name that builds the same
/// module tree with the same parameter names, shapes and (for the same seed) initial values
/// (<c>Zoo.ResNet20(random)</c> ↔ configs/cifar10-resnet20.json). The configs state each network's source recipe and
/// Lowbit's deviations from it.
/// </summary>
/// <remarks>
/// Initialisation: weights are drawn from <c>random</c> in layer order (Glorot uniform for LeNet-5 and VGG-small, He
/// uniform for the residual and MobileNet-style networks), biases start at zero.
/// </remarks>
public static partial class Zoo
{
    /// <summary>
    /// LeNet-5 for 1×28×28 inputs (LeCun et al. 1998) with ReLU and max pooling: conv 6@5×5 (padding 2) → ReLU → max-pool 2
    /// → conv 16@5×5 → ReLU → max-pool 2 → dense 120 → ReLU → dense 84 → ReLU → dense <paramref name="classes"/>. 61,706 parameters.
    /// </summary>
    /// <param name="random">Generator for initialisation.</param>
    /// <param name="classes">Output classes.</param>
    /// <returns>The model (configs/mnist-lenet5.json).</returns>
    public static Sequential LeNet5(Random random, int classes = 10)
    {
        var b = new ZooBuilder(random, glorot: true);
        return new Sequential(
            b.Conv(1, 6, 5, 1, 2, bias: true), new Relu(), new MaxPool2d(2),
            b.Conv(6, 16, 5, 1, 0, bias: true), new Relu(), new MaxPool2d(2),
            new Flatten(),
            b.Dense(16 * 5 * 5, 120), new Relu(),
            b.Dense(120, 84), new Relu(),
            b.Dense(84, classes));
    }

    /// <summary>
    /// VGG-small, the BinaryNet / QNN CIFAR-10 network (Courbariaux, Hubara et al. 2016): 2×128C3 – MP2 – 2×256C3 – MP2 –
    /// 2×512C3 – MP2 – 2×1024FC – <paramref name="classes"/>, channel and unit counts scaled by <paramref name="width"/>;
    /// batch norm after every layer (before the sign, after the max pooling as in BinaryNet). Binary: every layer has
    /// ste_sign weights clipped to [−1, 1] (the first takes real pixels, the others ste_sign inputs) and no bias; float:
    /// real layers with ReLU after each batch norm but the last.
    /// </summary>
    /// <param name="random">Generator for initialisation.</param>
    /// <param name="binary">BinaryNet (true) or the float network (false).</param>
    /// <param name="width">Width multiplier (e.g. 0.25: 32-32-64-64-128-128 channels, 256 units).</param>
    /// <param name="classes">Output classes.</param>
    /// <returns>The model (configs/cifar10-vgg-small-*.json).</returns>
    public static Sequential VggSmall(Random random, bool binary = true, double width = 1.0, int classes = 10)
    {
        if (!(width > 0) || double.IsInfinity(width)) throw new ArgumentOutOfRangeException(nameof(width), width, "VGG-small width multiplier must be positive.");
        var b = new ZooBuilder(random, glorot: true);
        var p = binary ? LayerPrecision.Binary : LayerPrecision.Float;
        int[] widths = [128, 128, 256, 256, 512, 512];
        var model = new Sequential();
        int channels = 3;
        for (int i = 0; i < widths.Length; i++)
        {
            int filters = Scaled(widths[i], width);
            model.Add(b.Conv(channels, filters, 3, 1, 1, bias: !binary, p, quantizeInput: i > 0));
            if (i % 2 == 1) model.Add(new MaxPool2d(2));
            model.Add(new BatchNorm2d(filters, epsilon: binary ? 1e-4 : 1e-5));
            if (!binary) model.Add(new Relu());
            channels = filters;
        }
        model.Add(new Flatten());
        int features = channels * 4 * 4, units = Scaled(1024, width);
        for (int i = 0; i < 3; i++)
        {
            int outFeatures = i < 2 ? units : classes;
            model.Add(b.Dense(features, outFeatures, bias: !binary, p, quantizeInput: true));
            model.Add(new BatchNorm1d(outFeatures, epsilon: binary ? 1e-4 : 1e-5));
            if (!binary && i < 2) model.Add(new Relu());
            features = outFeatures;
        }
        return model;
    }

    /// <summary>
    /// A small depthwise-separable (MobileNet-style, Howard et al. 2017) network for 3×32×32 inputs: conv 3×3 32 → BN →
    /// ReLU, then depthwise 3×3 → BN → ReLU → pointwise 1×1 → BN → ReLU blocks with 64, 128 (stride 2), 128, 256 (stride 2),
    /// 256, 512 (stride 2) output channels (scaled by <paramref name="width"/>), global average pooling and a dense layer.
    /// </summary>
    /// <param name="random">Generator for initialisation.</param>
    /// <param name="width">Width multiplier α.</param>
    /// <param name="classes">Output classes.</param>
    /// <returns>The model (configs/cifar10-mobilenet-small.json).</returns>
    public static Sequential MobileNetSmall(Random random, double width = 1.0, int classes = 10)
    {
        if (!(width > 0) || double.IsInfinity(width)) throw new ArgumentOutOfRangeException(nameof(width), width, "MobileNet width multiplier must be positive.");
        var b = new ZooBuilder(random, glorot: false);
        int channels = Scaled(32, width);
        var model = new Sequential(b.Conv(3, channels, 3, 1, 1, bias: false), new BatchNorm2d(channels), new Relu());
        foreach (var (outChannels, stride) in new[] { (64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2) })
        {
            int filters = Scaled(outChannels, width);
            model.Add(b.Conv(channels, channels, 3, stride, 1, bias: false, groups: channels));
            model.Add(new BatchNorm2d(channels));
            model.Add(new Relu());
            model.Add(b.Conv(channels, filters, 1, 1, 0, bias: false));
            model.Add(new BatchNorm2d(filters));
            model.Add(new Relu());
            channels = filters;
        }
        model.Add(new GlobalAvgPool2d());
        model.Add(b.Dense(channels, classes));
        return model;
    }

    /// <summary>round(count·width), at least 1.</summary>
    internal static int Scaled(int count, double width) => Math.Max(1, (int)Math.Round(count * width, MidpointRounding.AwayFromZero));
}
