using Lowbit.Quantization;
using Lowbit.Tensors;

namespace Lowbit.Nn;

/// <summary>
/// Hosts a <see cref="Quantizer"/> in the module tree: its learnable tensors become parameters and its state
/// tensors buffers (named e.g. "fc1.weight_quantizer.alpha"), and it receives the tree's mode and generator.
/// </summary>
public sealed class QuantizerModule : Module
{
    private readonly List<Parameter> _learnable = [];

    /// <summary>Wraps <paramref name="quantizer"/>.</summary>
    public QuantizerModule(Quantizer quantizer)
    {
        ArgumentNullException.ThrowIfNull(quantizer);
        Quantizer = quantizer;
        var options = quantizer.LearnableOptions;
        foreach (var (name, value) in quantizer.LearnableTensors)
        {
            var p = AddParameter(name, value);
            p.Decay = options.Decay;
            p.Clip = options.Clip;
            p.LearningRateScale = options.LearningRateScale;
            p.PlainGradient = options.PlainGradient;
            _learnable.Add(p);
        }
        foreach (var (name, value) in quantizer.StateTensors) AddBuffer(name, value);
    }

    /// <summary>The wrapped quantizer.</summary>
    public Quantizer Quantizer { get; }

    /// <summary>The context for the current mode and generator.</summary>
    public QuantizerContext Context => new(Training, Random);

    /// <inheritdoc/>
    public override Tensor Forward(Tensor x) => Quantizer.Quantize(x, Context);

    /// <inheritdoc/>
    public override int[] OutputShape(int[] inputShape) => inputShape;

    /// <inheritdoc/>
    public override ModuleCost Cost(int[] inputShape)
    {
        long n = ShapeUtil.Product(inputShape);
        var op = OperationCost.Unweighted(OperationKind.Elementwise, n, n, CostRules.LearnedElements(this));
        return new ModuleCost { Operations = [op], Output = OutputLevels.Quantize, OutputQuantizer = this };
    }

    /// <inheritdoc/>
    public override string Describe() => Quantizer.Name;

    /// <inheritdoc/>
    protected override string? FindInvalidState() => Quantizer.FindInvalidState();

    /// <inheritdoc/>
    protected override void ConvertOwn(DType type)
    {
        Quantizer.ConvertTo(type);
        var tensors = Quantizer.LearnableTensors;
        for (int i = 0; i < _learnable.Count; i++) _learnable[i].Value = tensors[i].Value;
    }
}
