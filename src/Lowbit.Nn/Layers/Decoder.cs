using Lowbit.Quantization;
using Lowbit.Tensors;

namespace Lowbit.Nn.Layers;

/// <summary>
/// The output layer of a language model: logits over the vocabulary, y = q_in(x)·Wᵀ + b with W [V, in] its own
/// weights or, tied (Press and Wolf, "Using the Output Embedding to Improve Language Models", arXiv 1608.05859;
/// Inan et al., arXiv 1611.01462), the <see cref="Embedding"/>'s table as used in its forward pass (quantized when the
/// embedding quantizes it).
/// </summary>
/// <remarks>
/// Input [T, B, in] (or [N, in]) → logits [T·B, V], rows in the input's order (time-major), matching the flattened
/// targets of a <c>SequenceBatch</c>. A tied decoder owns only its bias and takes no weight quantizer of its own.
/// Own weights start at U(−0.1, 0.1) (PyTorch's word_language_model); the bias at 0.
/// </remarks>
public sealed class Decoder : Module
{
    private readonly Embedding? _tied;
    private readonly Parameter? _weight;

    /// <summary>Creates the layer.</summary>
    /// <param name="inFeatures">Input features (≥ 1); equals the embedding size when tied.</param>
    /// <param name="vocabulary">Vocabulary size V (≥ 1).</param>
    /// <param name="random">Generator for initialisation.</param>
    /// <param name="tiedTo">The embedding whose table to use as W, or null for own weights.</param>
    /// <param name="bias">Whether to add a learnable bias.</param>
    /// <param name="inputQuantizer">Quantizer of the input, or null.</param>
    /// <param name="weightQuantizer">Quantizer of own weights, or null (must be null when tied).</param>
    /// <param name="initRange">Half-width r of U(−r, r) for own weights.</param>
    /// <exception cref="ArgumentException">Tied to an embedding of another size or vocabulary, or tied with a weight quantizer.</exception>
    public Decoder(int inFeatures, int vocabulary, Random random, Embedding? tiedTo = null, bool bias = true,
        Quantizer? inputQuantizer = null, Quantizer? weightQuantizer = null, double initRange = 0.1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(inFeatures, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(vocabulary, 1);
        ArgumentNullException.ThrowIfNull(random);
        if (tiedTo is not null)
        {
            if (tiedTo.Dimension != inFeatures || tiedTo.Vocabulary != vocabulary)
                throw new ArgumentException($"a tied decoder needs the embedding's shape: the embedding is {tiedTo.Vocabulary} × {tiedTo.Dimension} but the decoder maps {inFeatures} features to {vocabulary} tokens; make the last recurrent layer's units equal the embedding units.");
            if (weightQuantizer is not null)
                throw new ArgumentException("a tied decoder uses the embedding's table; put the weight quantizer on the embedding instead.");
        }
        else
        {
            if (!(initRange > 0) || double.IsInfinity(initRange)) throw new ArgumentOutOfRangeException(nameof(initRange), initRange, "init_range must be a positive number.");
            _weight = AddParameter("weight", Tensor.RandomUniform(random, -initRange, initRange, [vocabulary, inFeatures]));
            if (weightQuantizer?.DefaultLatentClip(_weight.Value.Shape) is { } clip) _weight.Clip = (-clip, clip); // as QuantizedLayer does
        }

        InitRange = initRange;
        _tied = tiedTo;
        if (tiedTo is not null) tiedTo.TableStoredByDecoder = true;
        InFeatures = inFeatures;
        Vocabulary = vocabulary;
        Bias = bias ? AddParameter("bias", Tensor.Zeros(vocabulary)) : null;
        if (Bias is not null) Bias.Decay = false;
        InputQuantizer = inputQuantizer is null ? null : AddModule("input_quantizer", new QuantizerModule(inputQuantizer));
        WeightQuantizer = weightQuantizer is null ? null : AddModule("weight_quantizer", new QuantizerModule(weightQuantizer));
    }

    /// <summary>Input features.</summary>
    public int InFeatures { get; }

    /// <summary>Half-width r of the initialisation U(−r, r) of own weights (unused when tied).</summary>
    public double InitRange { get; }

    /// <summary>Vocabulary size V (output features).</summary>
    public int Vocabulary { get; }

    /// <summary>True when W is the embedding's table.</summary>
    public bool Tied => _tied is not null;

    /// <summary>The embedding this decoder is tied to, or null.</summary>
    public Embedding? TiedTo => _tied;

    /// <summary>The weights W [V, in]: own, or the tied embedding's latent table.</summary>
    public Parameter Weight => _weight ?? _tied!.Weight;

    /// <summary>Bias [V], or null.</summary>
    public Parameter? Bias { get; }

    /// <summary>Quantizer of the input, or null.</summary>
    public QuantizerModule? InputQuantizer { get; }

    /// <summary>Quantizer of own weights, or null (a tied decoder uses the embedding's table as the embedding quantizes it).</summary>
    public QuantizerModule? WeightQuantizer { get; }

    /// <summary>The weights as used in the forward pass.</summary>
    public Tensor EffectiveWeight() => _tied is not null ? _tied.EffectiveWeight() : WeightQuantizer is null ? _weight!.Value : WeightQuantizer.Forward(_weight!.Value);

    /// <inheritdoc/>
    public override Tensor Forward(Tensor x)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (x.Rank < 2 || x.Dim(-1) != InFeatures)
            throw new ArgumentException($"Decoder expects input [steps, batch, {InFeatures}] or [rows, {InFeatures}] but got {ShapeUtil.Format(x.ShapeSpan)}.", nameof(x));
        var rows = x.Reshape(x.Length / InFeatures, InFeatures);
        if (InputQuantizer is not null) rows = InputQuantizer.Forward(rows);
        return Tensor.Linear(rows, EffectiveWeight(), Bias?.Value); // [T·B, V]
    }

    /// <inheritdoc/>
    public override int[] OutputShape(int[] inputShape)
    {
        ArgumentNullException.ThrowIfNull(inputShape);
        if (inputShape.Length != 1 || inputShape[0] != InFeatures)
            throw new ArgumentException($"Decoder({InFeatures} → {Vocabulary}) expects {InFeatures} features per token but receives {ShapeUtil.Format(inputShape)}.");
        return [Vocabulary];
    }

    /// <summary>Per token: a dense product [in] → [V] with the (own or tied) weights; the bias is a float parameter.</summary>
    public override ModuleCost Cost(int[] inputShape)
    {
        OutputShape(inputShape);
        var quantizer = _tied is not null ? _tied.WeightQuantizer : WeightQuantizer;
        long other = (Bias?.Value.Length ?? 0) + (InputQuantizer?.Parameters().Sum(p => (long)p.Value.Length) ?? 0);
        var op = OperationCost.Weighted(OperationKind.Dense, Weight, quantizer, InputQuantizer, 1, InFeatures, InFeatures, Vocabulary, other);
        return ModuleCost.Leaf(op, OutputLevels.Float);
    }

    /// <inheritdoc/>
    public override string Describe() =>
        $"Decoder({InFeatures} → {Vocabulary}{(Tied ? ", tied to the embedding" : "")}{(InputQuantizer is null ? "" : ", in: " + InputQuantizer.Describe())}{(WeightQuantizer is null ? "" : ", w: " + WeightQuantizer.Describe())})";

    /// <inheritdoc/>
    protected override Tensor? OwnRegularization() => _weight is null ? null : WeightQuantizer?.Quantizer.Regularization(_weight.Value);
}
