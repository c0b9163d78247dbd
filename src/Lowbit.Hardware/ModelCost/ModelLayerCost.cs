namespace Lowbit.Hardware.ModelCost;

/// <summary>What <see cref="ModelCostMapper"/> knows about one costed module beyond its <see cref="LayerCostInput"/>.</summary>
/// <param name="Name">Row name, equal to the matching <see cref="LayerCostInput.Name"/> ("index:Type", e.g. "1:Linear").</param>
/// <param name="Description">The module's <c>Describe()</c> text, e.g. "Linear(784 → 1024, w: ste_sign)".</param>
/// <param name="OutputShape">Per-example output shape.</param>
/// <param name="ParametersByBits">Stored parameters per bit width, ascending by bits: quantized weights at their (per-weight) bit count, biases, BN parameters, scales and quantizer parameters at 32.</param>
public sealed record ModelLayerCost(string Name, string Description, IReadOnlyList<int> OutputShape, IReadOnlyList<KeyValuePair<int, long>> ParametersByBits);
