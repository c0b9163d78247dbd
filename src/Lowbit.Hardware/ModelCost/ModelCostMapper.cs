using System.Globalization;
using Lowbit.Nn;
using Lowbit.Nn.Layers;

namespace Lowbit.Hardware.ModelCost;

/// <summary>
/// Turns a <see cref="Sequential"/> model into a <see cref="NetworkCostInput"/>: one row per costed module (dense,
/// convolution, batch norm, pooling, activation), with parameter counts, MACs, operand encodings from the quantizers
/// and output sizes, all per example. See docs/COST-MODEL.md, section "lowbit summary", for every rule.
/// </summary>
/// <remarks>
/// Activation encoding of a dense/conv layer: its input quantizer if it has one; otherwise the encoding set by the
/// most recent <see cref="QuantActivation"/>, as long as only level-preserving modules (flatten, dropout, max-pool,
/// ReLU, hard-tanh) lie in between; otherwise float32.
/// Stored output bits: 32 for modules computing in float (dense, conv, batch norm, average pool), the quantizer's bits
/// for <see cref="QuantActivation"/>, and the input's bits for level-preserving modules. Folding BN + sign into
/// thresholds (METHODS 15.5) is not applied, so a BN output before a binarizing layer counts 32 bits per element.
/// Flatten and dropout are views / identities at inference and get no row.
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
    /// <exception cref="ArgumentException">The shapes do not chain, a module has no cost mapping, or a quantizer cannot be described.</exception>
    public static NetworkCostInput FromModel(Sequential model, int[] inputShape, string name) => Describe(model, inputShape, name).Network;

    /// <summary>Builds the cost-model input of <paramref name="model"/> together with per-row output shapes and parameter counts by bit width.</summary>
    /// <param name="model">The model; its modules run in order.</param>
    /// <param name="inputShape">Per-example input shape, e.g. [1, 28, 28].</param>
    /// <param name="name">Model name for the report.</param>
    /// <param name="inputBits">Bits per input element (default 32, float32 tensors).</param>
    /// <returns>The description.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException">The shapes do not chain, a module has no cost mapping, or a quantizer cannot be described.</exception>
    public static ModelCostDescription Describe(Sequential model, int[] inputShape, string name, double inputBits = DefaultInputBits)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(inputShape);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (inputShape.Length == 0 || inputShape.Any(d => d < 1))
        {
            throw new ArgumentException($"Input shape [{string.Join(", ", inputShape)}] must have at least one dimension, all ≥ 1.", nameof(inputShape));
        }

        var state = new MappingState(inputShape, inputBits);
        var rows = new List<LayerCostInput>();
        var details = new List<ModelLayerCost>();
        for (int i = 0; i < model.Layers.Count; i++)
        {
            var module = model.Layers[i];
            string rowName = string.Create(CultureInfo.InvariantCulture, $"{i}:{module.GetType().Name}");
            int[] outputShape;
            try
            {
                outputShape = module.OutputShape(state.Shape);
            }
            catch (ArgumentException e)
            {
                throw new ArgumentException($"Layer {rowName}: {e.Message}", nameof(model), e);
            }

            var mapped = LayerMapping.Map(module, rowName, state, outputShape);
            state = state with { Shape = outputShape };
            if (mapped is null)
            {
                continue;
            }

            var (row, parameters, next) = mapped.Value;
            row.Validate();
            rows.Add(row);
            details.Add(new ModelLayerCost(rowName, module.Describe(), outputShape, parameters));
            state = next with { Shape = outputShape };
        }

        long inputElements = inputShape.Aggregate(1L, (p, d) => checked(p * d));
        return new ModelCostDescription(new NetworkCostInput(name, inputElements, inputBits, rows), details);
    }
}

/// <summary>What flows between modules while mapping: the per-example shape, the encoding set by the last quantizing activation, and the stored bits per element.</summary>
/// <param name="Shape">Per-example shape of the current tensor.</param>
/// <param name="Encoding">Encoding of the values (float32 unless a <see cref="QuantActivation"/> set it and only level-preserving modules followed).</param>
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
