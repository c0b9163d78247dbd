using Lowbit.Nn;
using Lowbit.Nn.Arithmetic;
using Lowbit.Tensors;

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
        var step = new SgdStep((float)learningRate, (float)Momentum, parameter.Decay ? (float)WeightDecay : 0f, Nesterov);
        if (Momentum == 0)
        {
            step.Plain(value, grad);
            return;
        }

        // v ← μ·v + g; w ← w − η·v (Nesterov: w − η·(g + μ·v)), vectorised with the scalar loop's operations.
        Span<float> v = StateBuffer("momentum", name, value.Length);
        step.Velocity(v, grad, value);
        step.Apply(value, grad, v);
    }

    /// <summary>Elements per block of the fused arithmetic update (four float arrays of it stay in L2).</summary>
    private const int Block = 8192;

    /// <summary>
    /// The same arithmetic as <see cref="Update"/>, element for element, with the policy's rounding in between, block by
    /// block so that every pass reads cached data: dE/dW rounded; w from the master copy; v ← round(μ·v + g) (so the
    /// parameter update uses the rounded momentum); w ← w − η·v (Nesterov: w − η·(g + μ·v)); clip; store.
    /// </summary>
    protected override void UpdateWithArithmetic(string name, Parameter p, Tensor master, double learningRate, IUpdateArithmetic arithmetic)
    {
        ArgumentNullException.ThrowIfNull(p);
        ArgumentNullException.ThrowIfNull(master);
        ArgumentNullException.ThrowIfNull(arithmetic);
        var step = new SgdStep((float)learningRate, (float)Momentum, p.Decay ? (float)WeightDecay : 0f, Nesterov);
        Tensor value = p.Value, grad = p.Grad!;
        var momentum = Momentum > 0 ? StateTensor("momentum", name, value.Length) : null;
        for (int start = 0; start < value.Length; start += Block)
        {
            int n = Math.Min(Block, value.Length - start);
            arithmetic.RoundGradient(name, grad, start, n);
            var w = value.AsSpan().Slice(start, n);
            master.AsSpan().Slice(start, n).CopyTo(w);
            var g = grad.AsSpan().Slice(start, n);
            if (momentum is null)
            {
                step.Plain(w, g);
            }
            else
            {
                step.Velocity(momentum.AsSpan().Slice(start, n), g, w);
                arithmetic.RoundMomentum(name, momentum, start, n);
                step.Apply(w, g, momentum.AsSpan().Slice(start, n));
            }
            if (p.Clip is { } c)
            {
                System.Numerics.Tensors.TensorPrimitives.Max(w, (float)c.Min, w);
                System.Numerics.Tensors.TensorPrimitives.Min(w, (float)c.Max, w);
            }
            arithmetic.Store(name, master, value, start, n);
        }
    }
}
