using Lowbit.Nn.Layers;

namespace Lowbit.Nn.Models;

/// <summary>
/// Creates zoo layers the way the config builder does: weights drawn from one generator in layer order (Glorot or He
/// uniform), zero biases, quantizers and clipping from a <see cref="LayerPrecision"/>.
/// </summary>
internal sealed class ZooBuilder(Random random, bool glorot)
{
    public Random Random { get; } = random;

    /// <summary>A convolution; with a quantized input it pads with the precision's pad value.</summary>
    public Conv2d Conv(int inChannels, int outChannels, int kernel, int stride, int padding, bool bias,
        LayerPrecision? precision = null, bool quantizeInput = true, int groups = 1)
    {
        var p = precision ?? LayerPrecision.Float;
        var inputQuantizer = quantizeInput ? p.Input?.Invoke() : null;
        var weightQuantizer = p.Weight?.Invoke();
        int[] shape = [outChannels, inChannels / groups, kernel, kernel];
        var init = Weights(shape, inChannels / groups * kernel * kernel, outChannels * kernel * kernel);
        var conv = new Conv2d(inChannels, outChannels, kernel, stride, padding, bias, Random, inputQuantizer, weightQuantizer, init, groups,
            inputQuantizer is null ? 0 : p.PadValue);
        if (weightQuantizer is not null) p.Configure(conv);
        return conv;
    }

    /// <summary>A dense layer.</summary>
    public Linear Dense(int inFeatures, int outFeatures, bool bias = true, LayerPrecision? precision = null, bool quantizeInput = true)
    {
        var p = precision ?? LayerPrecision.Float;
        var inputQuantizer = quantizeInput ? p.Input?.Invoke() : null;
        var weightQuantizer = p.Weight?.Invoke();
        var layer = new Linear(inFeatures, outFeatures, bias, Random, inputQuantizer, weightQuantizer, Weights([outFeatures, inFeatures], inFeatures, outFeatures));
        if (weightQuantizer is not null) p.Configure(layer);
        return layer;
    }

    private Tensors.Tensor Weights(int[] shape, int fanIn, int fanOut) =>
        glorot ? Init.GlorotUniform(Random, shape, fanIn, fanOut) : Init.HeUniform(Random, shape, fanIn);
}
