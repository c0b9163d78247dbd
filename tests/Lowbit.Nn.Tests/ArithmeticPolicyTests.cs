using Lowbit.Kernels.Arithmetic;
using Lowbit.Nn.Arithmetic;
using Lowbit.Nn.Layers;
using Lowbit.Quantization.Arithmetic;
using Lowbit.Tensors;

namespace Lowbit.Nn.Tests;

public class ArithmeticPolicyTests
{
    // 6 bits with 1 integer bit: LSB 1/16, max 31/16.
    private static readonly FixedPointFormat s_fixed = new(6, 1);

    private static double Fx(double v) => FixedPointRounding.RoundNearestReference((float)v, 6, 1);

    /// <summary>784-free toy model on a coarse grid, so every float32 sum is exact and the double oracle agrees exactly.</summary>
    private static (Sequential Model, Linear L1, Linear L2) Model()
    {
        var l1 = new Linear(3, 4, bias: true, new Random(1), init: Tensor.FromArray([.. Enumerable.Range(0, 12).Select(i => (i % 5 - 2) / 8f)], 4, 3));
        var l2 = new Linear(4, 2, bias: true, new Random(2), init: Tensor.FromArray([.. Enumerable.Range(0, 8).Select(i => (i % 3 - 1) * 3 / 8f)], 2, 4));
        l1.Bias!.Value.CopyFrom(Tensor.FromArray([0.0625f, -0.125f, 0.25f, 0f], 4));
        l2.Bias!.Value.CopyFrom(Tensor.FromArray([0.5f, -0.25f], 2));
        return (new Sequential(l1, new Relu(), l2), l1, l2);
    }

    [Fact]
    public void ForwardAndBackward_RoundZYAndTheirGradients_AsTheHandComputedOracle()
    {
        var (model, l1, l2) = Model();
        ArithmeticPolicy.Attach(model, new ArithmeticOptions(s_fixed), seed: 1);
        float[] xs = [0.25f, -0.5f, 0.75f, 1.25f, 0.5f, -0.25f];
        var x = Tensor.FromArray(xs, 2, 3);
        var output = model.Forward(x);
        float[] gs = [0.3f, -0.7f, 0.05f, 0.11f];
        output.Backward(Tensor.FromArray(gs, 2, 2));

        double[] w1 = l1.Weight.Value.ToDoubleArray(), b1 = l1.Bias!.Value.ToDoubleArray(), w2 = l2.Weight.Value.ToDoubleArray(), b2 = l2.Bias!.Value.ToDoubleArray();
        var gw1 = new double[12];
        var gw2 = new double[8];
        for (int n = 0; n < 2; n++)
        {
            // forward: z1 = fx(x·W1ᵀ + b1); y1 = fx(relu(z1)); z2 = fx(y1·W2ᵀ + b2); y2 = fx(z2) (the last block's y)
            var z1 = new double[4];
            var y1 = new double[4];
            for (int j = 0; j < 4; j++)
            {
                double s = b1[j];
                for (int i = 0; i < 3; i++) s += xs[n * 3 + i] * w1[j * 3 + i];
                z1[j] = Fx(s);
                y1[j] = Fx(Math.Max(z1[j], 0));
            }
            var dz2 = new double[2];
            for (int k = 0; k < 2; k++)
            {
                double s = b2[k];
                for (int j = 0; j < 4; j++) s += y1[j] * w2[k * 4 + j];
                double y2 = Fx(Fx(s));
                Assert.Equal(y2, output.GetFlat(n * 2 + k));
                // backward: dE/dy2 = fx(g); dE/dz2 = fx(dE/dy2)
                dz2[k] = Fx(Fx(gs[n * 2 + k]));
                for (int j = 0; j < 4; j++) gw2[k * 4 + j] += dz2[k] * y1[j];
            }
            for (int j = 0; j < 4; j++)
            {
                double dy1 = 0;
                for (int k = 0; k < 2; k++) dy1 += dz2[k] * w2[k * 4 + j];
                double dz1 = Fx((z1[j] > 0 ? 1 : 0) * Fx(dy1)); // dE/dy1 rounded, through relu, dE/dz1 rounded
                for (int i = 0; i < 3; i++) gw1[j * 3 + i] += dz1 * xs[n * 3 + i];
            }
        }
        Assert.Equal(gw1, l1.Weight.Grad!.ToDoubleArray());
        Assert.Equal(gw2, l2.Weight.Grad!.ToDoubleArray());
        Assert.Contains(gw1, v => v != 0);
    }

    [Fact]
    public void Float32Formats_LeaveTheGraphUntouched()
    {
        var (model, _, _) = Model();
        var x = Tensor.FromArray([0.1f, 0.2f, 0.3f], 1, 3);
        float[] plain = model.Forward(x).ToArray();
        ArithmeticPolicy.Attach(model, new ArithmeticOptions(FloatFormat.Float32), 1);
        Assert.Equal(plain, model.Forward(x).ToArray());
    }

    [Fact]
    public void EvaluationMode_RoundsStochasticFormatsToNearestAndCountsNothing()
    {
        var (model, _, _) = Model();
        var dynamic = new FixedPointFormat(6, 1, RoundingMode.Stochastic, new DynamicRangeOptions(0, 1));
        var policy = ArithmeticPolicy.Attach(model, new ArithmeticOptions(dynamic), 1);
        var x = Tensor.FromArray([0.13f, -0.52f, 0.77f], 1, 3);
        model.Eval();
        policy.BeginStep(0);
        float[] a = model.Forward(x).ToArray(), b = model.Forward(x).ToArray();
        Assert.Equal(a, b);
        Assert.Empty(policy.EndStep()); // nothing observed: no window ended despite window 1
        model.Train();
        policy.BeginStep(1);
        model.Forward(x);
        Assert.NotEmpty(policy.EndStep());
    }

    [Fact]
    public void Groups_PerLayerAndPerModel_Names()
    {
        var (model, _, _) = Model();
        var policy = ArithmeticPolicy.Attach(model, new ArithmeticOptions(s_fixed), 1);
        var names = policy.Formats().Select(f => f.Group).ToList();
        Assert.Equal(20, names.Count);
        Assert.Contains("L1/dE/dW", names);
        Assert.Contains("L2/vb", names);
        Assert.True(policy.Covers("0.weight") && policy.Covers("2.bias") && !policy.Covers("1.weight"));
        var (model2, _, _) = Model();
        var shared = ArithmeticPolicy.Attach(model2, new ArithmeticOptions(s_fixed, groups: GroupScope.PerModel), 1);
        Assert.Equal(QuantityNames.All.Select(q => "all/" + q), shared.Formats().Select(f => f.Group));
    }

    [Fact]
    public void Store_RoundsMasterAtUpdatePrecisionAndValueAtPropagationPrecision()
    {
        var (model, _, _) = Model();
        var update = new FixedPointFormat(8, 1); // LSB 1/64
        var policy = ArithmeticPolicy.Attach(model, new ArithmeticOptions(s_fixed, update), 1);
        var value = Tensor.FromArray([0.1f, -0.3f, 5f, 0.0234375f], 4);
        var master = Tensor.Zeros(4);
        policy.Store("0.bias", master, value, 0, 1);
        policy.Store("0.bias", master, value, 1, 3); // in ranges, as optimizers do block by block
        Assert.Equal([0.09375f, -0.296875f, 1.984375f, 0.03125f], master.ToArray()); // 6.4→6, −19.2→−19, saturate 127/64, 1.5→2
        Assert.Equal([0.125f, -0.3125f, 1.9375f, 0.0625f], value.ToArray()); // master rounded again on the 1/16 grid
    }

    [Fact]
    public void Attach_RejectsParametersOutsideWeightedLayersAndModelsWithoutThem()
    {
        var withNorm = new Sequential(new Linear(3, 4, true, new Random(1)), new BatchNorm(4, false, 0.1, 1e-5, true));
        var e = Assert.Throws<ArgumentException>(() => ArithmeticPolicy.Attach(withNorm, new ArithmeticOptions(s_fixed), 1));
        Assert.Contains("'1.", e.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => ArithmeticPolicy.Attach(new Sequential(new Relu()), new ArithmeticOptions(s_fixed), 1));
    }
}
