using System.Numerics.Tensors;
using Lowbit.Tensors.Autograd;
using Lowbit.Tensors.Ops;

namespace Lowbit.Tensors;

public sealed partial class Tensor
{
    /// <summary>Elementwise e^x.</summary>
    public static Tensor Exp(Tensor x)
    {
        var r = Elementwise.Span(x, (s, d) => TensorPrimitives.Exp(s, d), (s, d) => TensorPrimitives.Exp(s, d));
        return GradGraph.Record(r, "Exp", [x], g => [Broadcasting.Apply<MulOp>(g, r, "Exp")]);
    }

    /// <summary>Elementwise natural logarithm.</summary>
    public static Tensor Log(Tensor x)
    {
        var r = Elementwise.Span(x, (s, d) => TensorPrimitives.Log(s, d), (s, d) => TensorPrimitives.Log(s, d));
        return GradGraph.Record(r, "Log", [x], g => [Broadcasting.Apply<DivOp>(g, x, "Log")]);
    }

    /// <summary>Elementwise tanh.</summary>
    public static Tensor Tanh(Tensor x)
    {
        var r = Elementwise.Span(x, (s, d) => TensorPrimitives.Tanh(s, d), (s, d) => TensorPrimitives.Tanh(s, d));
        return GradGraph.Record(r, "Tanh", [x], g => [Elementwise.Zip(g, r, (gv, y) => gv * (1 - y * y), (gv, y) => gv * (1 - y * y))]);
    }

    /// <summary>Elementwise logistic sigmoid 1/(1+e^−x).</summary>
    public static Tensor Sigmoid(Tensor x)
    {
        var r = Elementwise.Span(x, (s, d) => TensorPrimitives.Sigmoid(s, d), (s, d) => TensorPrimitives.Sigmoid(s, d));
        return GradGraph.Record(r, "Sigmoid", [x], g => [Elementwise.Zip(g, r, (gv, y) => gv * y * (1 - y), (gv, y) => gv * y * (1 - y))]);
    }

    /// <summary>Elementwise |x| (subgradient 0 at 0).</summary>
    public static Tensor Abs(Tensor x)
    {
        var r = Elementwise.Span(x, (s, d) => TensorPrimitives.Abs(s, d), (s, d) => TensorPrimitives.Abs(s, d));
        return GradGraph.Record(r, "Abs", [x], g => [Elementwise.Zip(g, x, Elementwise.AbsGradient, Elementwise.AbsGradient)]);
    }

    /// <summary>Elementwise x².</summary>
    public static Tensor Square(Tensor x)
    {
        var r = Elementwise.Span(x, (s, d) => TensorPrimitives.Multiply(s, s, d), (s, d) => TensorPrimitives.Multiply(s, s, d));
        return GradGraph.Record(r, "Square", [x], g => [Elementwise.Zip(g, x,
            (gs, xs, d) => { TensorPrimitives.Multiply(xs, 2.0, d); TensorPrimitives.Multiply(d, gs, d); },
            (gs, xs, d) => { TensorPrimitives.Multiply(xs, 2f, d); TensorPrimitives.Multiply(d, gs, d); })]); // (2·x)·g, as before
    }

    /// <summary>Elementwise square root.</summary>
    public static Tensor Sqrt(Tensor x)
    {
        var r = Elementwise.Span(x, (s, d) => TensorPrimitives.Sqrt(s, d), (s, d) => TensorPrimitives.Sqrt(s, d));
        return GradGraph.Record(r, "Sqrt", [x], g => [Elementwise.Zip(g, r, (gv, y) => gv / (2 * y), (gv, y) => gv / (2 * y))]);
    }

    /// <summary>Elementwise max(x, 0); gradient 1 where x &gt; 0.</summary>
    public static Tensor Relu(Tensor x)
    {
        var r = Elementwise.Span(x, (s, d) => TensorPrimitives.Max(s, 0.0, d), (s, d) => TensorPrimitives.Max(s, 0f, d));
        return GradGraph.Record(r, "Relu", [x], g => [PassWhereInside(x, g, 0, double.PositiveInfinity, lowerInclusive: false)]);
    }

    /// <summary>Elementwise clip(x, min, max); gradient 1 where min ≤ x ≤ max (inclusive, as HardTanh's STE uses |x| ≤ 1).</summary>
    public static Tensor Clamp(Tensor x, double min, double max)
    {
        if (!(min <= max)) throw new ArgumentException($"Clamp: min ({min}) must not exceed max ({max}).", nameof(min));
        float fmin = (float)min, fmax = (float)max;
        var r = Elementwise.Span(x, (s, d) => TensorPrimitives.Min(TensorPrimitives_Max(s, min, d), max, d), (s, d) => TensorPrimitives.Min(TensorPrimitives_Max(s, fmin, d), fmax, d));
        return GradGraph.Record(r, "Clamp", [x], g => [PassWhereInside(x, g, min, max, lowerInclusive: true)]);
    }

    /// <summary>gx = g where low ≤ x ≤ high (low &lt; x when not inclusive), else 0; vectorised.</summary>
    private static Tensor PassWhereInside(Tensor x, Tensor g, double low, double high, bool lowerInclusive)
    {
        var gx = Uninitialized(g.DType, g.Shape.ToArray());
        Compute.For(gx.Length, Elementwise.Grain, 16, (start, end) =>
        {
            int n = end - start;
            if (g.DType == DType.Float64) PassWhereInside<double>(x.Span<double>().Slice(start, n), g.Span<double>().Slice(start, n), gx.Span<double>().Slice(start, n), low, high, lowerInclusive);
            else PassWhereInside<float>(x.AsSpan().Slice(start, n), g.AsSpan().Slice(start, n), gx.AsSpan().Slice(start, n), (float)low, (float)high, lowerInclusive);
        });
        return gx;
    }

    private static void PassWhereInside<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> g, Span<T> gx, T low, T high, bool lowerInclusive) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        int i = 0;
        if (System.Numerics.Vector.IsHardwareAccelerated && x.Length >= System.Numerics.Vector<T>.Count)
        {
            var xv = System.Runtime.InteropServices.MemoryMarshal.Cast<T, System.Numerics.Vector<T>>(x);
            var gv = System.Runtime.InteropServices.MemoryMarshal.Cast<T, System.Numerics.Vector<T>>(g);
            var dv = System.Runtime.InteropServices.MemoryMarshal.Cast<T, System.Numerics.Vector<T>>(gx);
            var lo = new System.Numerics.Vector<T>(low);
            var hi = new System.Numerics.Vector<T>(high);
            for (int v = 0; v < xv.Length; v++)
            {
                var above = lowerInclusive ? System.Numerics.Vector.GreaterThanOrEqual(xv[v], lo) : System.Numerics.Vector.GreaterThan(xv[v], lo);
                var mask = above & System.Numerics.Vector.LessThanOrEqual(xv[v], hi);
                dv[v] = System.Numerics.Vector.ConditionalSelect(mask, gv[v], System.Numerics.Vector<T>.Zero);
            }
            i = xv.Length * System.Numerics.Vector<T>.Count;
        }
        for (; i < x.Length; i++)
        {
            bool above = lowerInclusive ? x[i] >= low : x[i] > low;
            gx[i] = above && x[i] <= high ? g[i] : T.Zero;
        }
    }

    private static ReadOnlySpan<T> TensorPrimitives_Max<T>(ReadOnlySpan<T> s, T m, Span<T> d) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        TensorPrimitives.Max(s, m, d);
        return d;
    }

    /// <summary>HardTanh: clip(x, −1, 1).</summary>
    public static Tensor HardTanh(Tensor x) => Clamp(x, -1, 1);

    /// <summary>
    /// Applies a forward value map with a straight-through surrogate gradient: y = values, dL/dx = dL/dy ⊙ factor.
    /// </summary>
    /// <param name="x">Input (the tensor the gradient flows to).</param>
    /// <param name="values">Forward output, same shape as x.</param>
    /// <param name="factor">Surrogate derivative dy/dx elementwise, same shape as x (e.g. 1[|x| ≤ 1] for the clipped STE).</param>
    public static Tensor StraightThrough(Tensor x, Tensor values, Tensor factor)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(values);
        ArgumentNullException.ThrowIfNull(factor);
        if (!values.ShapeSpan.SequenceEqual(x.ShapeSpan) || !factor.ShapeSpan.SequenceEqual(x.ShapeSpan))
            throw new ArgumentException($"StraightThrough: values {values} and factor {factor} must have the shape of x {x}.");
        var r = values.Detach();
        return GradGraph.Record(r, "StraightThrough", [x], g => [Broadcasting.Apply<MulOp>(g, factor, "StraightThrough")]);
    }

    /// <summary>
    /// The clipped straight-through estimator without a stored factor: y = values, dL/dx = dL/dy ⊙ 1[lo ≤ x ≤ hi] (0 for
    /// NaN x), the window recomputed from x in backward. The same gradient, bit for bit, as
    /// <see cref="StraightThrough(Tensor, Tensor, Tensor)"/> with that 0/1 factor, without an x-sized factor tensor.
    /// </summary>
    /// <param name="x">Input (the tensor the gradient flows to).</param>
    /// <param name="values">Forward output, same shape as x.</param>
    /// <param name="lo">Lower end of the window (inclusive).</param>
    /// <param name="hi">Upper end of the window (inclusive).</param>
    public static Tensor StraightThroughWindow(Tensor x, Tensor values, double lo, double hi)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(values);
        if (!values.ShapeSpan.SequenceEqual(x.ShapeSpan) || values.DType != x.DType)
            throw new ArgumentException($"StraightThroughWindow: values {values} must have the shape and type of x {x}.");
        if (!(lo <= hi)) throw new ArgumentOutOfRangeException(nameof(lo), $"StraightThroughWindow: the window [{lo}, {hi}] is empty or NaN.");
        var r = values.Detach();
        return GradGraph.Record(r, "StraightThrough", [x], g => [WindowGradient(g, x, lo, hi)]);
    }

    private static Tensor WindowGradient(Tensor g, Tensor x, double lo, double hi)
    {
        if (x.DType == DType.Float64)
            return Elementwise.Zip(g, x, (gs, xs, d) => Elementwise.WindowGradient(gs, xs, lo, hi, d), (_, _, _) => { });
        float flo = (float)lo, fhi = (float)hi;
        if (flo == lo && fhi == hi)
            return Elementwise.Zip(g, x, (_, _, _) => { }, (gs, xs, d) => Elementwise.WindowGradient(gs, xs, flo, fhi, d));
        // Bounds between two floats: compare each float widened to double (what "lo ≤ x ≤ hi" means).
        return Elementwise.Zip(g, x, (gv, xv) => gv * (xv >= lo && xv <= hi ? 1.0 : 0.0), (gv, xv) => gv * ((double)xv >= lo && (double)xv <= hi ? 1f : 0f));
    }
}
