using Lowbit.Nn;

namespace Lowbit.Training.Optimizers;

/// <summary>
/// Shared settings of the Adam family (Adam, AdaMax, ShiftAdaMax): first-moment decay β1, second-moment (or
/// infinity-norm) decay β2, denominator ε and L2 weight decay, validated once here.
/// </summary>
public abstract class MomentOptimizer : Optimizer
{
    /// <summary>Validates and stores the settings.</summary>
    /// <exception cref="ArgumentOutOfRangeException">β outside [0, 1), or ε / weight decay negative or infinite.</exception>
    protected MomentOptimizer(IEnumerable<(string Name, Parameter Parameter)> parameters, double learningRate, double beta1, double beta2, double epsilon, double weightDecay)
        : base(parameters, learningRate)
    {
        string who = GetType().Name;
        if (!(beta1 >= 0 && beta1 < 1)) throw new ArgumentOutOfRangeException(nameof(beta1), beta1, $"{who}: beta1 must be in [0, 1).");
        if (!(beta2 >= 0 && beta2 < 1)) throw new ArgumentOutOfRangeException(nameof(beta2), beta2, $"{who}: beta2 must be in [0, 1).");
        if (!(epsilon >= 0) || double.IsInfinity(epsilon)) throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, $"{who}: epsilon must be finite and ≥ 0.");
        if (!(weightDecay >= 0) || double.IsInfinity(weightDecay)) throw new ArgumentOutOfRangeException(nameof(weightDecay), weightDecay, $"{who}: weight decay must be finite and ≥ 0.");
        Beta1 = beta1;
        Beta2 = beta2;
        Epsilon = epsilon;
        WeightDecay = weightDecay;
    }

    /// <summary>First-moment decay β1.</summary>
    public double Beta1 { get; }

    /// <summary>Second-moment (Adam) or infinity-norm (AdaMax) decay β2.</summary>
    public double Beta2 { get; }

    /// <summary>Denominator epsilon.</summary>
    public double Epsilon { get; }

    /// <summary>L2 coefficient (applied to parameters whose <see cref="Parameter.Decay"/> is set).</summary>
    public double WeightDecay { get; }
}
