using Lowbit.Tensors.Autograd;

namespace Lowbit.Tensors;

public sealed partial class Tensor
{
    /// <summary>
    /// Computes gradients of this tensor with respect to every leaf that requires them.
    /// A one-element tensor is seeded with 1; otherwise pass <paramref name="gradient"/>.
    /// </summary>
    public void Backward(Tensor? gradient = null) => Backward(gradient, null);

    /// <summary>
    /// <see cref="Backward(Tensor?)"/>, calling <paramref name="leafGradientReady"/> with each leaf as soon as its gradient
    /// for this pass is complete (no later op adds to it), so that work on finished gradients (e.g. sending them to other
    /// processes) can overlap the rest of the pass. Leaves come in reverse topological order: the last layers first.
    /// </summary>
    public void Backward(Tensor? gradient, Action<Tensor>? leafGradientReady)
    {
        if (!TracksGrad)
            throw new InvalidOperationException("Backward() called on a tensor that does not depend on any parameter (no graph was recorded; is GradMode disabled?).");
        if (gradient is null)
        {
            if (Length != 1)
                throw new InvalidOperationException($"Backward() without a gradient needs a one-element tensor; this one has shape {ShapeUtil.Format(_shape)}.");
            gradient = Full(DType, 1.0, (int[])_shape.Clone());
        }
        else if (!gradient.ShapeSpan.SequenceEqual(ShapeSpan))
        {
            throw new ArgumentException($"Backward: gradient shape {ShapeUtil.Format(gradient.ShapeSpan)} differs from tensor shape {ShapeUtil.Format(ShapeSpan)}.", nameof(gradient));
        }
        GradGraph.Backward(this, gradient, leafGradientReady);
    }
}
