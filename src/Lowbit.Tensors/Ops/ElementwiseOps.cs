using System.Numerics;
using System.Numerics.Tensors;

namespace Lowbit.Tensors.Ops;

/// <summary>A binary elementwise operator with span and span-scalar forms (vectorised through TensorPrimitives).</summary>
internal interface IBinaryOp
{
    static abstract void Run<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> d) where T : unmanaged, IFloatingPointIeee754<T>;
    static abstract void RunScalarY<T>(ReadOnlySpan<T> x, T y, Span<T> d) where T : unmanaged, IFloatingPointIeee754<T>;
    static abstract void RunScalarX<T>(T x, ReadOnlySpan<T> y, Span<T> d) where T : unmanaged, IFloatingPointIeee754<T>;
}

internal readonly struct AddOp : IBinaryOp
{
    public static void Run<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> d) where T : unmanaged, IFloatingPointIeee754<T> => TensorPrimitives.Add(x, y, d);
    public static void RunScalarY<T>(ReadOnlySpan<T> x, T y, Span<T> d) where T : unmanaged, IFloatingPointIeee754<T> => TensorPrimitives.Add(x, y, d);
    public static void RunScalarX<T>(T x, ReadOnlySpan<T> y, Span<T> d) where T : unmanaged, IFloatingPointIeee754<T> => TensorPrimitives.Add(y, x, d);
}

internal readonly struct SubOp : IBinaryOp
{
    public static void Run<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> d) where T : unmanaged, IFloatingPointIeee754<T> => TensorPrimitives.Subtract(x, y, d);
    public static void RunScalarY<T>(ReadOnlySpan<T> x, T y, Span<T> d) where T : unmanaged, IFloatingPointIeee754<T> => TensorPrimitives.Subtract(x, y, d);
    public static void RunScalarX<T>(T x, ReadOnlySpan<T> y, Span<T> d) where T : unmanaged, IFloatingPointIeee754<T> => TensorPrimitives.Subtract(x, y, d);
}

internal readonly struct MulOp : IBinaryOp
{
    public static void Run<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> d) where T : unmanaged, IFloatingPointIeee754<T> => TensorPrimitives.Multiply(x, y, d);
    public static void RunScalarY<T>(ReadOnlySpan<T> x, T y, Span<T> d) where T : unmanaged, IFloatingPointIeee754<T> => TensorPrimitives.Multiply(x, y, d);
    public static void RunScalarX<T>(T x, ReadOnlySpan<T> y, Span<T> d) where T : unmanaged, IFloatingPointIeee754<T> => TensorPrimitives.Multiply(y, x, d);
}

internal readonly struct DivOp : IBinaryOp
{
    public static void Run<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> d) where T : unmanaged, IFloatingPointIeee754<T> => TensorPrimitives.Divide(x, y, d);
    public static void RunScalarY<T>(ReadOnlySpan<T> x, T y, Span<T> d) where T : unmanaged, IFloatingPointIeee754<T> => TensorPrimitives.Divide(x, y, d);
    public static void RunScalarX<T>(T x, ReadOnlySpan<T> y, Span<T> d) where T : unmanaged, IFloatingPointIeee754<T> => TensorPrimitives.Divide(x, y, d);
}

/// <summary>Broadcasting drivers for binary ops and for summing a gradient back to an operand's shape.</summary>
internal static class Broadcasting
{
    public static Tensor Apply<TOp>(Tensor a, Tensor b, string name) where TOp : IBinaryOp
    {
        Tensor.RequireSameType(a, b, name);
        if (a.ShapeSpan.SequenceEqual(b.ShapeSpan))
        {
            var r = Tensor.Uninitialized(a.DType, a.Shape.ToArray());
            Compute.For(r.Length, Elementwise.Grain, 16, (start, end) =>
            {
                int n = end - start;
                if (a.DType == DType.Float64) TOp.Run<double>(a.Span<double>().Slice(start, n), b.Span<double>().Slice(start, n), r.Span<double>().Slice(start, n));
                else TOp.Run<float>(a.AsSpan().Slice(start, n), b.AsSpan().Slice(start, n), r.AsSpan().Slice(start, n));
            });
            return r;
        }
        var outShape = ShapeUtil.Broadcast(a.ShapeSpan, b.ShapeSpan, name);
        var result = Tensor.Uninitialized(a.DType, outShape);
        if (a.DType == DType.Float64) Run<TOp, double>(a, b, result);
        else Run<TOp, float>(a, b, result);
        return result;
    }

    private static void Run<TOp, T>(Tensor a, Tensor b, Tensor result) where TOp : IBinaryOp where T : unmanaged, IFloatingPointIeee754<T>
    {
        var plan = new BroadcastPlan(result.Shape.ToArray(), a.ShapeSpan, b.ShapeSpan);
        var aOff = new int[plan.OuterCount];
        var bOff = new int[plan.OuterCount];
        plan.Offsets(aOff, bOff);
        int n = plan.InnerLength;
        // Blocks write disjoint output runs, so splitting them across threads cannot change any result.
        Compute.For(plan.OuterCount, Math.Max(1, Elementwise.Grain / Math.Max(n, 1)), 1, (first, last) => RunBlocks<TOp, T>(plan, a, b, result, aOff, bOff, first, last));
    }

    private static void RunBlocks<TOp, T>(BroadcastPlan plan, Tensor a, Tensor b, Tensor result, int[] aOff, int[] bOff, int first, int last)
        where TOp : IBinaryOp where T : unmanaged, IFloatingPointIeee754<T>
    {
        ReadOnlySpan<T> x = a.Span<T>(), y = b.Span<T>();
        Span<T> d = result.Span<T>();
        int n = plan.InnerLength;
        for (int blk = first; blk < last; blk++)
        {
            var dst = d.Slice(blk * n, n);
            if (plan.AScalarInner && plan.BScalarInner) { TOp.RunScalarY(x.Slice(aOff[blk], 1), y[bOff[blk]], dst[..1]); dst.Fill(dst[0]); }
            else if (plan.AScalarInner) TOp.RunScalarX(x[aOff[blk]], y.Slice(bOff[blk], n), dst);
            else if (plan.BScalarInner) TOp.RunScalarY(x.Slice(aOff[blk], n), y[bOff[blk]], dst);
            else TOp.Run(x.Slice(aOff[blk], n), y.Slice(bOff[blk], n), dst);
        }
    }

    /// <summary>Sums <paramref name="g"/> over the dimensions along which <paramref name="shape"/> was broadcast.</summary>
    public static Tensor SumTo(Tensor g, IReadOnlyList<int> shape)
    {
        var target = shape.ToArray();
        if (g.ShapeSpan.SequenceEqual(target)) return g;
        var result = Tensor.ZerosResult(g.DType, target);
        if (g.DType == DType.Float64) SumToCore<double>(g, result);
        else SumToCore<float>(g, result);
        return result;
    }

    private static void SumToCore<T>(Tensor g, Tensor result) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var plan = new BroadcastPlan(g.Shape.ToArray(), result.ShapeSpan, result.ShapeSpan);
        var off = new int[plan.OuterCount];
        var unused = new int[plan.OuterCount];
        plan.Offsets(off, unused);
        ReadOnlySpan<T> src = g.Span<T>();
        Span<T> dst = result.Span<T>();
        int n = plan.InnerLength;
        for (int blk = 0; blk < plan.OuterCount; blk++)
        {
            var run = src.Slice(blk * n, n);
            if (plan.AScalarInner) dst[off[blk]] += TensorPrimitives.Sum(run);
            else TensorPrimitives.Add(dst.Slice(off[blk], n), run, dst.Slice(off[blk], n));
        }
    }
}
