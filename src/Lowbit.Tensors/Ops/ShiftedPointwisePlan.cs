using System.Numerics;
using System.Numerics.Tensors;

namespace Lowbit.Tensors.Ops;

/// <summary>
/// Loops of <see cref="Tensor.ShiftedPointwiseConv"/>: per output plane, each active connection adds w·(its input
/// channel read at its offset) row segment by row segment. Stride-1 rows are one <see cref="TensorPrimitives.MultiplyAdd(ReadOnlySpan{float}, float, ReadOnlySpan{float}, Span{float})"/>
/// (a multiplication and an addition per element, not fused); every element's terms are added in increasing input
/// channel, so the result does not depend on the vector width or the thread count.
/// </summary>
internal sealed class ShiftedPointwisePlan(ShiftGeometry geo, int batch, int inputs, int outputs, int[] offsetY, int[] offsetX, bool[]? active)
{
    public int Batch { get; } = batch;

    public int Outputs { get; } = outputs;

    private int InPlane => geo.Height * geo.Width;

    private int OutPlane => geo.OutHeight * geo.OutWidth;

    private bool Active(int k) => active is null || active[k];

    /// <summary>y[n0..n1) = Σ_c w[o, c]·shift(x[n, c]).</summary>
    public void Forward<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> w, Span<T> y, int n0, int n1) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T fill = T.CreateChecked(geo.Fill);
        for (int n = n0; n < n1; n++)
            for (int o = 0; o < Outputs; o++)
            {
                var acc = y.Slice((n * Outputs + o) * OutPlane, OutPlane);
                acc.Clear();
                for (int c = 0; c < inputs; c++)
                {
                    int k = o * inputs + c;
                    if (!Active(k)) continue;
                    AddShifted(x.Slice((n * inputs + c) * InPlane, InPlane), w[k], offsetY[k], offsetX[k], fill, acc);
                }
            }
    }

    private void AddShifted<T>(ReadOnlySpan<T> plane, T weight, int dy, int dx, T fill, Span<T> acc) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (j0, j1) = geo.Columns(dx);
        T outside = fill * weight;
        bool addOutside = !T.IsZero(fill);
        for (int i = 0; i < geo.OutHeight; i++)
        {
            var row = acc.Slice(i * geo.OutWidth, geo.OutWidth);
            int r = geo.SourceRow(i, dy);
            if (r < 0 || j0 >= j1)
            {
                if (addOutside) for (int j = 0; j < row.Length; j++) row[j] += outside;
                continue;
            }
            if (addOutside)
            {
                for (int j = 0; j < j0; j++) row[j] += outside;
                for (int j = j1; j < row.Length; j++) row[j] += outside;
            }
            int start = r * geo.Width + geo.Stride * j0 + dx;
            if (geo.Stride == 1)
            {
                var segment = row[j0..j1];
                TensorPrimitives.MultiplyAdd(plane.Slice(start, j1 - j0), weight, segment, segment);
            }
            else
            {
                for (int j = j0; j < j1; j++) row[j] += weight * plane[start + geo.Stride * (j - j0)];
            }
        }
    }

    /// <summary>gx (when not empty) and gw of the forward pass for output gradient g.</summary>
    public void Backward<T>(ReadOnlySpan<T> g, ReadOnlySpan<T> x, ReadOnlySpan<T> w, Span<T> gx, Span<T> gw) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T fill = T.CreateChecked(geo.Fill);
        for (int n = 0; n < Batch; n++)
            for (int o = 0; o < Outputs; o++)
            {
                var go = g.Slice((n * Outputs + o) * OutPlane, OutPlane);
                for (int c = 0; c < inputs; c++)
                {
                    int k = o * inputs + c;
                    if (!Active(k)) continue;
                    var xc = x.Slice((n * inputs + c) * InPlane, InPlane);
                    var gxc = gx.IsEmpty ? gx : gx.Slice((n * inputs + c) * InPlane, InPlane);
                    gw[k] += ConnectionBackward(go, xc, w[k], offsetY[k], offsetX[k], fill, gxc);
                }
            }
    }

    /// <summary>Adds w·g to the input positions one connection read; returns Σ g·(value read) for the weight gradient.</summary>
    private T ConnectionBackward<T>(ReadOnlySpan<T> go, ReadOnlySpan<T> xc, T weight, int dy, int dx, T fill, Span<T> gxc)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (j0, j1) = geo.Columns(dx);
        T dw = T.Zero;
        for (int i = 0; i < geo.OutHeight; i++)
        {
            var grow = go.Slice(i * geo.OutWidth, geo.OutWidth);
            int r = geo.SourceRow(i, dy);
            for (int j = 0; j < geo.OutWidth; j++)
            {
                bool inside = r >= 0 && j >= j0 && j < j1;
                if (!inside)
                {
                    dw += grow[j] * fill;
                    continue;
                }
                int src = r * geo.Width + geo.Stride * j + dx;
                dw += grow[j] * xc[src];
                if (!gxc.IsEmpty) gxc[src] += weight * grow[j];
            }
        }
        return dw;
    }
}
