using Lowbit.Nn;
using Lowbit.Nn.Layers.Recurrent;

namespace Lowbit.Training.Language;

/// <summary>Bit statistics of a language model for result.json.</summary>
/// <param name="Parameters">Learnable scalars (a tied table counts once).</param>
/// <param name="RecurrentWeightBits">Average bits of the recurrent layers' W_ih and W_hh, weighted by count (32 in float).</param>
/// <param name="HiddenBits">Bits of the hidden-state quantizer of the recurrent layers (32 in float; the average over layers).</param>
/// <param name="GateBits">Bits of the gate quantizer (32 in float; the average over layers).</param>
public sealed record LanguageModelStats(long Parameters, double RecurrentWeightBits, double HiddenBits, double GateBits)
{
    /// <summary>Computes the statistics.</summary>
    public static LanguageModelStats Of(Module model)
    {
        ArgumentNullException.ThrowIfNull(model);
        long parameters = model.Parameters().Sum(p => (long)p.Value.Length);
        double weightBits = 0, weights = 0, hidden = 0, gates = 0;
        int layers = 0;
        foreach (var layer in model.NamedModules().Select(m => m.Module).OfType<RecurrentLayer>())
        {
            for (int l = 0; l < layer.Layers; l++)
            {
                foreach (var (weight, quantizer) in new[] { (layer.WeightIh(l), layer.WeightIhQuantizer(l)), (layer.WeightHh(l), layer.WeightHhQuantizer(l)) })
                {
                    weightBits += weight.Value.Length * (quantizer?.Quantizer.BitWidth ?? 32);
                    weights += weight.Value.Length;
                }

                hidden += layer.HiddenQuantizer(l)?.Quantizer.BitWidth ?? 32;
                gates += layer.GateQuantizer(l)?.Quantizer.BitWidth ?? 32;
                layers++;
            }
        }

        return new LanguageModelStats(parameters, weights == 0 ? 32 : weightBits / weights, layers == 0 ? 32 : hidden / layers, layers == 0 ? 32 : gates / layers);
    }
}
