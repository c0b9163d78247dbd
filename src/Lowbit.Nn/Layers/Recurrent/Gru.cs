using Lowbit.Tensors;

namespace Lowbit.Nn.Layers.Recurrent;

/// <summary>
/// A stack of GRU layers (Cho et al., 2014; PyTorch's formulation and parameter layout), with optional quantizers on
/// the weights, the first layer's input, the gates and the hidden state.
/// </summary>
/// <remarks>
/// Per step: r = σ(x·W_irᵀ + b_ir + h·W_hrᵀ + b_hr), z = σ(x·W_izᵀ + b_iz + h·W_hzᵀ + b_hz),
/// n = tanh(x·W_inᵀ + b_in + r ⊙ (h·W_hnᵀ + b_hn)), h_t = (1 − z) ⊙ n + z ⊙ h_{t−1}; with quantizers, r and z pass
/// the gate quantizer, n the candidate quantizer, h_t the hidden quantizer, W_ih and W_hh the weight quantizer.
/// See <see cref="RecurrentLayer"/> for shapes and the carried state, <see cref="GruSequence"/> for the fused op.
/// </remarks>
public sealed class Gru : RecurrentLayer
{
    /// <summary>Creates the stack; see <see cref="RecurrentLayer"/> for the parameters.</summary>
    public Gru(int inputSize, int hiddenSize, Random random, int layers = 1, double dropout = 0, RecurrentQuantizers? quantizers = null, double? initRange = null)
        : base(inputSize, hiddenSize, layers, dropout, random, quantizers ?? RecurrentQuantizers.None, initRange, gateCount: 3)
    {
    }

    /// <inheritdoc/>
    public override bool HasCell => false;

    private protected override Tensor RunLayer(int layer, Tensor input, Tensor weightIh, Tensor weightHh, Tensor h0, Tensor? c0, int steps, int batch,
        RecurrentSites sites, out Tensor finalHidden, out Tensor? finalCell)
    {
        var xproj = Tensor.Linear(input, weightIh, BiasIh(layer).Value); // [T·B, 3H] for every step in one GEMM
        finalCell = null;
        return GruSequence.Forward(xproj, weightHh, BiasHh(layer).Value, h0, steps, batch, sites, out finalHidden);
    }
}
