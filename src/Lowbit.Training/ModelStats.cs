using Lowbit.Nn;

namespace Lowbit.Training;

/// <summary>Bit statistics of a model, as reported in result.json.</summary>
/// <param name="Parameters">Learnable scalars.</param>
/// <param name="WeightBitsAverage">Average bits per weight of dense/conv layers, weighted by weight count (32 for unquantized).</param>
/// <param name="ActivationBitsAverage">Average bits per input activation of dense/conv layers, weighted by per-example input size (32 for unquantized).</param>
/// <param name="ShiftIndices">Learned shift indices stored by shift-attention layers (0 without them).</param>
/// <param name="PrunedConnections">Connections the layers' own pruning removed (a shift-attention row that selected no position).</param>
/// <param name="Macs">Multiply-accumulates per example of the dense and convolution layers as evaluated (pruned connections excluded).</param>
public sealed record ModelStats(long Parameters, double WeightBitsAverage, double ActivationBitsAverage, long ShiftIndices = 0, long PrunedConnections = 0, long Macs = 0)
{
    /// <summary>Computes the statistics for a model whose per-example input shape is <paramref name="inputShape"/>.</summary>
    public static ModelStats Of(Module model, int[] inputShape)
    {
        ArgumentNullException.ThrowIfNull(model);
        long parameters = model.Parameters().Sum(p => (long)p.Value.Length);
        double wBits = 0, wCount = 0, aBits = 0, aCount = 0;
        long indices = 0, pruned = 0, macs = 0;
        foreach (var op in CostWalker.WeightedOperations(model, inputShape).Select(o => o.Operation))
        {
            wBits += op.WeightElements * op.WeightBits;
            wCount += op.WeightElements;
            aBits += op.InputElements * op.InputBits;
            aCount += op.InputElements;
            indices += op.ShiftIndices;
            pruned += op.PrunedConnections;
            macs += op.Macs;
        }
        return new ModelStats(parameters, wCount == 0 ? 32 : wBits / wCount, aCount == 0 ? 32 : aBits / aCount, indices, pruned, macs);
    }
}
