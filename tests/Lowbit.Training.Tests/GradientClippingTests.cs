using Lowbit.Nn;
using Lowbit.Tensors;
using Lowbit.Training.Optimizers;

namespace Lowbit.Training.Tests;

public class GradientClippingTests
{
    private static Parameter With(float[] value, float[] grad)
    {
        var p = new Parameter(Tensor.FromArray(value, value.Length));
        p.Value.Grad = Tensor.FromArray(grad, grad.Length);
        return p;
    }

    [Fact]
    public void GlobalNormAboveMax_ScalesEveryGradientByMaxOverNorm()
    {
        // gradients (3) and (0, 4): global norm 5; max 1 -> scale 0.2; plain SGD with lr 1 moves by the clipped gradients
        var a = With([0f], [3f]);
        var b = With([0f, 0f], [0f, 4f]);
        var sgd = new Sgd([("a", a), ("b", b)], 1.0) { MaxGradientNorm = 1.0 };
        sgd.Step();
        Assert.Equal(5.0, sgd.LastGradientNorm, 12);
        Assert.Equal(-0.6f, a.Value.AsSpan()[0], 6);
        Assert.Equal(new[] { 0f, -0.8f }, b.Value.ToArray());
    }

    [Fact]
    public void GlobalNormBelowMax_LeavesGradientsAlone_AndNoClippingByDefault()
    {
        var a = With([0f], [0.3f]);
        var sgd = new Sgd([("a", a)], 1.0) { MaxGradientNorm = 1.0 };
        sgd.Step();
        Assert.Equal(-0.3f, a.Value.AsSpan()[0], 6);
        var b = With([0f], [30f]);
        var plain = new Sgd([("b", b)], 1.0);
        plain.Step();
        Assert.Equal(-30f, b.Value.AsSpan()[0], 6);
        Assert.True(double.IsNaN(plain.LastGradientNorm));
        Assert.Throws<ArgumentOutOfRangeException>(() => plain.MaxGradientNorm = 0);
    }

    [Fact]
    public void GradientsSharingStorage_AreEachScaledOnce()
    {
        // Both operands of an Add receive the same gradient tensor; clipping must not scale it twice.
        var x = new Parameter(Tensor.FromArray(new[] { 1f, 2f }, 2));
        var y = new Parameter(Tensor.FromArray(new[] { 3f, 4f }, 2));
        Tensor.Sum(Tensor.MulScalar(Tensor.Add(x.Value, y.Value), 10)).Backward(); // every gradient element is 10
        var sgd = new Sgd([("x", x), ("y", y)], 1.0) { MaxGradientNorm = 10.0 }; // norm sqrt(4·100) = 20 -> scale 0.5
        sgd.Step();
        Assert.Equal(new[] { -4f, -3f }, x.Value.ToArray());
        Assert.Equal(new[] { -2f, -1f }, y.Value.ToArray());
    }
}
