using Lowbit.Quantization;
using Lowbit.Tensors;

namespace Lowbit.Nn.Layers;

/// <summary>
/// What a shift layer computes once deployed: every connection (o, c) reads input channel c at its shift position and
/// multiplies it by one weight, y[o] = b[o] + Σ_c w[o, c]·shift_{p(o, c)}(x[c]) — a 1×1 convolution of shifted inputs.
/// Exporters and the cost rule read this instead of the training-time parameters.
/// </summary>
/// <param name="Shared">True when every output channel uses the same shift per input channel (one shift per input channel).</param>
/// <param name="Positions">Shift position per connection, [O·C] in (o, c) order: p ∈ [0, k·k) or −1 for a pruned connection.</param>
/// <param name="Weights">The effective 1×1 weights [O, C] (weight quantizer applied; 0 for pruned connections).</param>
/// <param name="Bias">Bias [O], or null.</param>
/// <param name="PrunedShifts">Shifts (attention rows) that selected no position: pruned input channels when shared, pruned connections when not.</param>
public sealed record ShiftedPointwiseForm(bool Shared, int[] Positions, Tensor Weights, Tensor? Bias, long PrunedShifts)
{
    /// <summary>Connections whose position is −1.</summary>
    public long PrunedConnections => Positions.LongCount(p => p < 0);
}

/// <summary>
/// Shared geometry and plumbing of <see cref="ShiftConv2d"/> and <see cref="ShiftAttentionConv2d"/>: channels, the
/// k×k window the shifts choose from, stride, padding (the shift reads the padding value outside the input, as a
/// k×k convolution with that padding would), the output shape, and the two deployed forward paths.
/// </summary>
public abstract class ShiftLayerBase : QuantizedLayer
{
    /// <summary>Registers the weights, bias and quantizers and checks the geometry.</summary>
    private protected ShiftLayerBase(Tensor weight, int inChannels, int outChannels, int kernelSize, int stride, int padding, bool bias,
        Quantizer? inputQuantizer, Quantizer? weightQuantizer, double padValue)
        : base(weight, bias ? outChannels : 0, inputQuantizer, weightQuantizer)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(stride, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(padding);
        if (!double.IsFinite(padValue)) throw new ArgumentOutOfRangeException(nameof(padValue), padValue, "The pad value must be finite.");
        (InChannels, OutChannels, KernelSize, Stride, Padding, PadValue) = (inChannels, outChannels, kernelSize, stride, padding, padValue);
    }

    /// <summary>Input channels C.</summary>
    public int InChannels { get; }

    /// <summary>Output channels O.</summary>
    public int OutChannels { get; }

    /// <summary>Side k of the window of k·k shift positions.</summary>
    public int KernelSize { get; }

    /// <summary>Stride on both axes.</summary>
    public int Stride { get; }

    /// <summary>Padding of the equivalent k×k convolution (shift offsets are position − padding).</summary>
    public int Padding { get; }

    /// <summary>Value read outside the input (0 = zero padding; ±1 keeps binary inputs binary).</summary>
    public double PadValue { get; }

    /// <summary>The layer as deployed: shift positions, effective 1×1 weights, bias (call in evaluation mode).</summary>
    public abstract ShiftedPointwiseForm Deployed();

    /// <inheritdoc/>
    public override int[] OutputShape(int[] inputShape)
    {
        ArgumentNullException.ThrowIfNull(inputShape);
        if (inputShape.Length != 3 || inputShape[0] != InChannels)
            throw new ArgumentException($"{GetType().Name}({InChannels} → {OutChannels}) expects input [{InChannels}, height, width] per example but receives {ShapeUtil.Format(inputShape)}.");
        if (inputShape[1] + 2 * Padding < KernelSize || inputShape[2] + 2 * Padding < KernelSize)
            throw new ArgumentException($"{GetType().Name} kernel {KernelSize} with padding {Padding} does not fit input {ShapeUtil.Format(inputShape)}.");
        return [OutChannels, (inputShape[1] + 2 * Padding - KernelSize) / Stride + 1, (inputShape[2] + 2 * Padding - KernelSize) / Stride + 1];
    }

    /// <summary>Checks the input and applies the input quantizer (quantizers that need a separate convolution path are refused).</summary>
    private protected Tensor QuantizedInput(Tensor x)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (x.Rank != 4 || x.Dim(1) != InChannels)
            throw new ArgumentException($"{GetType().Name} expects input [batch, {InChannels}, height, width] but got {ShapeUtil.Format(x.ShapeSpan)}.", nameof(x));
        if (InputQuantizer?.Quantizer.ConvOutputScale(x, InputQuantizer.Context) is not null)
            throw new NotSupportedException($"{GetType().Name} does not support input quantizer '{InputQuantizer.Quantizer.Name}' (a scaled convolution output); use it on conv2d.");
        var input = QuantizeInput(x);
        if (InputQuantizer?.Quantizer.WeightGradientInput(input, InputQuantizer.Context) is not null)
            throw new NotSupportedException($"{GetType().Name} does not support input quantizer '{InputQuantizer.Quantizer.Name}' (a separate weight-gradient input); use it on dense layers.");
        return input;
    }

    /// <summary>One shift per input channel, then a 1×1 convolution: Shift2d (index copies) and Conv2d with [O, C, 1, 1] weights.</summary>
    /// <param name="input">Quantized input [N, C, H, W].</param>
    /// <param name="positions">Position per input channel (−1: the channel is read unshifted; give it zero weights).</param>
    /// <param name="weight">1×1 weights [O, C, 1, 1].</param>
    private protected Tensor SharedShiftForward(Tensor input, int[] positions, Tensor weight)
    {
        var (dy, dx) = ShiftPattern.Offsets(positions, KernelSize, Padding);
        var output = OutputShape([InChannels, input.Dim(2), input.Dim(3)]);
        var shifted = Tensor.Shift2d(input, dy, dx, Stride, output[1], output[2], PadValue); // [N, C, H_out, W_out]
        return Tensor.Conv2d(shifted, weight, Bias?.Value, 1, 0);
    }

    /// <summary>One shift per connection: <see cref="Tensor.ShiftedPointwiseConv"/> over the active connections, then the bias.</summary>
    /// <param name="input">Quantized input [N, C, H, W].</param>
    /// <param name="positions">Position per connection [O·C] (−1: pruned).</param>
    /// <param name="weight">Weights [O, C].</param>
    private protected Tensor ConnectionShiftForward(Tensor input, int[] positions, Tensor weight)
    {
        var (dy, dx) = ShiftPattern.Offsets(positions, KernelSize, Padding);
        var active = positions.Select(p => p >= 0).ToArray();
        var output = OutputShape([InChannels, input.Dim(2), input.Dim(3)]);
        var y = Tensor.ShiftedPointwiseConv(input, weight, dy, dx, active, Stride, output[1], output[2], PadValue);
        return Bias is null ? y : Tensor.Add(y, Bias.Value.Reshape(1, OutChannels, 1, 1));
    }

    /// <summary>The deployed cost: a 1×1 convolution (fan-in C) over the active connections, plus the stored shift indices.</summary>
    private protected ModuleCost DeployedCost(int[] inputShape, long shiftIndices, long prunedConnections)
    {
        var output = OutputShape(inputShape);
        long positions = (long)output[1] * output[2], connections = (long)OutChannels * InChannels;
        var op = OperationCost.Weighted(OperationKind.Conv2d, Weight, WeightQuantizer, InputQuantizer, positions, InChannels,
            ShapeUtil.Product(inputShape), ShapeUtil.Product(output), OtherFloatParameters()) with
        {
            WeightElements = connections,
            Macs = checked(positions * (connections - prunedConnections)),
            ShiftIndices = shiftIndices,
            ShiftIndexBits = shiftIndices == 0 ? 0 : ShiftPattern.IndexBits(KernelSize),
            PrunedConnections = prunedConnections,
        };
        return ModuleCost.Leaf(op, OutputLevels.Float);
    }

    /// <summary>"k3 s1 p1 pad −1" and the quantizers, for descriptions.</summary>
    private protected string GeometrySuffix()
    {
        string pad = PadValue == 0 ? "" : $" pad {PadValue.ToString(System.Globalization.CultureInfo.InvariantCulture)}";
        return $"k{KernelSize} s{Stride} p{Padding}{pad}{QuantizerSuffix()}";
    }
}
