using Lowbit.Tensors;

namespace Lowbit.Nn.Arithmetic;

/// <summary>
/// What an optimizer asks of an arithmetic policy, by parameter name, without knowing any format: round the gradient
/// before it is used, round the momentum buffer after it is updated, and store the updated parameter (rounded at
/// update precision into the master copy, and at propagation precision into the value the model computes with).
/// </summary>
public interface IUpdateArithmetic
{
    /// <summary>Factor the back-propagated gradients carry (the optimizer divides its learning rate by it).</summary>
    double LossScale { get; }

    /// <summary>Whether the policy knows this parameter (an optimizer must refuse parameters it does not).</summary>
    bool Covers(string parameterName);

    /// <summary>Rounds the gradient of a parameter in place (dE/dW or dE/db).</summary>
    void RoundGradient(string parameterName, Tensor gradient);

    /// <summary>Rounds the momentum buffer of a parameter in place.</summary>
    void RoundMomentum(string parameterName, Tensor momentum);

    /// <summary>
    /// Stores a parameter: <paramref name="value"/> holds the updated master values in float32; afterwards
    /// <paramref name="master"/> holds them rounded at update precision and <paramref name="value"/> the propagation
    /// copy of those (what the forward and backward passes use).
    /// </summary>
    void Store(string parameterName, Tensor master, Tensor value);
}
