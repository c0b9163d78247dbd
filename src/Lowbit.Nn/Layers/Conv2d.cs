using Lowbit.Quantization;
using Lowbit.Tensors;

namespace Lowbit.Nn.Layers;

/// <summary>
/// 2-D convolution with optional input and weight quantizers (Larq's QuantConv2D convention), stride, padding with a
/// constant pad value, and groups (groups = input channels = output channels / multiplier is a depthwise convolution).
/// </summary>
/// <remarks>
/// Padding is applied to the (quantized) input. With pad value 0 padded positions contribute nothing; a pad value of
/// −1 or +1 keeps a binary input binary at the borders (Larq's <c>pad_values</c>), as bitwise kernels need.
/// Weights are [outChannels, inChannels / groups, k, k]; output channel o sees input group o / (outChannels / groups).
/// </remarks>
public class Conv2d : QuantizedLayer
{
    /// <summary>Creates the layer.</summary>
    /// <param name="inChannels">Input channels (≥ 1, a multiple of <paramref name="groups"/>).</param>
    /// <param name="outChannels">Output channels (≥ 1, a multiple of <paramref name="groups"/>).</param>
    /// <param name="kernelSize">Square kernel size (≥ 1).</param>
    /// <param name="stride">Stride (≥ 1).</param>
    /// <param name="padding">Padding on each side (≥ 0).</param>
    /// <param name="bias">Whether to add a learnable bias.</param>
    /// <param name="random">Generator for initialisation.</param>
    /// <param name="inputQuantizer">Quantizer applied to the input, or null.</param>
    /// <param name="weightQuantizer">Quantizer applied to the weights, or null.</param>
    /// <param name="init">Initial weights [outChannels, inChannels / groups, k, k], or null for Glorot uniform.</param>
    /// <param name="groups">Channel groups (1 = ordinary convolution; inChannels = depthwise).</param>
    /// <param name="padValue">Value of padded pixels (finite; 0 = zero padding).</param>
    /// <exception cref="ArgumentException">A size is out of range or groups does not divide the channel counts.</exception>
    public Conv2d(int inChannels, int outChannels, int kernelSize, int stride, int padding, bool bias, Random random,
        Quantizer? inputQuantizer = null, Quantizer? weightQuantizer = null, Tensor? init = null, int groups = 1, double padValue = 0)
        : base(InitialWeight(inChannels, outChannels, kernelSize, groups, random, init), bias ? outChannels : 0, inputQuantizer, weightQuantizer)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(stride, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(padding);
        if (!double.IsFinite(padValue)) throw new ArgumentOutOfRangeException(nameof(padValue), padValue, "Conv2d pad value must be finite.");
        InChannels = inChannels;
        OutChannels = outChannels;
        KernelSize = kernelSize;
        Stride = stride;
        Padding = padding;
        Groups = groups;
        PadValue = padValue;
    }

    private static Tensor InitialWeight(int inChannels, int outChannels, int kernelSize, int groups, Random random, Tensor? init)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(inChannels, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(outChannels, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(kernelSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(groups, 1);
        ArgumentNullException.ThrowIfNull(random);
        if (inChannels % groups != 0 || outChannels % groups != 0)
            throw new ArgumentException($"Conv2d groups {groups} must divide both in channels {inChannels} and out channels {outChannels}.", nameof(groups));
        int fanIn = inChannels / groups * kernelSize * kernelSize, fanOut = outChannels * kernelSize * kernelSize;
        int[] shape = [outChannels, inChannels / groups, kernelSize, kernelSize];
        var w = init ?? Init.GlorotUniform(random, shape, fanIn, fanOut);
        if (!w.ShapeSpan.SequenceEqual(shape))
            throw new ArgumentException($"Conv2d: initial weight shape {ShapeUtil.Format(w.ShapeSpan)} must be {ShapeUtil.Format(shape)}.", nameof(init));
        return w;
    }

    /// <summary>Input channels.</summary>
    public int InChannels { get; }

    /// <summary>Output channels.</summary>
    public int OutChannels { get; }

    /// <summary>Square kernel size.</summary>
    public int KernelSize { get; }

    /// <summary>Stride.</summary>
    public int Stride { get; }

    /// <summary>Padding on each side.</summary>
    public int Padding { get; }

    /// <summary>Channel groups (1 for an ordinary convolution).</summary>
    public int Groups { get; }

    /// <summary>Value of padded pixels (0 = zero padding).</summary>
    public double PadValue { get; }

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
        return Convolve(input, Bias?.Value);
    }

    /// <summary>The convolution of an already quantized input with the effective weights, padding with <see cref="PadValue"/>.</summary>
    private Tensor Convolve(Tensor input, Tensor? bias)
    {
        if (Groups == 1) return Tensor.Conv2d(input, EffectiveWeight(), bias, Stride, Padding, PadValue);
        int padding = Padding;
        if (PadValue != 0 && padding > 0)
        {
            input = Tensor.Pad2d(input, padding, PadValue);
            padding = 0;
        }
        return Tensor.GroupedConv2d(input, EffectiveWeight(), bias, Stride, padding, Groups);
    }

    /// <summary>
    /// XNOR-Net's K: y = (q ⊛ W) ⊙ (A ⊛ box) + b, where the box filter is the k×k mean with this layer's stride and zero
    /// padding (<see cref="Quantizer.ConvOutputScale"/>).
    /// </summary>
    private Tensor ForwardWithOutputScale(Tensor quantized, Tensor magnitude)
    {
        var y = Convolve(quantized, null);
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
        if (inputShape[1] + 2 * Padding < KernelSize || inputShape[2] + 2 * Padding < KernelSize)
            throw new ArgumentException($"Conv2d kernel {KernelSize} with padding {Padding} does not fit input {ShapeUtil.Format(inputShape)}.");
        return [OutChannels, oh, ow];
    }

    /// <inheritdoc/>
    /// <remarks>Output positions S = H_out·W_out, fan-in = (C_in / groups)·k·k, MACs = S · weight elements.</remarks>
    public override ModuleCost Cost(int[] inputShape)
    {
        var output = OutputShape(inputShape);
        long positions = (long)output[1] * output[2], fanIn = (long)InChannels / Groups * KernelSize * KernelSize;
        var op = OperationCost.Weighted(OperationKind.Conv2d, Weight, WeightQuantizer, InputQuantizer, positions, fanIn,
            ShapeUtil.Product(inputShape), ShapeUtil.Product(output), OtherFloatParameters());
        return ModuleCost.Leaf(op, OutputLevels.Float);
    }

    /// <inheritdoc/>
    public override string Describe()
    {
        string groups = Groups == 1 ? "" : Groups == InChannels ? " depthwise" : $" g{Groups}";
        string pad = PadValue == 0 ? "" : $" pad {PadValue.ToString(System.Globalization.CultureInfo.InvariantCulture)}";
        return $"{GetType().Name}({InChannels} → {OutChannels}, k{KernelSize} s{Stride} p{Padding}{pad}{groups}{QuantizerSuffix()})";
    }
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
