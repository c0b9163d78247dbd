using Lowbit.Nn.Layers;
using Lowbit.Quantization;
using Lowbit.Tensors;
using Lowbit.Testing;

namespace Lowbit.Nn.Tests;

public class ShiftBatchNormTests
{
    private static ShiftBatchNorm Make1d(double gamma, double beta)
    {
        var bn = new ShiftBatchNorm(1, spatial: false, momentum: 0.1, epsilon: 1e-4);
        bn.ConvertTo(DType.Float64);
        bn.Gamma!.Value.SetFlat(0, gamma);
        bn.Beta!.Value.SetFlat(0, beta);
        return bn;
    }

    [Fact]
    public void Forward_Training_HandReference()
    {
        // x = [1, 2, 3, 6]: μ = 3, c = [−2, −1, 0, 3], AP2(c) = [−2, −1, 0, 4], σ² = (4 + 1 + 0 + 12)/4 = 4.25
        // 1/sqrt(4.2501) = 0.48506 = 1.94·2^−2 → AP2 = 0.5; x̂ = [−1, −0.5, 0, 1.5]; AP2(γ = 3) = 4; β = 0.5
        var bn = Make1d(3, 0.5);
        var y = bn.Forward(Tensor.FromArray(new double[] { 1, 2, 3, 6 }, 4, 1));
        Assert.Equal([-3.5, -1.5, 0.5, 6.5], y.ToDoubleArray());
        Assert.Equal(0.3, bn.RunningMean.GetFlat(0), 12);
        Assert.Equal(0.9 + 0.1 * 4.25 * 4 / 3, bn.RunningVar.GetFlat(0), 12);
    }

    [Fact]
    public void Forward_Eval_UsesRunningStatistics()
    {
        var bn = Make1d(1, 0);
        bn.RunningMean.SetFlat(0, 1);
        bn.RunningVar.SetFlat(0, 3); // 1/sqrt(3.0001) = 0.577 = 1.15·2^−1 → 0.5
        bn.Eval();
        Assert.Equal([-0.5, 0, 1.5], bn.Forward(Tensor.FromArray(new double[] { 0, 1, 4 }, 3, 1)).ToDoubleArray());
    }

    [Fact]
    public void Forward_Spatial_StatisticsPerChannelOverBatchAndPositions()
    {
        var bn = new ShiftBatchNorm(2, spatial: true, affine: false);
        bn.ConvertTo(DType.Float64);
        // channel 0 over N=2, H×W=1×2: [1, 3, 1, 3] → μ = 2, c = ±1, σ² = 1, AP2(1/sqrt(1.0001)) = 1; channel 1 constant 5 → 0
        var x = Tensor.FromArray(new double[] { 1, 3, 5, 5, 1, 3, 5, 5 }, 2, 2, 1, 2);
        Assert.Equal([-1, 1, 0, 0, -1, 1, 0, 0], bn.Forward(x).ToDoubleArray());
        Assert.Equal(0.2, bn.RunningMean.GetFlat(0), 12);
        Assert.Equal(0.5, bn.RunningMean.GetFlat(1), 12);
    }

    [Fact]
    public void Forward_WithoutShifts_EqualsBatchNormAndPassesGradientCheck()
    {
        var rng = new Random(3);
        var x = GradCheck.Input(rng, [5, 3, 2, 2]);
        var sbn = new ShiftBatchNorm(3, spatial: true, momentum: 0.1, epsilon: 1e-4) { UseShifts = false };
        var bn = new BatchNorm2d(3, 0.1, 1e-4);
        sbn.ConvertTo(DType.Float64);
        bn.ConvertTo(DType.Float64);
        for (int c = 0; c < 3; c++)
        {
            bn.Gamma!.Value.SetFlat(c, 0.5 + c);
            bn.Beta!.Value.SetFlat(c, 0.1 * c);
            sbn.Gamma!.Value.SetFlat(c, 0.5 + c);
            sbn.Beta!.Value.SetFlat(c, 0.1 * c);
        }
        var a = sbn.Forward(x).ToDoubleArray();
        var b = bn.Forward(x).ToDoubleArray();
        for (int i = 0; i < a.Length; i++) Assert.True(Math.Abs(a[i] - b[i]) < 1e-12, $"index {i}: {a[i]} vs {b[i]}");
        GradCheck.Check(t => sbn.Forward(t[0]), [x, sbn.Gamma!.Value, sbn.Beta!.Value]);
    }

    [Fact]
    public void Backward_StraightThrough_ExactParameterGradientsAndZeroSumInputGradient()
    {
        var bn = Make1d(3, 0.5);
        var x = Tensor.FromArray(new double[] { 1, 2, 3, 6 }, 4, 1);
        x.RequiresGrad = true;
        var g = Tensor.FromArray(new double[] { 1, -2, 0.5, 3 }, 4, 1);
        bn.Forward(x).Backward(g);
        double[] xHat = [-1, -0.5, 0, 1.5];
        Assert.Equal(1 - 2 + 0.5 + 3, bn.Beta!.Grad!.GetFlat(0), 12);
        Assert.Equal(xHat.Select((v, i) => v * g.GetFlat(i)).Sum(), bn.Gamma!.Grad!.GetFlat(0), 12); // dAP2(γ)/dγ := 1
        Assert.True(Math.Abs(x.Grad!.ToDoubleArray().Sum()) < 1e-12, "x enters only through x − μ, so Σ g_x = 0");
    }

    [Theory]
    [InlineData(1.0, 1.0)]
    [InlineData(3.0, 4.0)]
    [InlineData(1.4, 1.0)]
    [InlineData(-0.3, -0.25)]
    [InlineData(0.0, 0.0)]
    public void PowerOfTwo_ReferenceTable(double x, double expected) => Assert.Equal(expected, PowerOfTwo.Approximate(x));

    [Fact]
    public void Forward_WrongShape_ThrowsNamingIt()
    {
        var e = Assert.Throws<ArgumentException>("x", () => new ShiftBatchNorm(3, false).Forward(Tensor.Zeros(4, 2)));
        Assert.Contains("[batch, 3]", e.Message, StringComparison.Ordinal);
    }
}
