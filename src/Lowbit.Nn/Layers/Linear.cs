using Lowbit.Quantization;
using Lowbit.Tensors;

namespace Lowbit.Nn.Layers;

/// <summary>
/// Fully connected layer y = q_in(x)·q_w(W)ᵀ + b, with optional input and weight quantizers (Larq's QuantDense
/// convention: the input quantizer binarizes the incoming activations, the weight quantizer the latent weights).
/// </summary>
public class Linear : Module
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
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(inFeatures, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(outFeatures, 1);
        ArgumentNullException.ThrowIfNull(random);
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
        Weight = AddParameter("weight", init ?? Init.GlorotUniform(random, [outFeatures, inFeatures], inFeatures, outFeatures));
        if (!Weight.Value.ShapeSpan.SequenceEqual([outFeatures, inFeatures]))
            throw new ArgumentException($"Linear: initial weight shape {ShapeUtil.Format(Weight.Value.ShapeSpan)} must be [{outFeatures}, {inFeatures}].", nameof(init));
        Bias = bias ? AddParameter("bias", Tensor.Zeros(outFeatures)) : null;
        if (Bias is not null) Bias.Decay = false;
        InputQuantizer = inputQuantizer is null ? null : AddModule("input_quantizer", new QuantizerModule(inputQuantizer));
        WeightQuantizer = weightQuantizer is null ? null : AddModule("weight_quantizer", new QuantizerModule(weightQuantizer));
    }

    /// <summary>Input features.</summary>
    public int InFeatures { get; }

    /// <summary>Output features.</summary>
    public int OutFeatures { get; }

    /// <summary>Latent (real) weights [out, in].</summary>
    public Parameter Weight { get; }

    /// <summary>Bias [out], or null.</summary>
    public Parameter? Bias { get; }

    /// <summary>Input quantizer, or null for real inputs.</summary>
    public QuantizerModule? InputQuantizer { get; }

    /// <summary>Weight quantizer, or null for real weights.</summary>
    public QuantizerModule? WeightQuantizer { get; }

    /// <summary>The weights as used in the forward pass (quantized when a weight quantizer is set).</summary>
    public Tensor EffectiveWeight() => WeightQuantizer is null ? Weight.Value : WeightQuantizer.Forward(Weight.Value);

    /// <inheritdoc/>
    public override Tensor Forward(Tensor x)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (x.Rank != 2 || x.Dim(1) != InFeatures)
            throw new ArgumentException($"Linear expects input [batch, {InFeatures}] (inFeatures) but got {ShapeUtil.Format(x.ShapeSpan)}{(x.Rank > 2 ? "; flatten it first" : "")}.", nameof(x));
        var input = InputQuantizer is null ? x : InputQuantizer.Forward(x);
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
    public override string Describe() => $"{GetType().Name}({InFeatures} → {OutFeatures}{(InputQuantizer is null ? "" : ", in: " + InputQuantizer.Describe())}{(WeightQuantizer is null ? "" : ", w: " + WeightQuantizer.Describe())})";

    /// <inheritdoc/>
    protected override Tensor? OwnRegularization() => WeightQuantizer?.Quantizer.Regularization(Weight.Value);
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
