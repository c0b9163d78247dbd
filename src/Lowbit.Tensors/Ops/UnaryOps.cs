using System.Numerics;
using System.Numerics.Tensors;

namespace Lowbit.Tensors.Ops;

/// <summary>Generic elementwise helpers that run on either element type (public so quantizers can build their forward maps).</summary>
public static class Elementwise
{
    public delegate void SpanFunc<T>(ReadOnlySpan<T> x, Span<T> d);

    /// <summary>Minimum elements per parallel chunk of an elementwise op.</summary>
    internal const int Grain = 32768;

    /// <summary>Applies a scalar function to every element (used where TensorPrimitives has no op).</summary>
    public static Tensor Map(Tensor x, Func<double, double> f64, Func<float, float> f32)
    {
        var r = Tensor.Uninitialized(x.DType, x.Shape.ToArray());
        if (x.DType == DType.Float64)
        {
            ReadOnlySpan<double> s = x.Span<double>(); Span<double> d = r.Span<double>();
            for (int i = 0; i < s.Length; i++) d[i] = f64(s[i]);
        }
        else
        {
            ReadOnlySpan<float> s = x.AsSpan(); Span<float> d = r.AsSpan();
            for (int i = 0; i < s.Length; i++) d[i] = f32(s[i]);
        }
        return r;
    }

    /// <summary>Applies a span function (TensorPrimitives) on either element type.</summary>
    public static Tensor Span(Tensor x, SpanFunc<double> f64, SpanFunc<float> f32)
    {
        var r = Tensor.Uninitialized(x.DType, x.Shape.ToArray());
        Compute.For(r.Length, Grain, 16, (start, end) =>
        {
            int n = end - start;
            if (x.DType == DType.Float64) f64(x.Span<double>().Slice(start, n), r.Span<double>().Slice(start, n));
            else f32(x.AsSpan().Slice(start, n), r.AsSpan().Slice(start, n));
        });
        return r;
    }

    public delegate void SpanFunc2<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> d);

    /// <summary>
    /// Combines two same-shape tensors with a span function, chunked across threads like <see cref="Span"/>
    /// (the function must be elementwise, so chunking cannot change any result).
    /// </summary>
    public static Tensor Zip(Tensor a, Tensor b, SpanFunc2<double> f64, SpanFunc2<float> f32)
    {
        var r = Tensor.Uninitialized(a.DType, a.Shape.ToArray());
        Compute.For(r.Length, Grain, 16, (start, end) =>
        {
            int n = end - start;
            if (a.DType == DType.Float64) f64(a.Span<double>().Slice(start, n), b.Span<double>().Slice(start, n), r.Span<double>().Slice(start, n));
            else f32(a.AsSpan().Slice(start, n), b.AsSpan().Slice(start, n), r.AsSpan().Slice(start, n));
        });
        return r;
    }

    /// <summary>d = g where x &gt; 0, −g where x &lt; 0, +0 where x = 0 (and NaN x): the gradient of |x|, vectorised.</summary>
    public static void AbsGradient<T>(ReadOnlySpan<T> g, ReadOnlySpan<T> x, Span<T> d) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var gv = System.Runtime.InteropServices.MemoryMarshal.Cast<T, Vector<T>>(g);
            var xv = System.Runtime.InteropServices.MemoryMarshal.Cast<T, Vector<T>>(x);
            var dv = System.Runtime.InteropServices.MemoryMarshal.Cast<T, Vector<T>>(d);
            for (int k = 0; k < xv.Length; k++)
            {
                var v = xv[k];
                dv[k] = Vector.ConditionalSelect(Vector.GreaterThan(v, Vector<T>.Zero), gv[k],
                    Vector.ConditionalSelect(Vector.LessThan(v, Vector<T>.Zero), -gv[k], Vector<T>.Zero));
            }
            i = xv.Length * Vector<T>.Count;
        }
        for (; i < x.Length; i++) d[i] = x[i] > T.Zero ? g[i] : x[i] < T.Zero ? -g[i] : T.Zero;
    }

    /// <summary>
    /// d = g·1[lo ≤ x ≤ hi] (g·0 outside the window and for NaN x): the clipped straight-through gradient, vectorised.
    /// Each element is the product g·1 or g·0, the same as multiplying g by a stored 0/1 factor.
    /// </summary>
    public static void WindowGradient<T>(ReadOnlySpan<T> g, ReadOnlySpan<T> x, T lo, T hi, Span<T> d) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var gv = System.Runtime.InteropServices.MemoryMarshal.Cast<T, Vector<T>>(g);
            var xv = System.Runtime.InteropServices.MemoryMarshal.Cast<T, Vector<T>>(x);
            var dv = System.Runtime.InteropServices.MemoryMarshal.Cast<T, Vector<T>>(d);
            var vlo = new Vector<T>(lo);
            var vhi = new Vector<T>(hi);
            for (int k = 0; k < xv.Length; k++)
            {
                var v = xv[k];
                var inside = Vector.GreaterThanOrEqual(v, vlo) & Vector.LessThanOrEqual(v, vhi);
                dv[k] = gv[k] * Vector.ConditionalSelect(inside, Vector<T>.One, Vector<T>.Zero);
            }
            i = xv.Length * Vector<T>.Count;
        }
        for (; i < x.Length; i++) d[i] = g[i] * (x[i] >= lo && x[i] <= hi ? T.One : T.Zero);
    }

    /// <summary>Combines two same-shape tensors elementwise.</summary>
    public static Tensor Zip(Tensor a, Tensor b, Func<double, double, double> f64, Func<float, float, float> f32)
    {
        var r = Tensor.Uninitialized(a.DType, a.Shape.ToArray());
        if (a.DType == DType.Float64)
        {
            ReadOnlySpan<double> x = a.Span<double>(), y = b.Span<double>(); Span<double> d = r.Span<double>();
            for (int i = 0; i < x.Length; i++) d[i] = f64(x[i], y[i]);
        }
        else
        {
            ReadOnlySpan<float> x = a.AsSpan(), y = b.AsSpan(); Span<float> d = r.AsSpan();
            for (int i = 0; i < x.Length; i++) d[i] = f32(x[i], y[i]);
        }
        return r;
    }

    internal static T SumGeneric<T>(ReadOnlySpan<T> x) where T : unmanaged, IFloatingPointIeee754<T> => TensorPrimitives.Sum(x);
}
