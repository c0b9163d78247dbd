using Lowbit.Quantization;
using Lowbit.Tensors;

namespace Lowbit.Nn.Layers;

/// <summary>
/// A shift layer (Wu et al. 2018, "Shift: A Zero FLOP, Zero Parameter Alternative to Spatial Convolutions"): every input
/// channel is shifted spatially by a fixed offset within a k×k window, then a 1×1 convolution mixes the channels. It
/// replaces a k×k convolution with k² times fewer weights and MACs; the shift itself is an index offset with no
/// arithmetic and no parameters.
/// </summary>
/// <remarks>
/// Shifts: <see cref="ShiftPattern.Even"/> (⌊C/k²⌋ consecutive channels per direction, the rest unshifted).
/// y[n, o, i, j] = b[o] + Σ_c w[o, c]·x[n, c, s·i + p_c / k − P, s·j + p_c mod k − P] with the pad value outside the
/// input, which is exactly the k×k convolution (stride s, padding P) whose kernel (o, c) is w[o, c] at cell p_c.
/// Weights are [O, C, 1, 1]; input and weight quantizers apply as in <see cref="Conv2d"/>.
/// </remarks>
public sealed class ShiftConv2d : ShiftLayerBase
{
    private readonly int[] _positions;

    /// <summary>Creates the layer.</summary>
    /// <param name="inChannels">Input channels (≥ k·k).</param>
    /// <param name="outChannels">Output channels (≥ 1).</param>
    /// <param name="kernelSize">Window side k (≥ 1).</param>
    /// <param name="stride">Stride (≥ 1).</param>
    /// <param name="padding">Padding (≥ 0) of the equivalent k×k convolution.</param>
    /// <param name="bias">Whether to add a learnable bias.</param>
    /// <param name="random">Generator for the default initialisation.</param>
    /// <param name="inputQuantizer">Input quantizer, or null.</param>
    /// <param name="weightQuantizer">Weight quantizer, or null.</param>
    /// <param name="init">Initial weights [O, C, 1, 1], or null for Glorot uniform (fan-in C, fan-out O).</param>
    /// <param name="padValue">Value read outside the input.</param>
    /// <exception cref="ArgumentException">A size is out of range.</exception>
    public ShiftConv2d(int inChannels, int outChannels, int kernelSize, int stride, int padding, bool bias, Random random,
        Quantizer? inputQuantizer = null, Quantizer? weightQuantizer = null, Tensor? init = null, double padValue = 0)
        : base(InitialWeight(inChannels, outChannels, random, init), inChannels, outChannels, kernelSize, stride, padding, bias,
            inputQuantizer, weightQuantizer, padValue)
    {
        _positions = ShiftPattern.Even(inChannels, kernelSize);
    }

    private static Tensor InitialWeight(int inChannels, int outChannels, Random random, Tensor? init)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(inChannels, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(outChannels, 1);
        ArgumentNullException.ThrowIfNull(random);
        int[] shape = [outChannels, inChannels, 1, 1];
        var w = init ?? Init.GlorotUniform(random, shape, inChannels, outChannels);
        if (!w.ShapeSpan.SequenceEqual(shape))
            throw new ArgumentException($"ShiftConv2d: initial weight shape {ShapeUtil.Format(w.ShapeSpan)} must be {ShapeUtil.Format(shape)}.", nameof(init));
        return w;
    }

    /// <summary>Shift position of every input channel (a copy).</summary>
    public int[] Positions => (int[])_positions.Clone();

    /// <inheritdoc/>
    public override Tensor Forward(Tensor x) => SharedShiftForward(QuantizedInput(x), _positions, EffectiveWeight());

    /// <inheritdoc/>
    public override ShiftedPointwiseForm Deployed()
    {
        var weights = EffectiveWeight().Detach().Reshape(OutChannels, InChannels).Clone();
        var positions = new int[OutChannels * InChannels];
        for (int o = 0; o < OutChannels; o++) _positions.CopyTo(positions, o * InChannels);
        return new ShiftedPointwiseForm(true, positions, weights, Bias?.Value.Detach().Clone(), 0);
    }

    /// <inheritdoc/>
    /// <remarks>MACs = H_out·W_out·O·C, fan-in C; the fixed shifts are part of the architecture and store nothing.</remarks>
    public override ModuleCost Cost(int[] inputShape) => DeployedCost(inputShape, shiftIndices: 0, prunedConnections: 0);

    /// <inheritdoc/>
    public override string Describe() => $"ShiftConv2d({InChannels} → {OutChannels}, {GeometrySuffix()})";
}
