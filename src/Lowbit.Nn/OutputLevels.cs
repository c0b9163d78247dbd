namespace Lowbit.Nn;

/// <summary>How a module's output values relate to its input values, for cost models that track operand encodings.</summary>
public enum OutputLevels
{
    /// <summary>The output is computed in float (dense, conv, normalisation, average pooling, sums of branches).</summary>
    Float,

    /// <summary>The output takes only values its input had, or a fixed map of them (views, dropout, max pooling, ReLU, hard tanh).</summary>
    Preserve,

    /// <summary>The output lies on a quantizer's level set (<see cref="ModuleCost.OutputQuantizer"/>).</summary>
    Quantize,
}
