using Lowbit.Nn.Layers;

namespace Lowbit.Nn.Models;

public static partial class Zoo
{
    /// <summary>
    /// ResNet-20 for CIFAR-10 (He et al. 2016, section 4.2): conv 3×3 16 → BN → ReLU; three stages of three basic blocks
    /// (16, 32, 64 channels; the first block of stages 2 and 3 has stride 2) with parameter-free option-A shortcuts
    /// (subsample + zero channels) and ReLU after each sum; global average pooling; dense <paramref name="classes"/>.
    /// 269,722 parameters, 40.55 M MACs per 3×32×32 image.
    /// </summary>
    /// <param name="random">Generator for initialisation (He uniform).</param>
    /// <param name="classes">Output classes.</param>
    /// <returns>The model (configs/cifar10-resnet20.json).</returns>
    public static Sequential ResNet20(Random random, int classes = 10) => ResNet20Standard(random, LayerPrecision.Float, classes);

    /// <summary>
    /// ResNet-20 with DoReFa-Net quantization (Zhou et al. 2016) of every convolution inside the residual blocks:
    /// <paramref name="weightBits"/>-bit dorefa_weight weights and <paramref name="activationBits"/>-bit dorefa_act inputs.
    /// The first convolution and the last dense layer stay real; the option-A shortcuts have no parameters.
    /// </summary>
    /// <param name="random">Generator for initialisation (He uniform).</param>
    /// <param name="weightBits">Weight bits (1 or 2 in the zoo configs).</param>
    /// <param name="activationBits">Activation bits.</param>
    /// <param name="classes">Output classes.</param>
    /// <returns>The model (configs/cifar10-resnet20-dorefa-w1a2.json, -w2a2.json).</returns>
    public static Sequential ResNet20DoReFa(Random random, int weightBits, int activationBits, int classes = 10) =>
        ResNet20Standard(random, LayerPrecision.DoReFa(weightBits, activationBits), classes);

    /// <summary>
    /// Binary ResNet-20 in the Bi-Real / IR-Net structure (Liu et al. 2018; Qin et al. 2020): a real-valued shortcut around
    /// every binary convolution. Real conv 3×3 16 → BN → hard tanh; then per basic block two units
    /// residual(binary conv 3×3 → BN) → hard tanh, the first unit of stages 2 and 3 with stride 2 and an option-A shortcut;
    /// global average pooling → BN → real dense <paramref name="classes"/>. Binary convolutions: ste_sign inputs (pad +1)
    /// and ste_sign weights clipped to [−1, 1], no bias.
    /// </summary>
    /// <param name="random">Generator for initialisation (He uniform).</param>
    /// <param name="classes">Output classes.</param>
    /// <returns>The model (configs/cifar10-resnet20-binary.json).</returns>
    public static Sequential ResNet20Binary(Random random, int classes = 10)
    {
        var b = new ZooBuilder(random, glorot: false);
        var p = LayerPrecision.Binary;
        var model = new Sequential(b.Conv(3, 16, 3, 1, 1, bias: false), new BatchNorm2d(16), new HardTanh());
        int channels = 16;
        foreach (var (filters, stride) in Stages())
        {
            var body = new Sequential(b.Conv(channels, filters, 3, stride, 1, bias: false, p), new BatchNorm2d(filters));
            model.Add(new Residual(body, Shortcut(channels, filters, stride)));
            model.Add(new HardTanh());
            model.Add(new Residual(new Sequential(b.Conv(filters, filters, 3, 1, 1, bias: false, p), new BatchNorm2d(filters))));
            model.Add(new HardTanh());
            channels = filters;
        }
        model.Add(new GlobalAvgPool2d());
        model.Add(new BatchNorm1d(channels));
        model.Add(b.Dense(channels, classes));
        return model;
    }

    private static Sequential ResNet20Standard(Random random, LayerPrecision precision, int classes)
    {
        var b = new ZooBuilder(random, glorot: false);
        var model = new Sequential(b.Conv(3, 16, 3, 1, 1, bias: false), new BatchNorm2d(16), new Relu());
        int channels = 16;
        foreach (var (filters, stride) in Stages())
        {
            var body = new Sequential(
                b.Conv(channels, filters, 3, stride, 1, bias: false, precision), new BatchNorm2d(filters), new Relu(),
                b.Conv(filters, filters, 3, 1, 1, bias: false, precision), new BatchNorm2d(filters));
            model.Add(new Residual(body, Shortcut(channels, filters, stride)));
            model.Add(new Relu());
            channels = filters;
        }
        model.Add(new GlobalAvgPool2d());
        model.Add(b.Dense(channels, classes));
        return model;
    }

    /// <summary>(filters, stride) of the nine basic blocks of ResNet-20.</summary>
    private static IEnumerable<(int Filters, int Stride)> Stages()
    {
        foreach (int filters in new[] { 16, 32, 64 })
            for (int block = 0; block < 3; block++)
                yield return (filters, block == 0 && filters > 16 ? 2 : 1);
    }

    /// <summary>Identity, or option A (subsample, zero channels half in front and half behind) when the block changes shape.</summary>
    private static Sequential? Shortcut(int inChannels, int outChannels, int stride) =>
        stride == 1 && inChannels == outChannels ? null
            : new Sequential(new ChannelPadShortcut(stride, (outChannels - inChannels) / 2, outChannels - inChannels - (outChannels - inChannels) / 2));
}
