using Lowbit.Nn;
using Lowbit.Nn.Layers;

namespace Lowbit.Training;

/// <summary>Bit statistics of a model, as reported in result.json.</summary>
/// <param name="Parameters">Learnable scalars.</param>
/// <param name="WeightBitsAverage">Average bits per weight of dense/conv layers, weighted by weight count (32 for unquantized).</param>
/// <param name="ActivationBitsAverage">Average bits per input activation of dense/conv layers, weighted by per-example input size (32 for unquantized).</param>
public sealed record ModelStats(long Parameters, double WeightBitsAverage, double ActivationBitsAverage)
{
    /// <summary>Computes the statistics for a model whose per-example input shape is <paramref name="inputShape"/>.</summary>
    public static ModelStats Of(Sequential model, int[] inputShape)
    {
        ArgumentNullException.ThrowIfNull(model);
        long parameters = model.Parameters().Sum(p => (long)p.Value.Length);
        double wBits = 0, wCount = 0, aBits = 0, aCount = 0;
        var shape = inputShape;
        foreach (var layer in model.Layers)
        {
            long inputs = 1;
            foreach (int d in shape) inputs *= d;
            switch (layer)
            {
                case Linear l:
                    Accumulate(l.Weight.Value.Length, l.WeightQuantizer?.Quantizer.BitWidth ?? 32, inputs, l.InputQuantizer?.Quantizer.BitWidth ?? 32);
                    break;
                case Conv2d c:
                    Accumulate(c.Weight.Value.Length, c.WeightQuantizer?.Quantizer.BitWidth ?? 32, inputs, c.InputQuantizer?.Quantizer.BitWidth ?? 32);
                    break;
            }
            shape = layer.OutputShape(shape);
        }
        return new ModelStats(parameters, wCount == 0 ? 32 : wBits / wCount, aCount == 0 ? 32 : aBits / aCount);

        void Accumulate(long weights, double weightBits, long inputs, double inputBits)
        {
            wBits += weights * weightBits;
            wCount += weights;
            aBits += inputs * inputBits;
            aCount += inputs;
        }
    }
}
