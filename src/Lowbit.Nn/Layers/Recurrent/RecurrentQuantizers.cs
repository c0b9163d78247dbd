using Lowbit.Quantization;

namespace Lowbit.Nn.Layers.Recurrent;

/// <summary>
/// Where a recurrent layer quantizes, as factories: every site of every stacked layer gets its own quantizer instance
/// (quantizers may keep state, e.g. a learned clipping level or running means). Null leaves a site in float.
/// </summary>
/// <param name="Weight">Weights: applied to the input matrix W_ih and, separately, to the recurrent matrix W_hh of each layer.</param>
/// <param name="Input">The first layer's input x (before the input projection); deeper layers read the quantized h below.</param>
/// <param name="Hidden">The hidden state h_t (both the layer output and the next step's recurrent input); values in [−1, 1].</param>
/// <param name="Gate">The sigmoid gates (LSTM: i, f, o; GRU: r, z); values in [0, 1].</param>
/// <param name="Candidate">The tanh candidate (LSTM: g; GRU: n); values in [−1, 1].</param>
public sealed record RecurrentQuantizers(
    Func<Quantizer>? Weight = null, Func<Quantizer>? Input = null, Func<Quantizer>? Hidden = null, Func<Quantizer>? Gate = null, Func<Quantizer>? Candidate = null)
{
    /// <summary>No quantization anywhere (a float layer).</summary>
    public static RecurrentQuantizers None { get; } = new();
}
