using Lowbit.Tensors;

namespace Lowbit.Quantization;

/// <summary>Per-call context of a quantizer: mode and randomness.</summary>
/// <param name="Training">True during training (stochastic quantizers sample; statistics update).</param>
/// <param name="Random">Seeded generator for stochastic quantizers (null when none is needed or available).</param>
public sealed record QuantizerContext(bool Training, Random? Random)
{
    /// <summary>Evaluation context without randomness.</summary>
    public static QuantizerContext Eval { get; } = new(false, null);
}

/// <summary>
/// A quantizer: a forward map onto a discrete level set plus a surrogate gradient for training, optional learnable
/// state (e.g. PACT's α, LSQ's step), an optional regulariser, and its bit width.
/// </summary>
/// <remarks>
/// Conventions used by every quantizer unless its own remarks say otherwise:
/// sign(0) = +1 (bit 1 in packed form); rounding is half away from zero (<see cref="MidpointRounding.AwayFromZero"/>);
/// quantizers never modify their input tensor.
/// Implementations record their backward rule with <see cref="Tensor.StraightThrough"/> or
/// <see cref="Lowbit.Tensors.Autograd.GradGraph.Record"/>.
/// </remarks>
public abstract class Quantizer
{
    /// <summary>Registry name (as written in configs), e.g. <c>ste_sign</c>.</summary>
    public abstract string Name { get; }

    /// <summary>
    /// The options that recreate this quantizer through <see cref="QuantizerRegistry"/> under <see cref="Name"/> (a
    /// config's quantizer object without its "type"): numbers as double or int, strings, booleans. Learned values are
    /// not options; initial values are, and the learned ones live in checkpoints. Null when the quantizer cannot be
    /// written as a config entry (then a model holding it cannot be saved for the CLI).
    /// </summary>
    public virtual IReadOnlyDictionary<string, object>? Options => null;

    /// <summary>Bits per quantized value (fractional for mixed/heterogeneous schemes: the average).</summary>
    public abstract double BitWidth { get; }

    /// <summary>Whether the output values are signed (symmetric around 0) rather than non-negative.</summary>
    public virtual bool Signed => true;

    /// <summary>Quantizes <paramref name="x"/>; the result carries the surrogate gradient.</summary>
    public abstract Tensor Quantize(Tensor x, QuantizerContext context);

    /// <summary>Learnable tensors of this quantizer (registered as parameters by the owning layer).</summary>
    public virtual IReadOnlyList<(string Name, Tensor Value)> LearnableTensors => [];

    /// <summary>How the optimizer treats <see cref="LearnableTensors"/> (decay, clip, learning-rate scale); default: no decay.</summary>
    public virtual LearnableTensorOptions LearnableOptions => LearnableTensorOptions.Default;

    /// <summary>
    /// True when the evaluation forward pass returns its input unchanged (the quantizer acts only in training or only
    /// on gradients: Few Multiplications' power-of-two back-propagation, stochastic binarization with real weights at
    /// test time). Cost models then count the operand as float32.
    /// </summary>
    public virtual bool IdentityAtEvaluation => false;

    /// <summary>Non-learnable state saved in checkpoints (e.g. bit maps, running ranges).</summary>
    public virtual IReadOnlyList<(string Name, Tensor Value)> StateTensors => [];

    /// <summary>Regularisation term to add to the loss for the given latent tensor (e.g. BNN+), or null.</summary>
    public virtual Tensor? Regularization(Tensor latent) => null;

    /// <summary>
    /// The tensor a layer should use in place of its (quantized) input when it computes the weight gradient, or
    /// null for the usual g_W = g_yᵀ·input. Only input quantizers that change back-propagation alone override this
    /// (Few Multiplications' power-of-two quantized back-propagation, <see cref="PowerOfTwoBackprop"/>); layers pass
    /// the result to <see cref="QuantizedBackprop.Linear"/>.
    /// </summary>
    /// <param name="input">The layer input after <see cref="Quantize"/>.</param>
    /// <param name="context">Mode and generator of the step.</param>
    public virtual Tensor? WeightGradientInput(Tensor input, QuantizerContext context) => null;

    /// <summary>
    /// For activation quantizers whose scale belongs on a convolution's output rather than its input (XNOR-Net's K,
    /// box-filtered over the kernel window): the unscaled quantized input and the per-position magnitude map
    /// [N, 1, H, W] that the convolution box-filters with its own kernel, stride and padding and multiplies into its
    /// output. Null (the default) means: use <see cref="Quantize"/> as for any other layer.
    /// </summary>
    /// <param name="x">The convolution's input [N, C, H, W].</param>
    /// <param name="context">Mode and generator of the step.</param>
    public virtual (Tensor Quantized, Tensor Magnitude)? ConvOutputScale(Tensor x, QuantizerContext context) => null;

    /// <summary>
    /// The latent-weight clipping range this quantizer's method prescribes for a weight of shape
    /// <paramref name="weightShape"/>, used when the config gives no <c>weight_clip</c>; null when the method prescribes
    /// none (the default). Few Multiplications clips to [−W0, W0] with a W0 that depends on the layer's fans.
    /// </summary>
    public virtual double? DefaultLatentClip(IReadOnlyList<int> weightShape) => null;

    /// <summary>Converts learnable and state tensors to <paramref name="type"/> (gradient checks in Float64).</summary>
    public virtual void ConvertTo(DType type)
    {
    }

    /// <summary>
    /// After its tensors were restored (from a checkpoint): the first learnable or state value this quantizer cannot
    /// work with, described for a message, or null when all are usable.
    /// </summary>
    public virtual string? FindInvalidState() => null;

    /// <summary>The first index of <paramref name="values"/> that is not finite and positive, or -1.</summary>
    protected static int IndexOfNonPositive(Tensor values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var v = values.ToDoubleArray();
        for (int i = 0; i < v.Length; i++)
            if (!(v[i] > 0) || double.IsInfinity(v[i])) return i;
        return -1;
    }

    /// <summary>True when the one-element flag tensor holds exactly 0 or 1.</summary>
    protected static bool IsFlag(Tensor flag)
    {
        ArgumentNullException.ThrowIfNull(flag);
        double f = flag.GetFlat(0);
        return f is 0 or 1;
    }

    /// <inheritdoc/>
    public override string ToString() => Name;
}
