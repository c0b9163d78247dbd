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

    /// <summary>Rounds elements [start, start + length) of a parameter's gradient in place (dE/dW or dE/db).</summary>
    /// <remarks>Every method works on an element range so that an optimizer can run all of a step's passes over one
    /// cache-sized block before the next; rounding a tensor range by range equals rounding it whole.</remarks>
    void RoundGradient(string parameterName, Tensor gradient, int start, int length);

    /// <summary>Rounds elements [start, start + length) of a parameter's momentum buffer in place.</summary>
    void RoundMomentum(string parameterName, Tensor momentum, int start, int length);

    /// <summary>
    /// Stores elements [start, start + length) of a parameter: <paramref name="value"/> holds the updated master values
    /// in float32; afterwards <paramref name="master"/> holds them rounded at update precision and
    /// <paramref name="value"/> the propagation copy of those (what the forward and backward passes use).
    /// </summary>
    void Store(string parameterName, Tensor master, Tensor value, int start, int length);
}
