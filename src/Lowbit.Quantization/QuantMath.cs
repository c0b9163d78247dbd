using Lowbit.Tensors.Autograd;
using Lowbit.Tensors;

namespace Lowbit.Quantization;

/// <summary>Per-element rule of a straight-through quantizer: returns the forward value and sets the surrogate slope.</summary>
/// <param name="x">Input element.</param>
/// <param name="index">Flat index of the element (for per-channel statistics).</param>
/// <param name="slope">Surrogate derivative dq/dx used in backward.</param>
internal delegate double ElementRule(double x, int index, out double slope);

/// <summary>
/// Scalar conventions shared by every quantizer (sign(0) = +1, round half away from zero, AP2) and the element
/// loop that turns an <see cref="ElementRule"/> into a tensor with a straight-through backward.
/// </summary>
internal static class QuantMath
{
    /// <summary>sign(x) with sign(0) = +1 (and sign(−0) = +1).</summary>
    public static double Sign(double x) => x >= 0 ? 1.0 : -1.0;

    /// <summary>Round half away from zero.</summary>
    public static double Round(double x) => Math.Round(x, MidpointRounding.AwayFromZero);

    /// <summary>quantize_k(r) = round((2^k − 1)·r)/(2^k − 1) for r in [0, 1] (DoReFa).</summary>
    public static double QuantizeUnit(double r, int bits)
    {
        double levels = Math.ScaleB(1.0, bits) - 1;
        return Round(levels * r) / levels;
    }

    /// <summary>round(log2 a) for a finite a &gt; 0 (see <see cref="PowerOfTwo.RoundedExponent"/>).</summary>
    public static int Ap2Exponent(double a) => PowerOfTwo.RoundedExponent(a);

    /// <summary>Applies <paramref name="rule"/> to every element; the result back-propagates g ⊙ slope to x.</summary>
    /// <remarks>
    /// While every slope is exactly 1 no slope tensor is kept; if all are 1 the backward is the identity (g ⊙ 1 = g
    /// bit for bit), which saves an x-sized allocation and a multiply per element for the many rules whose STE is
    /// the identity (weight binarizers, DoReFa weights). The first slope ≠ 1 materialises the slope tensor.
    /// </remarks>
    public static Tensor Apply(Tensor x, ElementRule rule)
    {
        ArgumentNullException.ThrowIfNull(x);
        var values = Tensor.Empty(x.DType, x.Shape.ToArray()); // every element is written below
        bool track = x.TracksGrad;
        Tensor? factor = null;
        if (x.DType == DType.Float64)
        {
            ReadOnlySpan<double> xs = x.Span<double>();
            Span<double> vs = values.Span<double>();
            Span<double> fs = default;
            for (int i = 0; i < xs.Length; i++)
            {
                vs[i] = rule(xs[i], i, out double s);
                if (!track) continue;
                if (factor is null)
                {
                    if (s == 1) continue;
                    factor = Tensor.ZerosLike(x);
                    fs = factor.Span<double>();
                    fs[..i].Fill(1);
                }
                fs[i] = s;
            }
        }
        else
        {
            ReadOnlySpan<float> xs = x.AsSpan();
            Span<float> vs = values.AsSpan();
            Span<float> fs = default;
            for (int i = 0; i < xs.Length; i++)
            {
                vs[i] = (float)rule(xs[i], i, out double s);
                if (!track) continue;
                if (factor is null)
                {
                    if (s == 1) continue;
                    factor = Tensor.ZerosLike(x);
                    fs = factor.AsSpan();
                    fs[..i].Fill(1);
                }
                fs[i] = (float)s;
            }
        }
        if (!track) return values;
        return factor is null ? GradGraph.Record(values, "StraightThrough", [x], g => [g]) : Tensor.StraightThrough(x, values, factor);
    }

    /// <summary>
    /// Number of scale groups: the size of dimension 0 (output channels of [out, in] and [out, in, kh, kw]
    /// weights) when <paramref name="perChannel"/>, else 1.
    /// </summary>
    public static int Groups(Tensor x, bool perChannel, string quantizer)
    {
        if (x.Length == 0) throw new ArgumentException($"{quantizer}: cannot quantize an empty tensor (shape {ShapeUtil.Format(x.ShapeSpan)}).", nameof(x));
        if (!perChannel) return 1;
        if (x.Rank < 2)
            throw new ArgumentException($"{quantizer}: per_channel needs a tensor with an output-channel dimension 0 and rank ≥ 2, got shape {ShapeUtil.Format(x.ShapeSpan)}; use per_channel: false.", nameof(x));
        return x.Dim(0);
    }

    /// <summary>mean|x| over each of <paramref name="groups"/> contiguous groups.</summary>
    public static double[] MeanAbs(Tensor x, int groups)
    {
        var v = x.ToDoubleArray();
        int size = v.Length / groups;
        var r = new double[groups];
        for (int g = 0; g < groups; g++)
        {
            double s = 0;
            for (int i = g * size; i < (g + 1) * size; i++) s += Math.Abs(v[i]);
            r[g] = s / size;
        }
        return r;
    }

    /// <summary>Checks a bit width option.</summary>
    public static int CheckBits(int bits, int min, int max, string quantizer)
    {
        if (bits < min || bits > max)
            throw new ArgumentOutOfRangeException(nameof(bits), bits, $"{quantizer}: bits must be in [{min}, {max}].");
        return bits;
    }

    /// <summary>Checks a positive finite number option.</summary>
    public static double CheckPositive(double value, string name, string quantizer)
    {
        if (!(value > 0) || double.IsInfinity(value))
            throw new ArgumentOutOfRangeException(name, value, $"{quantizer}: {name} must be a positive finite number.");
        return value;
    }

    /// <summary>Generator of a training step, or an error naming the quantizer when the caller supplied none.</summary>
    public static Random RequireRandom(QuantizerContext context, string quantizer)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.Random ?? throw new InvalidOperationException(
            $"{quantizer} samples in training mode and needs QuantizerContext.Random; call SetRandom(generator) on the model (or pass a seeded Random).");
    }

    /// <summary>The shape [C, 1, …, 1] of rank <paramref name="rank"/> for broadcasting a per-channel vector.</summary>
    public static int[] ChannelShape(int channels, int rank)
    {
        var s = new int[rank];
        Array.Fill(s, 1);
        s[0] = channels;
        return s;
    }

    /// <summary>A fresh learnable tensor (RequiresGrad) filled with <paramref name="value"/>.</summary>
    public static Tensor Learnable(double value, int length)
    {
        var t = Tensor.Full(DType.Float32, value, length);
        t.RequiresGrad = true;
        return t;
    }

    /// <summary>Converts a learnable tensor to <paramref name="type"/>, keeping it a leaf that requires grad.</summary>
    public static Tensor ConvertLearnable(Tensor t, DType type)
    {
        if (t.DType == type) return t;
        var c = t.Detach().To(type);
        c.RequiresGrad = true;
        return c;
    }
}
