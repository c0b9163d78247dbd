using Lowbit.Quantization;
using Lowbit.Tensors;

namespace Lowbit.Nn.Layers;

/// <summary>
/// 2-D convolution with optional input and weight quantizers (Larq's QuantConv2D convention).
/// Zero padding is applied to the (quantized) input, so padded positions contribute 0.
/// </summary>
public class Conv2d : QuantizedLayer
{
    /// <summary>Creates the layer.</summary>
    public Conv2d(int inChannels, int outChannels, int kernelSize, int stride, int padding, bool bias, Random random,
        Quantizer? inputQuantizer = null, Quantizer? weightQuantizer = null)
        : base(InitialWeight(inChannels, outChannels, kernelSize, random), bias ? outChannels : 0, inputQuantizer, weightQuantizer)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(stride, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(padding);
        InChannels = inChannels;
        OutChannels = outChannels;
        KernelSize = kernelSize;
        Stride = stride;
        Padding = padding;
    }

    private static Tensor InitialWeight(int inChannels, int outChannels, int kernelSize, Random random)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(inChannels, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(outChannels, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(kernelSize, 1);
        ArgumentNullException.ThrowIfNull(random);
        int fanIn = inChannels * kernelSize * kernelSize, fanOut = outChannels * kernelSize * kernelSize;
        return Init.GlorotUniform(random, [outChannels, inChannels, kernelSize, kernelSize], fanIn, fanOut);
    }

    /// <summary>Input channels.</summary>
    public int InChannels { get; }

    /// <summary>Output channels.</summary>
    public int OutChannels { get; }

    /// <summary>Square kernel size.</summary>
    public int KernelSize { get; }

    /// <summary>Stride.</summary>
    public int Stride { get; }

    /// <summary>Zero padding.</summary>
    public int Padding { get; }

    /// <inheritdoc/>
    public override Tensor Forward(Tensor x)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (x.Rank != 4 || x.Dim(1) != InChannels)
            throw new ArgumentException($"Conv2d expects input [batch, {InChannels}, height, width] but got {ShapeUtil.Format(x.ShapeSpan)}.", nameof(x));
        if (InputQuantizer?.Quantizer.ConvOutputScale(x, InputQuantizer.Context) is { } split)
            return ForwardWithOutputScale(split.Quantized, split.Magnitude);
        var input = QuantizeInput(x);
        if (InputQuantizer?.Quantizer.WeightGradientInput(input, InputQuantizer.Context) is not null)
            throw new NotSupportedException($"Conv2d does not support input quantizer '{InputQuantizer.Quantizer.Name}' (a separate weight-gradient input); use it on dense layers.");
        return Tensor.Conv2d(input, EffectiveWeight(), Bias?.Value, Stride, Padding);
    }

    /// <summary>
    /// XNOR-Net's K: y = (q ⊛ W) ⊙ (A ⊛ box) + b, where the box filter is the k×k mean with this layer's stride and zero
    /// padding (<see cref="Quantizer.ConvOutputScale"/>).
    /// </summary>
    private Tensor ForwardWithOutputScale(Tensor quantized, Tensor magnitude)
    {
        var y = Tensor.Conv2d(quantized, EffectiveWeight(), null, Stride, Padding);
        var box = Tensor.Full(magnitude.DType, 1.0 / (KernelSize * KernelSize), 1, 1, KernelSize, KernelSize);
        y = Tensor.Mul(y, Tensor.Conv2d(magnitude, box, null, Stride, Padding));
        return Bias is null ? y : Tensor.Add(y, Bias.Value.Reshape(1, OutChannels, 1, 1));
    }

    /// <inheritdoc/>
    public override int[] OutputShape(int[] inputShape)
    {
        ArgumentNullException.ThrowIfNull(inputShape);
        if (inputShape.Length != 3 || inputShape[0] != InChannels)
            throw new ArgumentException($"Conv2d({InChannels} → {OutChannels}) expects input [{InChannels}, height, width] per example but receives {ShapeUtil.Format(inputShape)}.");
        int oh = (inputShape[1] + 2 * Padding - KernelSize) / Stride + 1, ow = (inputShape[2] + 2 * Padding - KernelSize) / Stride + 1;
        if (oh < 1 || ow < 1)
            throw new ArgumentException($"Conv2d kernel {KernelSize} with padding {Padding} does not fit input {ShapeUtil.Format(inputShape)}.");
        return [OutChannels, oh, ow];
    }

    /// <inheritdoc/>
    public override string Describe() => $"{GetType().Name}({InChannels} → {OutChannels}, k{KernelSize} s{Stride} p{Padding}{QuantizerSuffix()})";
}

/// <summary>A <see cref="Conv2d"/> that must have a weight quantizer.</summary>
public sealed class QuantConv2d : Conv2d
{
    /// <summary>Creates the layer; see <see cref="Conv2d"/>.</summary>
    public QuantConv2d(int inChannels, int outChannels, int kernelSize, int stride, int padding, bool bias, Random random, Quantizer? inputQuantizer, Quantizer weightQuantizer)
        : base(inChannels, outChannels, kernelSize, stride, padding, bias, random, inputQuantizer, weightQuantizer ?? throw new ArgumentNullException(nameof(weightQuantizer)))
    {
    }
}
