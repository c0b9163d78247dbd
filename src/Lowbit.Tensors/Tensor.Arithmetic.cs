using System.Numerics.Tensors;
using Lowbit.Tensors.Autograd;
using Lowbit.Tensors.Ops;

namespace Lowbit.Tensors;

public sealed partial class Tensor
{
    /// <summary>Elementwise a + b with broadcasting.</summary>
    public static Tensor Add(Tensor a, Tensor b)
    {
        var r = Broadcasting.Apply<AddOp>(a, b, "Add");
        return GradGraph.Record(r, "Add", [a, b], g => [Broadcasting.SumTo(g, a.Shape), Broadcasting.SumTo(g, b.Shape)]);
    }

    /// <summary>Elementwise a − b with broadcasting.</summary>
    public static Tensor Sub(Tensor a, Tensor b)
    {
        var r = Broadcasting.Apply<SubOp>(a, b, "Sub");
        return GradGraph.Record(r, "Sub", [a, b], g => [Broadcasting.SumTo(g, a.Shape), b.TracksGrad ? Broadcasting.SumTo(Neg(g), b.Shape) : null]);
    }

    /// <summary>Elementwise a · b with broadcasting.</summary>
    public static Tensor Mul(Tensor a, Tensor b)
    {
        var r = Broadcasting.Apply<MulOp>(a, b, "Mul");
        return GradGraph.Record(r, "Mul", [a, b], g => [
            a.TracksGrad ? Broadcasting.SumTo(Broadcasting.Apply<MulOp>(g, b, "Mul"), a.Shape) : null,
            b.TracksGrad ? Broadcasting.SumTo(Broadcasting.Apply<MulOp>(g, a, "Mul"), b.Shape) : null]);
    }

    /// <summary>Elementwise a / b with broadcasting.</summary>
    public static Tensor Div(Tensor a, Tensor b)
    {
        var r = Broadcasting.Apply<DivOp>(a, b, "Div");
        return GradGraph.Record(r, "Div", [a, b], g => [
            a.TracksGrad ? Broadcasting.SumTo(Broadcasting.Apply<DivOp>(g, b, "Div"), a.Shape) : null,
            // d(a/b)/db = −a/b² = −r/b
            b.TracksGrad ? Broadcasting.SumTo(Neg(Broadcasting.Apply<MulOp>(g, Broadcasting.Apply<DivOp>(r, b, "Div"), "Mul")), b.Shape) : null]);
    }

    /// <summary>a + b for same-shape tensors without recording (gradient accumulation).</summary>
    internal static Tensor AddRaw(Tensor a, Tensor b) => Broadcasting.Apply<AddOp>(a, b, "Add");

    /// <summary>Elementwise −x.</summary>
    public static Tensor Neg(Tensor x) => MulScalar(x, -1.0);

    /// <summary>x · s for a scalar s.</summary>
    public static Tensor MulScalar(Tensor x, double s)
    {
        ArgumentNullException.ThrowIfNull(x);
        var r = Uninitialized(x.DType, x.Shape.ToArray());
        if (x.DType == DType.Float64) TensorPrimitives.Multiply(x.Span<double>(), s, r.Span<double>());
        else TensorPrimitives.Multiply(x.AsSpan(), (float)s, r.AsSpan());
        return GradGraph.Record(r, "MulScalar", [x], g => [MulScalar(g, s)]);
    }

    /// <summary>x + s for a scalar s.</summary>
    public static Tensor AddScalar(Tensor x, double s)
    {
        ArgumentNullException.ThrowIfNull(x);
        var r = Uninitialized(x.DType, x.Shape.ToArray());
        if (x.DType == DType.Float64) TensorPrimitives.Add(x.Span<double>(), s, r.Span<double>());
        else TensorPrimitives.Add(x.AsSpan(), (float)s, r.AsSpan());
        return GradGraph.Record(r, "AddScalar", [x], g => [g]);
    }

    /// <summary>Elementwise a + b.</summary>
    public static Tensor operator +(Tensor a, Tensor b) => Add(a, b);

    /// <summary>Elementwise a − b.</summary>
    public static Tensor operator -(Tensor a, Tensor b) => Sub(a, b);

    /// <summary>Elementwise a · b.</summary>
    public static Tensor operator *(Tensor a, Tensor b) => Mul(a, b);

    /// <summary>Elementwise a / b.</summary>
    public static Tensor operator /(Tensor a, Tensor b) => Div(a, b);

    /// <summary>−x.</summary>
    public static Tensor operator -(Tensor x) => Neg(x);

    /// <summary>x · s.</summary>
    public static Tensor operator *(Tensor x, double s) => MulScalar(x, s);

    /// <summary>s · x.</summary>
    public static Tensor operator *(double s, Tensor x) => MulScalar(x, s);

    /// <summary>x + s.</summary>
    public static Tensor operator +(Tensor x, double s) => AddScalar(x, s);

    /// <summary>x − s.</summary>
    public static Tensor operator -(Tensor x, double s) => AddScalar(x, -s);
}
