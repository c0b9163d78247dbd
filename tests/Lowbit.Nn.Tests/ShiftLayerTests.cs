using Lowbit.Nn.Layers;
using Lowbit.Quantization;
using Lowbit.Testing;
using Lowbit.Tensors;

namespace Lowbit.Nn.Tests;

/// <summary>
/// Shift layers and Shift Attention Layers: gradients against finite differences in double precision, the annealed
/// limit against the argmax shift layer (exactly), rounding and pruning on hand-built logits, the temperature
/// schedule, and shifted 1×1 convolutions against one-hot k×k convolutions (exactly, on integer data).
/// </summary>
public class ShiftLayerTests
{
    private static Tensor[] WithParameters(Tensor x, Module m) => [x, .. m.Parameters().Select(p => p.Value)];

    /// <summary>Integer values in [−4, 4] (float32 sums of them are exact in any order).</summary>
    private static Tensor Integers(Random rng, params int[] shape)
    {
        var t = Tensor.RandomUniform(rng, -4, 5, shape);
        for (int i = 0; i < t.Length; i++) t.SetFlat(i, Math.Floor(t.GetFlat(i)));
        return t;
    }

    [Theory]
    [InlineData(true, 1, 1, 2.0)]
    [InlineData(false, 1, 1, 2.0)]
    [InlineData(false, 2, 1, 5.0)]
    [InlineData(true, 2, 0, 20.0)]
    public void ShiftAttention_Training_MatchesFiniteDifferences(bool shared, int stride, int padding, double temperature)
    {
        var rng = new Random(1);
        var layer = new ShiftAttentionConv2d(3, 2, 3, stride, padding, shared, bias: true, rng);
        layer.Bias!.Value.CopyFrom(Tensor.RandomUniform(rng, -1, 1, [2]));
        layer.ConvertTo(DType.Float64);
        layer.Temperature = temperature;
        var x = GradCheck.Input(rng, [2, 3, 5, 6]);
        GradCheck.Check(_ => layer.Forward(x), WithParameters(x, layer), tolerance: 1e-5);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void ShiftAttention_Evaluation_GradientsMatchFiniteDifferences(bool shared)
    {
        var rng = new Random(2);
        var layer = new ShiftAttentionConv2d(3, 2, 3, 2, 1, shared, bias: true, rng);
        layer.ConvertTo(DType.Float64);
        layer.Eval();
        var x = GradCheck.Input(rng, [2, 3, 5, 5]);
        GradCheck.Check(_ => layer.Forward(x), [x, layer.Weight.Value, layer.Bias!.Value]);
    }

    [Theory]
    [InlineData(true, 1, 1)]
    [InlineData(false, 1, 1)]
    [InlineData(false, 2, 1)]
    [InlineData(true, 2, 2)]
    public void ShiftAttention_VeryLargeTemperature_EqualsArgmaxShiftLayerExactly(bool shared, int stride, int padding)
    {
        var rng = new Random(3);
        int c = 4, o = 3, k = 3, area = k * k;
        var layer = new ShiftAttentionConv2d(c, o, k, stride, padding, shared, bias: false, rng, init: Integers(rng, o, c, k, k));
        layer.Temperature = 1e7;
        var x = Integers(rng, 2, c, 7, 6);
        // Independent reference: the argmax of the raw logits (softmax and the division by a positive std keep the
        // order), as a k×k convolution whose kernel (o, c) is W[o, c] at that cell and 0 elsewhere.
        var logits = layer.Attention.Value.ToDoubleArray();
        var kernel = Tensor.Zeros(o, c, k, k);
        var expectedPositions = new int[shared ? c : o * c];
        for (int r = 0; r < expectedPositions.Length; r++)
            expectedPositions[r] = Enumerable.Range(0, area).MaxBy(q => logits[r * area + q]);
        for (int oc = 0; oc < o * c; oc++)
        {
            int p = expectedPositions[shared ? oc % c : oc];
            kernel.SetFlat(oc * area + p, layer.Weight.Value.GetFlat(oc * area + p));
        }
        var expected = Tensor.Conv2d(x, kernel, null, stride, padding).ToArray();
        Assert.Equal(expectedPositions, layer.SelectedPositions());
        Assert.Equal(expected, layer.Forward(x).ToArray());
        layer.Eval();
        Assert.Equal(expected, layer.Forward(x).ToArray());
    }

    [Fact]
    public void ShiftAttention_HandBuiltLogits_RoundAndPruneAsDerived()
    {
        // Rows (k = 3, 9 positions). A row that is 0 except 1 at q has mean 1/9 and (Bessel) std 1/3, so Â = 3 at q and
        // 0 elsewhere, P_q = e^(3T) / (8 + e^(3T)): 0.715 at T = 1 (selected), 0.144 at T = 0.1 (pruned).
        // A row with two equal largest entries has P ≤ 0.5 at both at any T: always pruned.
        double[] Row(params (int Q, double V)[] entries)
        {
            var r = new double[9];
            foreach (var (q, v) in entries) r[q] = v;
            return r;
        }
        double[][] rows = [Row((4, 1)), Row((0, 1), (8, 1)), Row((7, 1)), Row((2, 5), (3, 5), (5, 1))];
        var logits = Tensor.FromArray(rows.SelectMany(r => r).Select(v => (float)v).ToArray(), 1, 4, 9);
        var layer = new ShiftAttentionConv2d(4, 5, 3, 1, 1, shared: true, bias: false, new Random(4), attentionInit: logits);
        Assert.Equal(0.715, Math.Exp(3) / (8 + Math.Exp(3)), 3);

        layer.Temperature = 1;
        Assert.Equal([4, -1, 7, -1], layer.SelectedPositions());
        var op = layer.Cost([4, 6, 6]).Operations.Single();
        Assert.Equal((2L * 5, 36L * (20 - 10), 20L, 4L, 4), (op.PrunedConnections, op.Macs, op.WeightElements, op.ShiftIndices, op.ShiftIndexBits));

        // P_q > 0.5 ⇔ e^(3T) > 8 ⇔ T > ln(8)/3 = 0.693 (with the population std, 2.83·T > ln 8: T > 0.735).
        layer.Temperature = 0.71;
        Assert.Equal([4, -1, 7, -1], layer.SelectedPositions());
        layer.Temperature = 0.68;
        Assert.Equal([-1, -1, -1, -1], layer.SelectedPositions());
        layer.Temperature = 0.1;
        Assert.Equal([-1, -1, -1, -1], layer.SelectedPositions());
        Assert.Equal(4, layer.PrunedShifts());

        var unshared = new ShiftAttentionConv2d(4, 1, 3, 1, 1, shared: false, bias: false, new Random(4), attentionInit: logits.Clone());
        unshared.Temperature = 1;
        var uop = unshared.Cost([4, 6, 6]).Operations.Single();
        Assert.Equal((2L, 36L * 2, 4L), (uop.PrunedConnections, uop.Macs, uop.ShiftIndices));
    }

    [Fact]
    public void ShiftAttention_PrunedConnections_ContributeNothingInEvaluation()
    {
        var rng = new Random(5);
        var logits = Tensor.Zeros(2, 2, 9);
        logits.SetFlat(0 * 9 + 1, 1);                          // (o0, c0): position 1
        logits.SetFlat(1 * 9 + 0, 1); logits.SetFlat(1 * 9 + 2, 1); // (o0, c1): tie → pruned
        logits.SetFlat(2 * 9 + 8, 1);                          // (o1, c0): position 8
        logits.SetFlat(3 * 9 + 4, 1);                          // (o1, c1): position 4 (no shift)
        var layer = new ShiftAttentionConv2d(2, 2, 3, 1, 1, shared: false, bias: false, rng, init: Integers(rng, 2, 2, 3, 3), attentionInit: logits);
        layer.Eval();
        var x = Integers(rng, 1, 2, 4, 4);
        var y = layer.Forward(x).ToArray();
        double W(int o, int c, int q) => layer.Weight.Value.GetFlat((o * 2 + c) * 9 + q);
        double X(int c, int r, int col) => r < 0 || r >= 4 || col < 0 || col >= 4 ? 0 : x.GetFlat((c * 4 + r) * 4 + col);
        for (int i = 0; i < 4; i++)
            for (int j = 0; j < 4; j++)
            {
                Assert.Equal(W(0, 0, 1) * X(0, i - 1, j), y[i * 4 + j]);
                Assert.Equal(W(1, 0, 8) * X(0, i + 1, j + 1) + W(1, 1, 4) * X(1, i, j), y[16 + i * 4 + j]);
            }
    }

    [Theory]
    [InlineData(TemperatureScheduleKind.Geometric)]
    [InlineData(TemperatureScheduleKind.Linear)]
    public void Schedule_FirstAndLastTemperatures_AreStartAndEnd(TemperatureScheduleKind kind)
    {
        var layer = new ShiftAttentionConv2d(2, 2, 3, 1, 1, shared: false, bias: false, new Random(6), new TemperatureSchedule(20, 70, kind));
        Assert.Equal(20, layer.Temperature, 5);
        var model = new Sequential(layer);
        const int steps = 391 * 3;
        model.SetProgress(new TrainingProgress(0, steps));
        Assert.Equal(20, layer.Temperature, 5);
        model.SetProgress(new TrainingProgress(steps, steps));
        Assert.Equal(70, layer.Temperature, 5);
        var schedule = layer.Schedule;
        if (kind == TemperatureScheduleKind.Geometric)
        {
            double factor = Math.Exp(Math.Log(70.0 / 20) / steps); // the paper's per-iteration multiplier
            for (int t = 0; t < steps; t += 97)
                Assert.Equal(schedule.At((double)(t + 1) / steps) / schedule.At((double)t / steps), factor, 12);
        }
        else
        {
            Assert.Equal(45, schedule.At(0.5), 12);
        }
    }

    [Fact]
    public void Schedule_Constant_RequiresEqualEnds()
    {
        Assert.Equal(5, new TemperatureSchedule(5, 5, TemperatureScheduleKind.Constant).At(0.3));
        Assert.Throws<ArgumentOutOfRangeException>(() => new TemperatureSchedule(5, 7, TemperatureScheduleKind.Constant));
        Assert.Throws<ArgumentOutOfRangeException>(() => new TemperatureSchedule(0, 7, TemperatureScheduleKind.Geometric));
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 1)]
    [InlineData(1, 0)]
    public void ShiftConv_EqualsOneHotConvolutionExactly(int stride, int padding)
    {
        var rng = new Random(7);
        int c = 11, o = 4, k = 3;
        var layer = new ShiftConv2d(c, o, k, stride, padding, bias: false, rng, init: Integers(rng, o, c, 1, 1));
        var kernel = Tensor.Zeros(o, c, k, k);
        var positions = layer.Positions;
        for (int oc = 0; oc < o * c; oc++) kernel.SetFlat(oc * k * k + positions[oc % c], layer.Weight.Value.GetFlat(oc));
        var x = Integers(rng, 2, c, 8, 8);
        Assert.Equal(Tensor.Conv2d(x, kernel, null, stride, padding).ToArray(), layer.Forward(x).ToArray());
    }

    [Fact]
    public void ShiftConv_MatchesFiniteDifferences()
    {
        var rng = new Random(8);
        var layer = new ShiftConv2d(9, 3, 3, 1, 1, bias: true, rng);
        layer.ConvertTo(DType.Float64);
        var x = GradCheck.Input(rng, [2, 9, 4, 5]);
        GradCheck.Check(_ => layer.Forward(x), WithParameters(x, layer));
    }

    [Fact]
    public void EvenPattern_SplitsChannelsIntoGroupsAndLeavesTheRestUnshifted()
    {
        Assert.Equal([0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 4, 4], ShiftPattern.Even(20, 3));
        Assert.Equal([0, 1, 2, 3], ShiftPattern.Even(4, 2));
        var e = Assert.Throws<ArgumentException>(() => ShiftPattern.Even(8, 3));
        Assert.Contains("9 directions", e.Message, StringComparison.Ordinal);
        Assert.Equal(4, ShiftPattern.IndexBits(3));
        Assert.Equal(5, ShiftPattern.IndexBits(5));
    }

    [Fact]
    public void ShiftAttention_WithBinaryWeights_RoundsToABinaryShiftLayer()
    {
        var rng = new Random(9);
        var layer = new ShiftAttentionConv2d(4, 3, 3, 1, 1, shared: false, bias: false, rng, weightQuantizer: new SteSign());
        layer.Eval();
        var form = layer.Deployed();
        Assert.All(form.Weights.ToArray(), w => Assert.True(w is 1 or -1 or 0, $"weight {w}"));
        Assert.Equal(form.PrunedConnections, form.Weights.ToArray().Count(w => w == 0));
        var x = Integers(rng, 1, 4, 5, 5);
        layer.Temperature = 1e7;
        layer.Train();
        var trained = layer.Forward(x).ToArray();
        layer.Eval();
        Assert.Equal(trained, layer.Forward(x).ToArray());
    }

    [Fact]
    public void ShiftLayers_WorkInsideResidualBlocks()
    {
        var rng = new Random(10);
        var block = new Residual(new Sequential(
            new ShiftAttentionConv2d(9, 9, 3, 1, 1, shared: true, bias: false, rng), new BatchNorm2d(9), new Relu(),
            new ShiftConv2d(9, 9, 3, 1, 1, bias: false, rng), new BatchNorm2d(9)));
        var x = Tensor.RandomUniform(rng, -1, 1, [2, 9, 6, 6]);
        Assert.Equal([2, 9, 6, 6], block.Forward(x).Shape.ToArray());
        block.Eval();
        Assert.Equal([2, 9, 6, 6], block.Forward(x).Shape.ToArray());
        Assert.Equal(2, CostWalker.WeightedOperations(block, [9, 6, 6]).Count);
    }
}
