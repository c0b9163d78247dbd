using Lowbit.Tensors;
using Lowbit.Tensors.Autograd;

namespace Lowbit.Quantization;

/// <summary>
/// Layer ops whose weight gradient is computed from a different tensor than the forward input (quantized
/// back-propagation). The forward output and the error propagated to the input are the ordinary ones.
/// </summary>
public static class QuantizedBackprop
{
    /// <summary>
    /// y = x·Wᵀ + b with backward g_x = g·W, g_W = gᵀ·x_w (x_w = <paramref name="weightGradientInput"/>, e.g.
    /// power-of-two x_q), g_b = Σ_n g[n, :].
    /// </summary>
    /// <param name="x">Input [N, in].</param>
    /// <param name="weightGradientInput">Stand-in for x in the weight gradient, [N, in], same type; no gradient flows into it.</param>
    /// <param name="weight">Weight [out, in].</param>
    /// <param name="bias">Bias [out] or null.</param>
    /// <returns>[N, out].</returns>
    /// <exception cref="ArgumentException">Shapes or types disagree.</exception>
    public static Tensor Linear(Tensor x, Tensor weightGradientInput, Tensor weight, Tensor? bias)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(weightGradientInput);
        ArgumentNullException.ThrowIfNull(weight);
        if (!weightGradientInput.ShapeSpan.SequenceEqual(x.ShapeSpan) || weightGradientInput.DType != x.DType)
            throw new ArgumentException($"QuantizedBackprop.Linear: weight-gradient input {weightGradientInput} must have the shape and type of x {x}.", nameof(weightGradientInput));
        Tensor y;
        using (GradMode.Disable()) y = Tensor.Linear(x, weight, bias);
        var xw = weightGradientInput.Detach();
        Tensor[] inputs = bias is null ? [x, weight] : [x, weight, bias];
        return GradGraph.Record(y, "QuantizedBackprop.Linear", inputs, g =>
        {
            var gx = x.TracksGrad ? Tensor.MatMul(g, weight) : null; // [N, in]
            var gw = weight.TracksGrad ? Tensor.MatMul(g, xw, transposeA: true) : null; // [out, in]
            if (bias is null) return [gx, gw];
            return [gx, gw, bias.TracksGrad ? Tensor.Sum(g, 0) : null];
        });
    }
}
