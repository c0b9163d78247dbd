namespace Lowbit.Nn;

/// <summary>
/// What a module computes per example for a given input shape (<see cref="Module.Cost"/>): the child chains it runs
/// (containers), the operations it performs itself, and how its output values relate to its input values.
/// </summary>
/// <remarks>
/// Evaluation order: every chain of <see cref="Branches"/> runs on the module's input (each chain's modules in order);
/// with two or more chains their outputs are summed (described by an <see cref="OperationKind.Add"/> operation). Then
/// the module's own <see cref="Operations"/> run, and <see cref="Output"/> says how the final values relate to the
/// values entering those operations. A leaf layer has no branches; <c>Sequential</c> has one chain and no operations.
/// An empty chain is the identity (a residual block's identity shortcut).
/// </remarks>
public sealed record ModuleCost
{
    /// <summary>Child chains run on the module's input, as (name, module) pairs in order; empty for leaf layers.</summary>
    public IReadOnlyList<IReadOnlyList<(string Name, Module Module)>> Branches { get; init; } = [];

    /// <summary>The module's own operations, in order (empty for views and pure containers).</summary>
    public IReadOnlyList<OperationCost> Operations { get; init; } = [];

    /// <summary>How the output values relate to the values entering the module's own operations.</summary>
    public required OutputLevels Output { get; init; }

    /// <summary>The quantizer whose levels the output takes when <see cref="Output"/> is <see cref="OutputLevels.Quantize"/>.</summary>
    public QuantizerModule? OutputQuantizer { get; init; }

    /// <summary>A module that keeps its input's values and does nothing costed (flatten, dropout).</summary>
    public static ModuleCost View { get; } = new() { Output = OutputLevels.Preserve };

    /// <summary>A leaf with one operation.</summary>
    /// <param name="operation">The operation.</param>
    /// <param name="output">How its output relates to its input.</param>
    /// <returns>The description.</returns>
    public static ModuleCost Leaf(OperationCost operation, OutputLevels output) => new() { Operations = [operation], Output = output };
}
