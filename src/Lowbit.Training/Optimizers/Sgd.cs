using Lowbit.Nn;
using Lowbit.Nn.Arithmetic;

namespace Lowbit.Training.Optimizers;

/// <summary>
/// Stochastic gradient descent with optional momentum, Nesterov momentum and L2 weight decay (PyTorch semantics):
/// g ← g + λ·w (if decayed); v ← μ·v + g; step = g + μ·v (Nesterov) or v; w ← w − η·step.
/// </summary>
public sealed class Sgd : Optimizer
{
    /// <summary>Creates the optimizer.</summary>
    public Sgd(IEnumerable<(string Name, Parameter Parameter)> parameters, double learningRate, double momentum = 0, bool nesterov = false, double weightDecay = 0)
        : base(parameters, learningRate)
    {
        if (!(momentum >= 0 && momentum < 1)) throw new ArgumentOutOfRangeException(nameof(momentum), momentum, "SGD momentum must be in [0, 1).");
        if (nesterov && momentum == 0) throw new ArgumentException("Nesterov momentum needs momentum > 0.", nameof(nesterov));
        if (!(weightDecay >= 0)) throw new ArgumentOutOfRangeException(nameof(weightDecay), weightDecay, "Weight decay must be ≥ 0.");
        Momentum = momentum;
        Nesterov = nesterov;
        WeightDecay = weightDecay;
    }

    /// <summary>Momentum μ.</summary>
    public double Momentum { get; }

    /// <summary>Nesterov variant.</summary>
    public bool Nesterov { get; }

    /// <summary>L2 coefficient λ.</summary>
    public double WeightDecay { get; }

    /// <inheritdoc/>
    protected override bool SupportsArithmetic => true;

    /// <inheritdoc/>
    protected override void CheckArithmetic(IUpdateArithmetic arithmetic)
    {
        if (WeightDecay > 0 && arithmetic.LossScale != 1)
            throw new ArgumentException($"sgd with weight decay and a loss scale of {arithmetic.LossScale} is not implemented (the decay term would be scaled with the gradient); use loss_scale 1 or no weight decay.", nameof(arithmetic));
    }

    /// <inheritdoc/>
    protected override void Update(string name, Parameter parameter, Span<float> value, Span<float> grad, double learningRate)
    {
        float lr = (float)learningRate, mu = (float)Momentum, wd = parameter.Decay ? (float)WeightDecay : 0f;
        if (Arithmetic is { } arithmetic && Momentum > 0)
        {
            UpdateRoundingMomentum(name, value, grad, lr, mu, wd, arithmetic);
            return;
        }
        Span<float> v = Momentum > 0 ? StateBuffer("momentum", name, value.Length) : default;
        for (int i = 0; i < value.Length; i++)
        {
            float g = grad[i] + wd * value[i];
            if (Momentum > 0)
            {
                v[i] = mu * v[i] + g;
                g = Nesterov ? g + mu * v[i] : v[i];
            }
            value[i] -= lr * g;
        }
    }

    /// <summary>
    /// The same arithmetic as <see cref="Update"/>, element for element, in two passes so that the momentum buffer is
    /// rounded after its update and before the parameter update uses it (v ← round(μ·v + g); w ← w − η·v or, Nesterov,
    /// w ← w − η·(g + μ·v)).
    /// </summary>
    private void UpdateRoundingMomentum(string name, Span<float> value, ReadOnlySpan<float> grad, float lr, float mu, float wd, IUpdateArithmetic arithmetic)
    {
        var momentum = StateTensor("momentum", name, value.Length);
        var v = momentum.AsSpan();
        for (int i = 0; i < value.Length; i++) v[i] = mu * v[i] + (grad[i] + wd * value[i]);
        arithmetic.RoundMomentum(name, momentum);
        for (int i = 0; i < value.Length; i++)
        {
            float g = grad[i] + wd * value[i];
            g = Nesterov ? g + mu * v[i] : v[i];
            value[i] -= lr * g;
        }
    }
}
