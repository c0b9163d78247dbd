using Lowbit.Tensors;

namespace Lowbit.Nn.Arithmetic;

public sealed partial class ArithmeticPolicy
{
    /// <inheritdoc/>
    public bool Covers(string parameterName) => _parameters.ContainsKey(parameterName);

    /// <inheritdoc/>
    public void RoundGradient(string parameterName, Tensor gradient, int start, int length)
    {
        ArgumentNullException.ThrowIfNull(gradient);
        var (_, g, _, index) = Groups(parameterName);
        g.Round(gradient, gradient, g.Format, Call(g, true, Salt(index, 0)), start, length);
    }

    /// <inheritdoc/>
    public void RoundMomentum(string parameterName, Tensor momentum, int start, int length)
    {
        ArgumentNullException.ThrowIfNull(momentum);
        var (_, _, g, index) = Groups(parameterName);
        g.Round(momentum, momentum, g.Format, Call(g, true, Salt(index, 1)), start, length);
    }

    /// <inheritdoc/>
    public void Store(string parameterName, Tensor master, Tensor value, int start, int length)
    {
        ArgumentNullException.ThrowIfNull(master);
        ArgumentNullException.ThrowIfNull(value);
        if (master.Length != value.Length)
            throw new ArgumentException($"master copy of '{parameterName}' has {master.Length} elements, the parameter {value.Length}.", nameof(master));
        var (g, _, _, index) = Groups(parameterName);
        g.Round(value, master, g.Format, Call(g, true, Salt(index, 2)), start, length);
        g.Round(master, value, g.CopyFormat!, Call(g, true, Salt(index, 3)), start, length);
    }

    /// <summary>Distinct salts for the uses of groups by parameters (after the forward/backward salts 0 and 1).</summary>
    private static int Salt(int parameterIndex, int use) => 2 + 4 * parameterIndex + use;

    private (RoundingGroup Value, RoundingGroup Gradient, RoundingGroup Momentum, int Index) Groups(string parameterName) =>
        _parameters.TryGetValue(parameterName, out var groups)
            ? groups
            : throw new ArgumentException($"parameter '{parameterName}' is not covered by the arithmetic policy (only dense and conv2d weights and biases are).", nameof(parameterName));
}
