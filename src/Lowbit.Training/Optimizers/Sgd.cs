using Lowbit.Nn;

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
    protected override void Update(string name, Parameter parameter, Span<float> value, Span<float> grad, double learningRate)
    {
        float lr = (float)learningRate, mu = (float)Momentum, wd = parameter.Decay ? (float)WeightDecay : 0f;
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
}
