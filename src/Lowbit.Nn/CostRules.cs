using Lowbit.Tensors;

namespace Lowbit.Nn;

/// <summary>Cost rules shared by several layers (element-wise maps, pooling).</summary>
internal static class CostRules
{
    /// <summary>An element-wise map that keeps the number of levels (ReLU, hard tanh).</summary>
    public static ModuleCost Elementwise(int[] inputShape)
    {
        long n = ShapeUtil.Product(inputShape);
        return ModuleCost.Leaf(OperationCost.Unweighted(OperationKind.Elementwise, n, n), OutputLevels.Preserve);
    }

    /// <summary>A pooling layer from <paramref name="inputShape"/> to <paramref name="outputShape"/>.</summary>
    public static ModuleCost Pool(int[] inputShape, int[] outputShape, OutputLevels output) =>
        ModuleCost.Leaf(OperationCost.Unweighted(OperationKind.Pool, ShapeUtil.Product(inputShape), ShapeUtil.Product(outputShape)), output);

    /// <summary>Elements of the learnable tensors of a quantizer module (0 for null).</summary>
    public static long LearnedElements(QuantizerModule? module) => module?.Parameters().Sum(p => (long)p.Value.Length) ?? 0;
}
