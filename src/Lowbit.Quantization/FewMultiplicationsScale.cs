using Lowbit.Tensors;

namespace Lowbit.Quantization;

/// <summary>The W0 of the few-multiplications quantizers: given, or half the Glorot-uniform bound of the weight.</summary>
internal static class FewMultiplicationsScale
{
    /// <summary>
    /// W0 = <paramref name="given"/> when positive, else sqrt(6/(fan_in + fan_out))/2 with fan_in = in, fan_out = out
    /// for [out, in] and fan_in = in·kh·kw, fan_out = out·kh·kw for [out, in, kh, kw] (Glorot's convolution fans).
    /// </summary>
    public static double Resolve(double? given, Tensor w, string quantizer) => Resolve(given, w.Shape, quantizer, nameof(w));

    /// <summary>W0 for a weight of shape <paramref name="shape"/> (see the other overload).</summary>
    public static double Resolve(double? given, IReadOnlyList<int> shape, string quantizer, string paramName = "shape")
    {
        if (given is { } g) return g;
        int fanIn, fanOut;
        if (shape.Count == 2) (fanIn, fanOut) = (shape[1], shape[0]);
        else if (shape.Count == 4) (fanIn, fanOut) = (shape[1] * shape[2] * shape[3], shape[0] * shape[2] * shape[3]);
        else
            throw new ArgumentException($"{quantizer}: cannot compute W0 from a weight of shape [{string.Join(", ", shape)}]; give the w0 option or use a [out, in] or [out, in, kh, kw] weight.", paramName);
        return Math.Sqrt(6.0 / (fanIn + fanOut)) / 2;
    }
}
