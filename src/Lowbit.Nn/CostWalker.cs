namespace Lowbit.Nn;

/// <summary>One operation found by <see cref="CostWalker.Operations"/>.</summary>
/// <param name="Path">Dotted path of the module in the tree ("3.body.0"; "" for the root).</param>
/// <param name="Module">The module performing the operation.</param>
/// <param name="Operation">The operation.</param>
public sealed record ModuleOperation(string Path, Module Module, OperationCost Operation);

/// <summary>Walks a module tree through <see cref="Module.Cost"/> and lists every operation in evaluation order.</summary>
public static class CostWalker
{
    /// <summary>Every operation of <paramref name="root"/> and its descendants, in evaluation order (branches in order).</summary>
    /// <param name="root">The model.</param>
    /// <param name="inputShape">Per-example input shape.</param>
    /// <returns>The operations with the path of the module that performs each.</returns>
    /// <exception cref="ArgumentException">The shapes do not chain.</exception>
    public static IReadOnlyList<ModuleOperation> Operations(Module root, int[] inputShape)
    {
        ArgumentNullException.ThrowIfNull(root);
        ArgumentNullException.ThrowIfNull(inputShape);
        var list = new List<ModuleOperation>();
        Visit(root, "", inputShape, list);
        return list;
    }

    /// <summary>The weighted (dense and convolution) operations of the tree, in evaluation order.</summary>
    /// <param name="root">The model.</param>
    /// <param name="inputShape">Per-example input shape.</param>
    /// <returns>The weighted operations.</returns>
    public static IReadOnlyList<ModuleOperation> WeightedOperations(Module root, int[] inputShape) =>
        Operations(root, inputShape).Where(o => o.Operation.IsWeighted).ToList();

    /// <summary>Joins a parent path and a child name with a dot ("" parent: the name alone).</summary>
    /// <param name="parent">Parent path.</param>
    /// <param name="name">Child name.</param>
    /// <returns>The child's path.</returns>
    public static string Join(string parent, string name) => parent.Length == 0 ? name : parent + "." + name;

    private static int[] Visit(Module module, string path, int[] shape, List<ModuleOperation> list)
    {
        var cost = module.Cost(shape);
        foreach (var branch in cost.Branches)
        {
            var s = shape;
            foreach (var (name, child) in branch) s = Visit(child, Join(path, name), s, list);
        }
        foreach (var op in cost.Operations) list.Add(new ModuleOperation(path, module, op));
        return module.OutputShape(shape);
    }
}
