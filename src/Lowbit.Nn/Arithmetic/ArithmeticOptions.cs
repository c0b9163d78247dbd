using Lowbit.Quantization.Arithmetic;

namespace Lowbit.Nn.Arithmetic;

/// <summary>How radix points and formats are shared between layers.</summary>
public enum GroupScope
{
    /// <summary>Every weighted layer has its own ten groups (dynamic fixed point as in the paper).</summary>
    PerLayer,

    /// <summary>One group per quantity for the whole model (one radix point per quantity).</summary>
    PerModel,
}

/// <summary>
/// Which number format each quantity of training uses: <see cref="Propagation"/> for everything computed in the
/// forward and backward passes (z, y, their gradients, the weight and bias gradients, the momenta, and the copies of
/// W and b the passes use), <see cref="Update"/> for the stored W and b, and per-quantity <see cref="Overrides"/>.
/// </summary>
/// <remarks>
/// The split follows Courbariaux, Bengio, David (arXiv 1412.7024): parameters are kept at a higher precision than the
/// propagations so that small updates are not lost; the forward and backward passes use the parameters rounded to
/// the propagation precision (with the same radix point under fixed point). An override of W or b replaces the stored
/// format. <see cref="LossScale"/> multiplies the gradient that back-propagation starts from (all gradient-derived
/// quantities are that much larger when they are rounded) and divides the learning rate, so the update itself is
/// unchanged: static loss scaling as in mixed-precision training, with the unscaling folded into the update.
/// </remarks>
public sealed record ArithmeticOptions
{
    /// <summary>Creates the options.</summary>
    /// <param name="propagation">Format of the propagated quantities.</param>
    /// <param name="update">Format of the stored parameters (default: <paramref name="propagation"/>).</param>
    /// <param name="overrides">Formats of individual quantities, or null.</param>
    /// <param name="groups">How groups are shared between layers.</param>
    /// <param name="lossScale">Gradient scale S &gt; 0 (1 = none).</param>
    /// <param name="rangeInitEpochs">Epochs of full-precision training that only move the dynamic radix points, after
    /// which the parameters and optimizer state are reset to their initial values (0 = none).</param>
    /// <exception cref="ArgumentOutOfRangeException">A non-positive or non-finite loss scale, or negative epochs.</exception>
    public ArithmeticOptions(NumberFormat propagation, NumberFormat? update = null, IReadOnlyDictionary<Quantity, NumberFormat>? overrides = null,
        GroupScope groups = GroupScope.PerLayer, double lossScale = 1, int rangeInitEpochs = 0)
    {
        ArgumentNullException.ThrowIfNull(propagation);
        if (!(lossScale > 0) || double.IsInfinity(lossScale))
            throw new ArgumentOutOfRangeException(nameof(lossScale), lossScale, "the loss scale must be positive and finite.");
        ArgumentOutOfRangeException.ThrowIfNegative(rangeInitEpochs);
        Propagation = propagation;
        Update = update ?? propagation;
        Overrides = overrides ?? new Dictionary<Quantity, NumberFormat>();
        Groups = groups;
        LossScale = lossScale;
        RangeInitEpochs = rangeInitEpochs;
    }

    /// <summary>Propagation format.</summary>
    public NumberFormat Propagation { get; }

    /// <summary>Format of the stored parameters.</summary>
    public NumberFormat Update { get; }

    /// <summary>Per-quantity formats that replace the defaults.</summary>
    public IReadOnlyDictionary<Quantity, NumberFormat> Overrides { get; }

    /// <summary>Group sharing.</summary>
    public GroupScope Groups { get; }

    /// <summary>Gradient (loss) scale.</summary>
    public double LossScale { get; }

    /// <summary>Full-precision epochs that initialise the dynamic radix points.</summary>
    public int RangeInitEpochs { get; }

    /// <summary>The format of <paramref name="quantity"/> (for W and b: the stored one).</summary>
    public NumberFormat FormatOf(Quantity quantity) =>
        Overrides.TryGetValue(quantity, out var f) ? f : quantity is Quantity.Weight or Quantity.Bias ? Update : Propagation;

    /// <summary>True when nothing is rounded (every format is float32): training is plain float32 training.</summary>
    public bool IsIdentity => Enum.GetValues<Quantity>().All(q => FormatOf(q).IsIdentity) && Propagation.IsIdentity;

    /// <summary>True when some format has a dynamic radix point.</summary>
    public bool HasDynamicFormats => Enum.GetValues<Quantity>().Any(q => FormatOf(q).IsDynamic) || Propagation.IsDynamic;
}
