using Lowbit.Tensors.Autograd;

namespace Lowbit.Tensors;

/// <summary>Writes a function of <paramref name="source"/>'s elements into <paramref name="destination"/> (same shape, Float32).</summary>
/// <param name="source">Input values (read only by contract).</param>
/// <param name="destination">Output of the same length; every element must be written.</param>
public delegate void TensorMap(Tensor source, Tensor destination);

public sealed partial class Tensor
{
    /// <summary>
    /// An elementwise op given by two maps: the forward value is <paramref name="forward"/>(x) and the gradient passed
    /// back to x is <paramref name="backward"/>(g) (or g itself when null). With value maps that round onto a number
    /// format this is a straight-through rounding op whose backward also rounds the gradient: it is how arithmetic
    /// formats are applied to activations and to the gradients flowing through them.
    /// </summary>
    /// <param name="x">Float32 input.</param>
    /// <param name="forward">Forward map.</param>
    /// <param name="backward">Gradient map, or null for the identity (plain straight-through).</param>
    /// <param name="opName">Name for error messages.</param>
    /// <exception cref="ArgumentException"><paramref name="x"/> is not Float32.</exception>
    public static Tensor MapWithGradient(Tensor x, TensorMap forward, TensorMap? backward, string opName)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(forward);
        if (x.DType != DType.Float32)
            throw new ArgumentException($"{opName}: value maps work on Float32 tensors, got {x}.", nameof(x));
        var result = Uninitialized(DType.Float32, (int[])x._shape.Clone());
        forward(x, result);
        return GradGraph.Record(result, opName, [x], g =>
        {
            if (backward is null) return [g];
            var mapped = Uninitialized(DType.Float32, (int[])g._shape.Clone());
            backward(g, mapped);
            return [mapped];
        });
    }
}
