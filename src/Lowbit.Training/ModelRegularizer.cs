using Lowbit.Nn.Layers;
using Lowbit.Quantization.MixedPrecision;
using Lowbit.Tensors;
using Lowbit.Training.Config;

namespace Lowbit.Training;

/// <summary>
/// Model-level regularisers named in a config's "regularizer" section. BitPruning: λ·R over the learnable
/// bitlengths of every dense/conv layer whose weight quantizer is <c>bitpruning</c> (METHODS.md §11), with each
/// layer's weight count and per-example MACs, and its input bits (quantizer bit width, or 32 for real inputs).
/// </summary>
public sealed class ModelRegularizer
{
    private readonly BitPruningRegularizer _regularizer;
    private readonly List<(Func<Tensor> BitLength, long Elements, long Macs, double ActivationBits)> _layers = [];

    private ModelRegularizer(BitPruningRegularizer regularizer) => _regularizer = regularizer;

    /// <summary>Creates the regulariser for <paramref name="model"/>, or null when the config has none.</summary>
    public static ModelRegularizer? Create(RegularizerConfig? config, Sequential model, int[] inputShape)
    {
        if (config is null) return null;
        ArgumentNullException.ThrowIfNull(model);
        var target = config.Target switch
        {
            "memory" => BitPruningTarget.Memory,
            "bops" => BitPruningTarget.BitOperations,
            _ => BitPruningTarget.AverageBits,
        };
        var result = new ModelRegularizer(new BitPruningRegularizer(target, config.Lambda));
        var shape = inputShape;
        foreach (var layer in model.Layers)
        {
            var output = layer.OutputShape(shape);
            switch (layer)
            {
                case Linear { WeightQuantizer.Quantizer: BitPruningQuantizer bp } l:
                    result._layers.Add((() => bp.BitLength, l.Weight.Value.Length, (long)l.InFeatures * l.OutFeatures, l.InputQuantizer?.Quantizer.BitWidth ?? 32));
                    break;
                case Conv2d { WeightQuantizer.Quantizer: BitPruningQuantizer bp } c:
                    result._layers.Add((() => bp.BitLength, c.Weight.Value.Length, (long)c.Weight.Value.Length * output[1] * output[2], c.InputQuantizer?.Quantizer.BitWidth ?? 32));
                    break;
            }
            shape = output;
        }
        if (result._layers.Count == 0)
            throw new ConfigException("regularizer 'bitpruning' needs at least one dense or conv2d layer with weight_quantizer \"bitpruning\".");
        return result;
    }

    /// <summary>λ·R for the current bitlengths (a differentiable rank-0 tensor).</summary>
    public Tensor Compute() => _regularizer.Compute(_layers.Select(l => new BitPruningLayer(l.BitLength(), l.Elements, l.Macs, null, l.ActivationBits)).ToList());
}
