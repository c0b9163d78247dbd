using Lowbit.Tensors;
using Lowbit.Tensors.Autograd;

namespace Lowbit.Quantization.MixedPrecision;

/// <summary>Tensor plumbing shared by the mixed-precision quantizers: values in and out as double, STE records.</summary>
internal static class MixedMath
{
    /// <summary>The values of <paramref name="x"/> as doubles; throws when any is NaN or infinite.</summary>
    public static double[] FiniteValues(Tensor x, string quantizer)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (x.Length == 0) throw new ArgumentException($"{quantizer}: cannot quantize an empty tensor (shape {ShapeUtil.Format(x.ShapeSpan)}).", nameof(x));
        var v = x.ToDoubleArray();
        for (int i = 0; i < v.Length; i++)
            if (!double.IsFinite(v[i]))
                throw new ArgumentException($"{quantizer}: input {ShapeUtil.Format(x.ShapeSpan)} holds {v[i]} at flat index {i}; quantizers need finite values (check the learning rate).", nameof(x));
        return v;
    }

    /// <summary>Throws, as <see cref="FiniteValues"/> does, when a float value of <paramref name="x"/> is NaN or infinite.</summary>
    public static void CheckFinite(ReadOnlySpan<float> values, Tensor x, string quantizer)
    {
        if (values.Length == 0) throw new ArgumentException($"{quantizer}: cannot quantize an empty tensor (shape {ShapeUtil.Format(x.ShapeSpan)}).", nameof(x));
        for (int i = 0; i < values.Length; i++)
            if (!float.IsFinite(values[i]))
                throw new ArgumentException($"{quantizer}: input {ShapeUtil.Format(x.ShapeSpan)} holds {values[i]} at flat index {i}; quantizers need finite values (check the learning rate).", nameof(x));
    }

    /// <summary>A fresh tensor shaped and typed like <paramref name="like"/> holding <paramref name="values"/>.</summary>
    public static Tensor Write(Tensor like, double[] values)
    {
        var t = Tensor.Empty(like.DType, like.Shape.ToArray()); // every element is written below
        if (t.DType == DType.Float64)
        {
            values.CopyTo(t.Span<double>());
        }
        else
        {
            var s = t.AsSpan();
            for (int i = 0; i < values.Length; i++) s[i] = (float)values[i];
        }
        return t;
    }

    /// <summary>Forward values with the identity straight-through gradient g_x = g_q.</summary>
    public static Tensor IdentityStraightThrough(Tensor x, double[] values, string name)
    {
        var q = Write(x, values);
        return GradGraph.Record(q, name, [x], g => [g]);
    }

    /// <summary>Forward values with the clipped straight-through gradient g_x = g_q·1[|x| ≤ clip].</summary>
    public static Tensor ClippedStraightThrough(Tensor x, double[] values, double clip)
    {
        var q = Write(x, values);
        if (!x.TracksGrad) return q;
        return Tensor.StraightThroughWindow(x, q, -clip, clip);
    }

    /// <summary>Slices of a tensor: dimension 0 for activations of rank ≥ 2 (per sample), else the whole tensor.</summary>
    public static int Slices(Tensor x, bool perSample) => perSample && x.Rank >= 2 ? x.Dim(0) : 1;

    /// <summary>Checks a role option ("weight" or "activation").</summary>
    public static string CheckRole(string role, string quantizer)
    {
        if (role is not ("weight" or "activation"))
            throw new ArgumentOutOfRangeException(nameof(role), role, $"{quantizer}: role must be \"weight\" or \"activation\".");
        return role;
    }
}
