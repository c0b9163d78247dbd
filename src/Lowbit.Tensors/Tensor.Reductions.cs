using System.Numerics;
using System.Numerics.Tensors;
using Lowbit.Tensors.Autograd;

namespace Lowbit.Tensors;

public sealed partial class Tensor
{
    /// <summary>Sum of all elements (rank-0 result).</summary>
    public static Tensor Sum(Tensor x)
    {
        ArgumentNullException.ThrowIfNull(x);
        double s = x.DType == DType.Float64 ? TensorPrimitives.Sum(x.Span<double>()) : SumFloat(x.AsSpan());
        var r = Scalar(s, x.DType);
        return GradGraph.Record(r, "Sum", [x], g => [Full(x.DType, g.GetFlat(0), x.Shape.ToArray())]);
    }

    /// <summary>Sums a float span with double accumulation in fixed-size blocks (deterministic, accurate).</summary>
    internal static double SumFloat(ReadOnlySpan<float> x)
    {
        double total = 0;
        const int Block = 4096;
        for (int i = 0; i < x.Length; i += Block) total += TensorPrimitives.Sum(x.Slice(i, Math.Min(Block, x.Length - i)));
        return total;
    }

    /// <summary>Mean of all elements (rank-0 result).</summary>
    public static Tensor Mean(Tensor x)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (x.Length == 0) throw new ArgumentException("Mean of an empty tensor is undefined.", nameof(x));
        return MulScalar(Sum(x), 1.0 / x.Length);
    }

    /// <summary>Sum over one dimension.</summary>
    /// <param name="x">Input.</param>
    /// <param name="dim">Dimension to reduce (negative counts from the end).</param>
    /// <param name="keepDim">Keep the reduced dimension with size 1.</param>
    public static Tensor Sum(Tensor x, int dim, bool keepDim = false)
    {
        ArgumentNullException.ThrowIfNull(x);
        int d = dim < 0 ? dim + x.Rank : dim;
        if ((uint)d >= (uint)x.Rank) throw new ArgumentOutOfRangeException(nameof(dim), $"Sum: dimension {dim} is out of range for shape {ShapeUtil.Format(x.ShapeSpan)}.");
        int outer = 1, inner = 1, size = x._shape[d];
        for (int i = 0; i < d; i++) outer *= x._shape[i];
        for (int i = d + 1; i < x.Rank; i++) inner *= x._shape[i];
        var keptShape = (int[])x._shape.Clone();
        keptShape[d] = 1;
        var r = ZerosResult(x.DType, keptShape);
        if (x.DType == DType.Float64) SumDim<double>(x.Span<double>(), r.Span<double>(), outer, size, inner);
        else SumDim<float>(x.AsSpan(), r.AsSpan(), outer, size, inner);
        var outShape = keepDim ? keptShape : x._shape.Where((_, i) => i != d).ToArray();
        var result = r.ViewAs(outShape);
        return GradGraph.Record(result, "SumDim", [x], g => [Ops.Broadcasting.Apply<Ops.AddOp>(ZerosResult(x.DType, x.Shape.ToArray()), g.ViewAs(keptShape), "SumDim")]);
    }

    private static void SumDim<T>(ReadOnlySpan<T> x, Span<T> r, int outer, int size, int inner) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int o = 0; o < outer; o++)
        {
            var dst = r.Slice(o * inner, inner);
            for (int s = 0; s < size; s++) TensorPrimitives.Add(dst, x.Slice((o * size + s) * inner, inner), dst);
        }
    }

    /// <summary>Mean over one dimension.</summary>
    public static Tensor Mean(Tensor x, int dim, bool keepDim = false)
    {
        ArgumentNullException.ThrowIfNull(x);
        return MulScalar(Sum(x, dim, keepDim), 1.0 / x.Dim(dim));
    }

    /// <summary>Index of the largest value along the last dimension (no gradient), e.g. predicted classes.</summary>
    public static int[] ArgMaxLastDim(Tensor x)
    {
        ArgumentNullException.ThrowIfNull(x);
        int n = x.Dim(-1), rows = x.Length / Math.Max(n, 1);
        var result = new int[rows];
        for (int r = 0; r < rows; r++)
            result[r] = x.DType == DType.Float64 ? TensorPrimitives.IndexOfMax(x.Span<double>().Slice(r * n, n)) : TensorPrimitives.IndexOfMax(x.AsSpan().Slice(r * n, n));
        return result;
    }
}
