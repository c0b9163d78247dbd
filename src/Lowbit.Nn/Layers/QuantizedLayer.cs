using Lowbit.Quantization;
using Lowbit.Tensors;

namespace Lowbit.Nn.Layers;

/// <summary>
/// Shared plumbing of layers with latent weights and optional input and weight quantizers (<see cref="Linear"/>,
/// <see cref="Conv2d"/>): the weight and bias parameters, the quantizer modules, the effective (quantized) weights
/// and the weight quantizer's regulariser.
/// </summary>
public abstract class QuantizedLayer : Module
{
    /// <summary>Registers the weight, the optional bias and the quantizers, in this order.</summary>
    /// <param name="weight">Initial latent weights.</param>
    /// <param name="biasFeatures">Bias length, or 0 for no bias.</param>
    /// <param name="inputQuantizer">Quantizer of the layer input, or null.</param>
    /// <param name="weightQuantizer">Quantizer of the weights, or null.</param>
    protected QuantizedLayer(Tensor weight, int biasFeatures, Quantizer? inputQuantizer, Quantizer? weightQuantizer)
    {
        Weight = AddParameter("weight", weight);
        Bias = biasFeatures > 0 ? AddParameter("bias", Tensor.Zeros(biasFeatures)) : null;
        if (Bias is not null) Bias.Decay = false;
        InputQuantizer = inputQuantizer is null ? null : AddModule("input_quantizer", new QuantizerModule(inputQuantizer));
        WeightQuantizer = weightQuantizer is null ? null : AddModule("weight_quantizer", new QuantizerModule(weightQuantizer));
        // The clipping range the quantizer's method prescribes (Few Multiplications' ±W0), as the config builder applies
        // when no weight_clip is given: a layer built in C# trains like the same layer built from a config.
        if (weightQuantizer?.DefaultLatentClip(weight.Shape) is { } clip) Weight.Clip = (-clip, clip);
    }

    /// <summary>Latent (real) weights.</summary>
    public Parameter Weight { get; }

    /// <summary>Bias, or null.</summary>
    public Parameter? Bias { get; }

    /// <summary>Input quantizer, or null for real inputs.</summary>
    public QuantizerModule? InputQuantizer { get; }

    /// <summary>Weight quantizer, or null for real weights.</summary>
    public QuantizerModule? WeightQuantizer { get; }

    /// <summary>The weights as used in the forward pass (quantized when a weight quantizer is set).</summary>
    public Tensor EffectiveWeight() => WeightQuantizer is null ? Weight.Value : WeightQuantizer.Forward(Weight.Value);

    /// <summary>The input after the input quantizer (the input itself when there is none).</summary>
    protected Tensor QuantizeInput(Tensor x) => InputQuantizer is null ? x : InputQuantizer.Forward(x);

    /// <summary>", in: q, w: q" for descriptions.</summary>
    protected string QuantizerSuffix() =>
        (InputQuantizer is null ? "" : ", in: " + InputQuantizer.Describe()) + (WeightQuantizer is null ? "" : ", w: " + WeightQuantizer.Describe());

    /// <summary>Bias elements plus learned input-quantizer elements: the float parameters stored beside the weights.</summary>
    protected long OtherFloatParameters() => (Bias?.Value.Length ?? 0) + CostRules.LearnedElements(InputQuantizer);

    /// <inheritdoc/>
    protected override Tensor? OwnRegularization() => WeightQuantizer?.Quantizer.Regularization(Weight.Value);
}
