namespace Lowbit.Nn;

/// <summary>What an <see cref="OperationCost"/> computes; cost models choose their accounting by it.</summary>
public enum OperationKind
{
    /// <summary>Fully connected product y = W·x: one output position, fan-in = input features.</summary>
    Dense,

    /// <summary>2-D convolution (grouped and depthwise included): output positions = H_out·W_out.</summary>
    Conv2d,

    /// <summary>Per-channel normalisation (batch norm, shift batch norm): float parameters, no MACs.</summary>
    Normalization,

    /// <summary>Pooling (max, average, global average): no parameters, no MACs.</summary>
    Pool,

    /// <summary>Element-wise map (ReLU, hard tanh, a quantizer applied as a layer).</summary>
    Elementwise,

    /// <summary>Element-wise sum of branches (a residual block's shortcut addition): no parameters, no MACs.</summary>
    Add,

    /// <summary>Table look-up (an embedding): stored weights (the table, see <see cref="OperationCost.Weight"/>), no MACs.</summary>
    Lookup,
}
