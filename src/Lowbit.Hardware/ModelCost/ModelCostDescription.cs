namespace Lowbit.Hardware.ModelCost;

/// <summary>Result of <see cref="ModelCostMapper.Describe"/>: the cost-model input and, per row, the model-side details for tables.</summary>
/// <param name="Network">Input of <see cref="CostModel.Estimate"/>.</param>
/// <param name="Layers">One entry per <see cref="NetworkCostInput.Layers"/> row, in the same order.</param>
public sealed record ModelCostDescription(NetworkCostInput Network, IReadOnlyList<ModelLayerCost> Layers);
