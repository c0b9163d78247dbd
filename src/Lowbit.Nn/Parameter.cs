using Lowbit.Tensors;

namespace Lowbit.Nn;

/// <summary>
/// A learnable tensor and its per-parameter training settings (learning-rate scale, latent clipping, decay).
/// </summary>
public sealed class Parameter
{
    private Tensor _value;

    /// <summary>Wraps <paramref name="value"/> and marks it as requiring gradients.</summary>
    public Parameter(Tensor value)
    {
        ArgumentNullException.ThrowIfNull(value);
        _value = value;
        _value.RequiresGrad = true;
    }

    /// <summary>The current value (a leaf tensor that requires grad).</summary>
    public Tensor Value
    {
        get => _value;
        set
        {
            ArgumentNullException.ThrowIfNull(value);
            value.RequiresGrad = true;
            _value = value;
        }
    }

    /// <summary>Gradient accumulated by the last backward pass.</summary>
    public Tensor? Grad => _value.Grad;

    /// <summary>Multiplier on the optimizer's learning rate (BinaryConnect's Glorot scaling sets it).</summary>
    public double LearningRateScale { get; set; } = 1.0;

    /// <summary>
    /// Updated by plain gradient descent, value −= lr·scale·grad, whatever the optimizer (no moments, no decay);
    /// BitPruning's <c>bitlength_update: "sgd"</c> sets it so that the regulariser's per-layer gradient sizes, not
    /// Adam's per-parameter normalisation, decide how fast each bitlength moves.
    /// </summary>
    public bool PlainGradient { get; set; }

    /// <summary>Latent-weight clipping applied after every optimizer step (BinaryConnect/BinaryNet: [−1, 1]).</summary>
    public (double Min, double Max)? Clip { get; set; }

    /// <summary>Whether the optimizer's weight decay applies (off for batch-norm and quantizer parameters).</summary>
    public bool Decay { get; set; } = true;

    /// <summary>Clears the gradient.</summary>
    public void ZeroGrad() => _value.Grad = null;
}
