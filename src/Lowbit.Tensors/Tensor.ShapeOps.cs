using Lowbit.Tensors.Autograd;

namespace Lowbit.Tensors;

public sealed partial class Tensor
{
    /// <summary>A view with a new shape of the same element count; one dimension may be −1 (inferred).</summary>
    public Tensor Reshape(params int[] shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        var resolved = (int[])shape.Clone();
        int infer = Array.IndexOf(resolved, -1);
        if (infer >= 0)
        {
            int known = 1;
            for (int i = 0; i < resolved.Length; i++) if (i != infer) known *= resolved[i];
            if (known == 0 || Length % known != 0)
                throw new ArgumentException($"Reshape: cannot infer dimension {infer} of {ShapeUtil.Format(shape)} for {Length} elements (shape {ShapeUtil.Format(_shape)}).", nameof(shape));
            resolved[infer] = Length / known;
        }
        if (ShapeUtil.Product(resolved) != Length)
            throw new ArgumentException($"Reshape: shape {ShapeUtil.Format(shape)} has {ShapeUtil.Product(resolved)} elements but the tensor {ShapeUtil.Format(_shape)} has {Length}.", nameof(shape));
        var original = (int[])_shape.Clone();
        var r = ViewAs(resolved);
        return GradGraph.Record(r, "Reshape", [this], g => [g.ViewAs(original)]);
    }

    /// <summary>Flattens all dimensions after the first: [N, ...] → [N, prod(...)].</summary>
    public Tensor Flatten()
    {
        if (Rank < 1) throw new InvalidOperationException("Flatten needs at least one dimension.");
        return Reshape(_shape[0], Rank == 1 ? 1 : Length / Math.Max(_shape[0], 1));
    }

    /// <summary>Transpose of a rank-2 tensor (a copy).</summary>
    public static Tensor Transpose(Tensor x)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (x.Rank != 2) throw new ArgumentException($"Transpose expects a rank-2 tensor, got shape {ShapeUtil.Format(x.ShapeSpan)}.", nameof(x));
        int rows = x._shape[0], cols = x._shape[1];
        var r = Uninitialized(x.DType, [cols, rows]);
        if (x.DType == DType.Float64) TransposeCore<double>(x.Span<double>(), r.Span<double>(), rows, cols);
        else TransposeCore<float>(x.AsSpan(), r.AsSpan(), rows, cols);
        return GradGraph.Record(r, "Transpose", [x], g => [Transpose(g)]);
    }

    internal static void TransposeCore<T>(ReadOnlySpan<T> src, Span<T> dst, int rows, int cols)
    {
        const int Tile = 32;
        for (int i0 = 0; i0 < rows; i0 += Tile)
            for (int j0 = 0; j0 < cols; j0 += Tile)
                for (int i = i0; i < Math.Min(i0 + Tile, rows); i++)
                    for (int j = j0; j < Math.Min(j0 + Tile, cols); j++)
                        dst[j * rows + i] = src[i * cols + j];
    }

    /// <summary>Rows [start, start+count) along the first dimension, as a view (gradient flows back).</summary>
    public Tensor Narrow(int start, int count)
    {
        if (Rank < 1) throw new InvalidOperationException("Narrow needs at least one dimension.");
        if (start < 0 || count < 0 || start + count > _shape[0])
            throw new ArgumentOutOfRangeException(nameof(start), $"Narrow: rows [{start}, {start + count}) are outside 0..{_shape[0]} of shape {ShapeUtil.Format(_shape)}.");
        int rowLength = _shape[0] == 0 ? 0 : Length / _shape[0];
        var shape = (int[])_shape.Clone();
        shape[0] = count;
        var r = new Tensor(Storage, _offset + start * rowLength, shape, _lease);
        var full = (int[])_shape.Clone();
        return GradGraph.Record(r, "Narrow", [this], g =>
        {
            var gx = ZerosResult(g.DType, full);
            if (g.DType == DType.Float64) g.Span<double>().CopyTo(gx.Span<double>().Slice(start * rowLength));
            else g.AsSpan().CopyTo(gx.AsSpan().Slice(start * rowLength));
            return [gx];
        });
    }
}
