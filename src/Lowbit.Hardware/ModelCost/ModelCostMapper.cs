using Lowbit.Nn;

namespace Lowbit.Hardware.ModelCost;

/// <summary>
/// Turns a model into a <see cref="NetworkCostInput"/>: one row per operation each module declares in
/// <see cref="Module.Cost"/> (dense, convolution, normalisation, pooling, element-wise, branch sum), with parameter
/// counts, MACs, operand encodings from the quantizers and output sizes, all per example. Containers (sequences,
/// residual blocks) are walked into; rows are named "path:Type", e.g. "1:Linear" or "3.body.0:Conv2d". See
/// docs/COST-MODEL.md, section "lowbit summary", for every rule.
/// </summary>
/// <remarks>
/// Activation encoding of a weighted operation: its input quantizer if it has one; otherwise the encoding set by the
/// most recent module whose output is quantized (<see cref="OutputLevels.Quantize"/>, e.g. a quant activation), as
/// long as only level-preserving modules (<see cref="OutputLevels.Preserve"/>: flatten, dropout, max-pool, ReLU,
/// hard-tanh) lie in between; otherwise float32. The sum of a residual block's branches is float.
/// Stored output bits: 32 for modules computing in float (dense, conv, batch norm, average pool, branch sums), the
/// quantizer's bits for quantizing modules, and the input's bits for level-preserving modules. Folding BN + sign into
/// thresholds is not applied, so a BN output before a binarizing layer counts 32 bits per element.
/// Views (flatten, dropout) declare no operation and get no row.
/// </remarks>
public static class ModelCostMapper
{
    /// <summary>Bits per element of the network input: the model receives float32 tensors.</summary>
    public const double DefaultInputBits = 32;

    /// <summary>Builds the cost-model input of <paramref name="model"/>.</summary>
    /// <param name="model">The model; its modules run in order.</param>
    /// <param name="inputShape">Per-example input shape, e.g. [1, 28, 28].</param>
    /// <param name="name">Model name for the report.</param>
    /// <returns>The network description.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException">The shapes do not chain, or a quantizer cannot be described.</exception>
    public static NetworkCostInput FromModel(Module model, int[] inputShape, string name) => Describe(model, inputShape, name).Network;

    /// <summary>Builds the cost-model input of <paramref name="model"/> together with per-row output shapes and parameter counts by bit width.</summary>
    /// <param name="model">The model; its modules run in order.</param>
    /// <param name="inputShape">Per-example input shape, e.g. [1, 28, 28].</param>
    /// <param name="name">Model name for the report.</param>
    /// <param name="inputBits">Bits per input element (default 32, float32 tensors).</param>
    /// <returns>The description.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException">The shapes do not chain, or a quantizer cannot be described.</exception>
    public static ModelCostDescription Describe(Module model, int[] inputShape, string name, double inputBits = DefaultInputBits)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(inputShape);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (inputShape.Length == 0 || inputShape.Any(d => d < 1))
        {
            throw new ArgumentException($"Input shape [{string.Join(", ", inputShape)}] must have at least one dimension, all ≥ 1.", nameof(inputShape));
        }

        var mapping = new LayerMapping();
        mapping.Map(model, "", new MappingState(inputShape, inputBits));
        long inputElements = inputShape.Aggregate(1L, (p, d) => checked(p * d));
        return new ModelCostDescription(new NetworkCostInput(name, inputElements, inputBits, mapping.Rows.ToList()), mapping.Details.ToList());
    }
}

/// <summary>What flows between modules while mapping: the per-example shape, the encoding set by the last quantizing activation, and the stored bits per element.</summary>
/// <param name="Shape">Per-example shape of the current tensor.</param>
/// <param name="Encoding">Encoding of the values (float32 unless a quantizing module set it and only level-preserving modules followed).</param>
/// <param name="StoredBits">Bits per stored element of the current tensor.</param>
internal sealed record MappingState(int[] Shape, OperandEncoding Encoding, double StoredBits)
{
    public MappingState(int[] shape, double inputBits)
        : this(shape, OperandEncoding.Float32, inputBits)
    {
    }

    /// <summary>State after a module that computes in float: float32 values stored at 32 bits.</summary>
    public MappingState AfterFloat() => this with { Encoding = OperandEncoding.Float32, StoredBits = 32 };
}
