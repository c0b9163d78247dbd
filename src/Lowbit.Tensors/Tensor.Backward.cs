using Lowbit.Tensors.Autograd;

namespace Lowbit.Tensors;

public sealed partial class Tensor
{
    /// <summary>
    /// Computes gradients of this tensor with respect to every leaf that requires them.
    /// A one-element tensor is seeded with 1; otherwise pass <paramref name="gradient"/>.
    /// </summary>
    public void Backward(Tensor? gradient = null)
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
        GradGraph.Backward(this, gradient);
    }
}
