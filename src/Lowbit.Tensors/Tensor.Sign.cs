using System.Numerics;
using System.Runtime.InteropServices;
using Lowbit.Tensors.Autograd;

namespace Lowbit.Tensors;

public sealed partial class Tensor
{
    /// <summary>
    /// Fused sign with the clipped straight-through estimator: forward +1 where x ≥ 0 else −1 (sign(0) = +1);
    /// backward dL/dx = dL/dy · 1[|x| ≤ clip]. No mask tensor is stored: the rule is evaluated from x.
    /// </summary>
    public static Tensor SignSte(Tensor x, double clip)
    {
        ArgumentNullException.ThrowIfNull(x);
        var y = Uninitialized(x.DType, x.Shape.ToArray());
        Compute.For(y.Length, Ops.Elementwise.Grain, 16, (start, end) =>
        {
            int n = end - start;
            if (x.DType == DType.Float64) SignForward<double>(x.Span<double>().Slice(start, n), y.Span<double>().Slice(start, n));
            else SignForward<float>(x.AsSpan().Slice(start, n), y.AsSpan().Slice(start, n));
        });
        return GradGraph.Record(y, "SignSte", [x], g =>
        {
            var gx = Uninitialized(g.DType, g.Shape.ToArray());
            Compute.For(gx.Length, Ops.Elementwise.Grain, 16, (start, end) =>
            {
                int n = end - start;
                if (g.DType == DType.Float64) ClipMask<double>(x.Span<double>().Slice(start, n), g.Span<double>().Slice(start, n), gx.Span<double>().Slice(start, n), clip);
                else ClipMask<float>(x.AsSpan().Slice(start, n), g.AsSpan().Slice(start, n), gx.AsSpan().Slice(start, n), (float)clip);
            });
            return [gx];
        });
    }

    /// <summary>y = x ≥ 0 ? 1 : −1 (vectorised with a scalar tail).</summary>
    internal static void SignForward<T>(ReadOnlySpan<T> x, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated && x.Length >= Vector<T>.Count)
        {
            var xv = MemoryMarshal.Cast<T, Vector<T>>(x);
            var yv = MemoryMarshal.Cast<T, Vector<T>>(y);
            var one = Vector<T>.One;
            var minusOne = -Vector<T>.One;
            for (int v = 0; v < xv.Length; v++) yv[v] = Vector.ConditionalSelect(Vector.GreaterThanOrEqual(xv[v], Vector<T>.Zero), one, minusOne);
            i = xv.Length * Vector<T>.Count;
        }
        for (; i < x.Length; i++) y[i] = x[i] >= T.Zero ? T.One : T.NegativeOne;
    }

    /// <summary>gx = |x| ≤ clip ? g : 0.</summary>
    internal static void ClipMask<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> g, Span<T> gx, T clip) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated && x.Length >= Vector<T>.Count)
        {
            var xv = MemoryMarshal.Cast<T, Vector<T>>(x);
            var gv = MemoryMarshal.Cast<T, Vector<T>>(g);
            var dv = MemoryMarshal.Cast<T, Vector<T>>(gx);
            var c = new Vector<T>(clip);
            for (int v = 0; v < xv.Length; v++) dv[v] = Vector.ConditionalSelect(Vector.LessThanOrEqual(Vector.Abs(xv[v]), c), gv[v], Vector<T>.Zero);
            i = xv.Length * Vector<T>.Count;
        }
        for (; i < x.Length; i++) gx[i] = T.Abs(x[i]) <= clip ? g[i] : T.Zero;
    }
}
