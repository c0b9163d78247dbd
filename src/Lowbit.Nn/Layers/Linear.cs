using Lowbit.Quantization;
using Lowbit.Tensors;

namespace Lowbit.Nn.Layers;

/// <summary>
/// Fully connected layer y = q_in(x)·q_w(W)ᵀ + b, with optional input and weight quantizers (Larq's QuantDense
/// convention: the input quantizer binarizes the incoming activations, the weight quantizer the latent weights).
/// </summary>
public class Linear : QuantizedLayer
{
    /// <summary>Creates the layer with weights drawn by <paramref name="init"/>.</summary>
    /// <param name="inFeatures">Input features (≥ 1).</param>
    /// <param name="outFeatures">Output features (≥ 1).</param>
    /// <param name="bias">Whether to add a learnable bias.</param>
    /// <param name="random">Generator for initialisation.</param>
    /// <param name="inputQuantizer">Quantizer applied to the input, or null.</param>
    /// <param name="weightQuantizer">Quantizer applied to the weights, or null.</param>
    /// <param name="init">Initial weights [outFeatures, inFeatures], or null for Glorot uniform.</param>
    public Linear(int inFeatures, int outFeatures, bool bias, Random random, Quantizer? inputQuantizer = null, Quantizer? weightQuantizer = null, Tensor? init = null)
        : base(InitialWeight(inFeatures, outFeatures, random, init), bias ? outFeatures : 0, inputQuantizer, weightQuantizer)
    {
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
    }

    private static Tensor InitialWeight(int inFeatures, int outFeatures, Random random, Tensor? init)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(inFeatures, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(outFeatures, 1);
        ArgumentNullException.ThrowIfNull(random);
        var w = init ?? Init.GlorotUniform(random, [outFeatures, inFeatures], inFeatures, outFeatures);
        if (!w.ShapeSpan.SequenceEqual([outFeatures, inFeatures]))
            throw new ArgumentException($"Linear: initial weight shape {ShapeUtil.Format(w.ShapeSpan)} must be [{outFeatures}, {inFeatures}].", nameof(init));
        return w;
    }

    /// <summary>Input features.</summary>
    public int InFeatures { get; }

    /// <summary>Output features.</summary>
    public int OutFeatures { get; }

    /// <inheritdoc/>
    public override Tensor Forward(Tensor x)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (x.Rank != 2 || x.Dim(1) != InFeatures)
            throw new ArgumentException($"Linear expects input [batch, {InFeatures}] (inFeatures) but got {ShapeUtil.Format(x.ShapeSpan)}{(x.Rank > 2 ? "; flatten it first" : "")}.", nameof(x));
        var input = QuantizeInput(x);
        // Few-multiplications back-prop: some input quantizers supply a separate tensor (power-of-two x_q) for the
        // weight-gradient product g_W = δᵀ·x_q while the forward value and g_x stay exact.
        var weightGradientInput = InputQuantizer?.Quantizer.WeightGradientInput(input, InputQuantizer.Context);
        return weightGradientInput is null
            ? Tensor.Linear(input, EffectiveWeight(), Bias?.Value)
            : QuantizedBackprop.Linear(input, weightGradientInput, EffectiveWeight(), Bias?.Value);
    }

    /// <inheritdoc/>
    public override int[] OutputShape(int[] inputShape)
    {
        ArgumentNullException.ThrowIfNull(inputShape);
        if (inputShape.Length != 1 || inputShape[0] != InFeatures)
            throw new ArgumentException($"Linear({InFeatures} → {OutFeatures}) expects input [{InFeatures}] per example but receives {ShapeUtil.Format(inputShape)}{(inputShape.Length > 1 ? "; add a flatten layer before it" : "")}.");
        return [OutFeatures];
    }

    /// <inheritdoc/>
    /// <remarks>MACs = in·out, one output position, fan-in = in features.</remarks>
    public override ModuleCost Cost(int[] inputShape)
    {
        OutputShape(inputShape);
        var op = OperationCost.Weighted(OperationKind.Dense, Weight, WeightQuantizer, InputQuantizer, 1, InFeatures, InFeatures, OutFeatures, OtherFloatParameters());
        return ModuleCost.Leaf(op, OutputLevels.Float);
    }

    /// <inheritdoc/>
    public override string Describe() => $"{GetType().Name}({InFeatures} → {OutFeatures}{QuantizerSuffix()})";
}

/// <summary>A <see cref="Linear"/> layer that must have a weight quantizer (and may have an input quantizer).</summary>
public sealed class QuantLinear : Linear
{
    /// <summary>Creates the layer; see <see cref="Linear"/>.</summary>
    public QuantLinear(int inFeatures, int outFeatures, bool bias, Random random, Quantizer? inputQuantizer, Quantizer weightQuantizer, Tensor? init = null)
        : base(inFeatures, outFeatures, bias, random, inputQuantizer, weightQuantizer ?? throw new ArgumentNullException(nameof(weightQuantizer)), init)
    {
    }
}
