using Lowbit.Tensors;

namespace Lowbit.Nn.Layers.Recurrent;

/// <summary>
/// A stack of LSTM layers (Hochreiter and Schmidhuber, 1997, with a forget gate; PyTorch's formulation and parameter
/// layout), with optional quantizers on the weights, the first layer's input, the gates and the hidden state.
/// </summary>
/// <remarks>
/// Per step: (i, f, g, o) = (σ, σ, tanh, σ)(x_t·W_ihᵀ + b_ih + h_{t−1}·W_hhᵀ + b_hh), c_t = f ⊙ c_{t−1} + i ⊙ g,
/// h_t = o ⊙ tanh(c_t); with quantizers, i, f, o pass the gate quantizer, g the candidate quantizer and h_t the hidden
/// quantizer, and W_ih, W_hh the weight quantizer (each its own instance); the cell state stays in float.
/// See <see cref="RecurrentLayer"/> for shapes and the carried state, <see cref="LstmSequence"/> for the fused op.
/// Quantized LSTMs: Hubara et al., "Quantized Neural Networks", arXiv 1609.07061; He et al., "Effective Quantization
/// Methods for Recurrent Neural Networks", arXiv 1611.10176.
/// </remarks>
public sealed class Lstm : RecurrentLayer
{
    /// <summary>Creates the stack; see <see cref="RecurrentLayer"/> for the parameters.</summary>
    public Lstm(int inputSize, int hiddenSize, Random random, int layers = 1, double dropout = 0, RecurrentQuantizers? quantizers = null, double? initRange = null)
        : base(inputSize, hiddenSize, layers, dropout, random, quantizers ?? RecurrentQuantizers.None, initRange, gateCount: 4)
    {
    }

    /// <inheritdoc/>
    public override bool HasCell => true;

    private protected override Tensor RunLayer(int layer, Tensor input, Tensor weightIh, Tensor weightHh, Tensor h0, Tensor? c0, int steps, int batch,
        RecurrentSites sites, out Tensor finalHidden, out Tensor? finalCell)
    {
        // [T·B, 4H]: the input projection of every step in one GEMM; both biases are added here.
        var xproj = Tensor.Linear(input, weightIh, Tensor.Add(BiasIh(layer).Value, BiasHh(layer).Value));
        var output = LstmSequence.Forward(xproj, weightHh, h0, c0!, steps, batch, sites, out finalHidden, out var cell);
        finalCell = cell;
        return output;
    }
}
