using Lowbit.Nn;
using Lowbit.Quantization;

namespace Lowbit.Training.Optimizers;

/// <summary>
/// Shift-based AdaMax (BinaryNet): AdaMax whose multiplications by the step size and by 1/v are replaced by
/// multiplications with power-of-two values AP2(·), i.e. bit shifts.
/// </summary>
/// <remarks>
/// Per element, at step t (g includes λ·w when weight decay applies to the parameter):
/// m ← β1·m + (1 − β1)·g; v ← max(β2·v, |g|);
/// w ← w − AP2(η/(1 − β1ᵗ)) · m · AP2(1/(v + ε)), with η = learning rate × the parameter's scale.
/// With the defaults 1 − β1 = 2^−3 and 1 − β2 = 2^−10 the moment updates are shift-and-add too
/// (m − m·2^−3 + g·2^−3). The placement of AP2 on the bias-corrected step size and on 1/v is our choice: the paper
/// writes the step size (α ≫≪ (1 − β1)) and (m ≫≪ v^−1), and we could not confirm the exact placement.
/// Defaults η = 2^−10, β1 = 1 − 2^−3, β2 = 1 − 2^−10, ε = 1e-8 (ε keeps 1/v finite before any gradient).
/// AP2(x) = sign(x)·2^round(log2|x|), see <see cref="PowerOfTwo"/>.
/// Paper: Courbariaux, Hubara et al., "Binarized Neural Networks", arXiv 1602.02830 (Algorithm 4).
/// </remarks>
public sealed class ShiftAdaMax : MomentOptimizer
{
    /// <summary>Default learning rate 2^−10.</summary>
    public const double DefaultLearningRate = 1.0 / 1024;

    /// <summary>Creates the optimizer.</summary>
    /// <param name="parameters">Named parameters.</param>
    /// <param name="learningRate">Step size η (positive; default 2^−10).</param>
    /// <param name="beta1">First-moment decay in [0, 1) (default 1 − 2^−3).</param>
    /// <param name="beta2">Infinity-norm decay in [0, 1) (default 1 − 2^−10).</param>
    /// <param name="epsilon">Added to v before the reciprocal (≥ 0).</param>
    /// <param name="weightDecay">L2 coefficient (≥ 0).</param>
    /// <exception cref="ArgumentOutOfRangeException">An argument is outside its range.</exception>
    public ShiftAdaMax(IEnumerable<(string Name, Parameter Parameter)> parameters, double learningRate = DefaultLearningRate, double beta1 = 0.875, double beta2 = 1 - 1.0 / 1024, double epsilon = 1e-8, double weightDecay = 0)
        : base(parameters, learningRate, beta1, beta2, epsilon, weightDecay)
    {
    }

    /// <inheritdoc/>
    protected override void Update(string name, Parameter parameter, Span<float> value, Span<float> grad, double learningRate)
    {
        ArgumentNullException.ThrowIfNull(parameter);
        var m = StateBuffer("m", name, value.Length);
        var u = StateBuffer("u", name, value.Length);
        float b1 = (float)Beta1, b2 = (float)Beta2, wd = parameter.Decay ? (float)WeightDecay : 0f;
        float step = (float)PowerOfTwo.Approximate(learningRate / (1 - Math.Pow(Beta1, StepCount)));
        for (int i = 0; i < value.Length; i++)
        {
            float g = grad[i] + wd * value[i];
            m[i] = b1 * m[i] + (1 - b1) * g;
            u[i] = MathF.Max(b2 * u[i], MathF.Abs(g));
            float inverse = (float)PowerOfTwo.Approximate(1.0 / (u[i] + Epsilon));
            value[i] -= step * m[i] * inverse;
        }
    }
}
