namespace Lowbit.Nn.Arithmetic;

/// <summary>
/// The quantities of training that an arithmetic policy rounds, per weighted layer (dense or conv2d): the ten groups
/// of Courbariaux, Bengio, David (arXiv 1412.7024), each with its own radix point under dynamic fixed point.
/// </summary>
public enum Quantity
{
    /// <summary>z: the weighted sum, the layer's own output (x·Wᵀ + b).</summary>
    WeightedSum,

    /// <summary>y: the output of the layer's block (after its activation, dropout, pooling), the next layer's input.</summary>
    Output,

    /// <summary>W: the weights (stored at update precision; used in the forward pass at propagation precision).</summary>
    Weight,

    /// <summary>b: the bias (as the weights).</summary>
    Bias,

    /// <summary>dE/dz: the gradient reaching the weighted sum.</summary>
    WeightedSumGradient,

    /// <summary>dE/dy: the gradient reaching the block's output.</summary>
    OutputGradient,

    /// <summary>dE/dW: the weight gradient, before the update.</summary>
    WeightGradient,

    /// <summary>dE/db: the bias gradient, before the update.</summary>
    BiasGradient,

    /// <summary>The momentum buffer of the weights.</summary>
    WeightMomentum,

    /// <summary>The momentum buffer of the bias.</summary>
    BiasMomentum,
}

/// <summary>Config and log names of <see cref="Quantity"/> values: z, y, W, b, dE/dz, dE/dy, dE/dW, dE/db, vW, vb.</summary>
public static class QuantityNames
{
    private static readonly string[] s_names = ["z", "y", "W", "b", "dE/dz", "dE/dy", "dE/dW", "dE/db", "vW", "vb"];

    /// <summary>Every name, in <see cref="Quantity"/> order.</summary>
    public static IReadOnlyList<string> All => s_names;

    /// <summary>The name of <paramref name="quantity"/>.</summary>
    public static string Name(Quantity quantity) => s_names[(int)quantity];

    /// <summary>The quantity named <paramref name="name"/>.</summary>
    /// <exception cref="ArgumentException">Not one of <see cref="All"/>.</exception>
    public static Quantity Parse(string name)
    {
        int i = Array.IndexOf(s_names, name);
        return i >= 0 ? (Quantity)i : throw new ArgumentException($"unknown quantity '{name}'; allowed: {string.Join(", ", s_names)}.", nameof(name));
    }

    /// <summary>True for the gradients and momenta (scaled by the loss scale).</summary>
    public static bool IsGradientDerived(Quantity quantity) => quantity >= Quantity.WeightedSumGradient;
}
