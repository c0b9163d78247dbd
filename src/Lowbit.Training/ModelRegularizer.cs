using Lowbit.Nn;
using Lowbit.Quantization;
using Lowbit.Quantization.MixedPrecision;
using Lowbit.Tensors;
using Lowbit.Training.Config;

namespace Lowbit.Training;

/// <summary>
/// Model-level regularisers named in a config's "regularizer" section. BitPruning: λ·R over the learnable
/// bitlengths of every weighted operation whose weight quantizer learns its bitlength (<see cref="ILearnedBitLength"/>, e.g. <c>bitpruning</c>), with each
/// layer's weight count and per-example MACs, and its input bits (quantizer bit width, or 32 for real inputs).
/// </summary>
public sealed class ModelRegularizer
{
    private readonly BitPruningRegularizer _regularizer;
    private readonly List<(Func<Tensor> BitLength, long Elements, long Macs, double ActivationBits)> _layers = [];

    private ModelRegularizer(BitPruningRegularizer regularizer) => _regularizer = regularizer;

    /// <summary>Creates the regulariser for <paramref name="model"/>, or null when the config has none.</summary>
    public static ModelRegularizer? Create(RegularizerConfig? config, Module model, int[] inputShape)
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
        foreach (var op in CostWalker.WeightedOperations(model, inputShape).Select(o => o.Operation))
        {
            if (op.WeightQuantizer?.Quantizer is ILearnedBitLength learned)
                result._layers.Add((() => learned.BitLength, op.WeightElements, op.Macs, op.InputBits));
        }
        if (result._layers.Count == 0)
            throw new ConfigException("regularizer 'bitpruning' needs at least one dense or conv2d layer with weight_quantizer \"bitpruning\".");
        return result;
    }

    /// <summary>λ·R for the current bitlengths (a differentiable rank-0 tensor).</summary>
    public Tensor Compute() => _regularizer.Compute(_layers.Select(l => new BitPruningLayer(l.BitLength(), l.Elements, l.Macs, null, l.ActivationBits)).ToList());
}
