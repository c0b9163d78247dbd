using Lowbit.Nn;
using Lowbit.Tensors;
using Lowbit.Training.Optimizers;
using Lowbit.Training.Schedules;

namespace Lowbit.Training.Tests;

public class OptimizerTests
{
    private static (Parameter P, List<(string, Parameter)> List) One(float value, float grad)
    {
        var p = new Parameter(Tensor.FromArray(new[] { value }, 1));
        p.Value.Grad = Tensor.FromArray(new[] { grad }, 1);
        return (p, [("w", p)]);
    }

    [Fact]
    public void Sgd_MomentumNesterovDecay_HandValues()
    {
        var (p, list) = One(1f, 0.5f);
        var opt = new Sgd(list, 0.1, momentum: 0.9, nesterov: false, weightDecay: 0.1);
        opt.Step(); // g = 0.5 + 0.1·1 = 0.6; v = 0.6; w = 1 − 0.06 = 0.94
        Assert.Equal(0.94f, p.Value.AsSpan()[0], 6);
        p.Value.Grad = Tensor.FromArray(new[] { 0.5f }, 1);
        opt.Step(); // g = 0.5 + 0.094 = 0.594; v = 0.54 + 0.594 = 1.134; w = 0.94 − 0.1134
        Assert.Equal(0.94f - 0.1134f, p.Value.AsSpan()[0], 6);

        var (q, list2) = One(1f, 0.5f);
        new Sgd(list2, 0.1, momentum: 0.9, nesterov: true).Step(); // v = 0.5; step = 0.5 + 0.45 = 0.95
        Assert.Equal(1f - 0.095f, q.Value.AsSpan()[0], 6);
    }

    [Fact]
    public void Adam_FirstStepMovesByLearningRate()
    {
        // With bias correction, the first Adam step is lr·g/|g| (up to ε).
        var (p, list) = One(0.2f, -3f);
        new Adam(list, 0.01).Step();
        Assert.Equal(0.21f, p.Value.AsSpan()[0], 5);
    }

    [Fact]
    public void Adam_TwoSteps_HandValues()
    {
        var (p, list) = One(0f, 1f);
        var opt = new Adam(list, 0.1, 0.5, 0.5, 0);
        opt.Step();
        p.Value.Grad = Tensor.FromArray(new[] { 3f }, 1);
        opt.Step();
        // step 1: m=0.5 v=0.5 -> m̂=1 v̂=1 -> w=-0.1
        // step 2: m=0.25+1.5=1.75, v=0.25+4.5=4.75; m̂=1.75/0.75, v̂=4.75/0.75 -> w -= 0.1·m̂/sqrt(v̂)
        double mhat = 1.75 / 0.75, vhat = 4.75 / 0.75;
        Assert.Equal(-0.1 - 0.1 * mhat / Math.Sqrt(vhat), p.Value.AsSpan()[0], 5);
    }

    [Fact]
    public void AdaMax_HandValues()
    {
        var (p, list) = One(0f, 2f);
        var opt = new AdaMax(list, 0.1, 0.5, 0.5, 0);
        opt.Step(); // m = 1, u = 2, step = 0.1/(1-0.5)·1/2 = 0.1
        Assert.Equal(-0.1f, p.Value.AsSpan()[0], 6);
        p.Value.Grad = Tensor.FromArray(new[] { -1f }, 1);
        opt.Step(); // m = 0.5 − 0.5 = 0, u = max(1, 1) = 1 -> no move
        Assert.Equal(-0.1f, p.Value.AsSpan()[0], 6);
    }

    [Fact]
    public void Step_AppliesLearningRateScaleAndClip()
    {
        var (p, list) = One(0.95f, -1f);
        p.LearningRateScale = 3;
        p.Clip = (-1, 1);
        new Sgd(list, 0.1).Step(); // 0.95 + 0.3 = 1.25 -> clipped to 1
        Assert.Equal(1f, p.Value.AsSpan()[0]);
    }

    [Fact]
    public void State_RoundTripReproducesNextStep()
    {
        var (p, list) = One(0.5f, 0.3f);
        var a = new Adam(list, 0.01);
        a.Step();
        var saved = a.State();
        var snapshot = p.Value.Clone();
        p.Value.Grad = Tensor.FromArray(new[] { -0.7f }, 1);
        a.Step();
        float expected = p.Value.AsSpan()[0];

        var (q, list2) = One(0f, -0.7f);
        q.Value.CopyFrom(snapshot);
        var b = new Adam(list2, 0.01);
        b.LoadState(saved.ToDictionary(kv => kv.Key, kv => kv.Value));
        b.Step();
        Assert.Equal(expected, q.Value.AsSpan()[0]);
    }

    [Fact]
    public void Schedules_HandValues()
    {
        var e = new ExponentialSchedule(1e-2, 1e-4, 3);
        Assert.Equal(1e-2, e.At(0), 12);
        Assert.Equal(1e-3, e.At(1), 12);
        Assert.Equal(1e-4, e.At(2), 12);
        var s = new StepSchedule(1.0, 0.1, 2);
        Assert.Equal(new[] { 1.0, 1.0, 0.1, 0.1, 0.01 }, Enumerable.Range(0, 5).Select(i => Math.Round(s.At(i), 12)));
        var c = new CosineSchedule(1.0, 0.0001, 4);
        Assert.Equal(1.0, c.At(0), 12);
        Assert.Equal(0.0001 + 0.9999 / 2, c.At(2), 12);
        Assert.Throws<ArgumentOutOfRangeException>(() => new ExponentialSchedule(0, 1, 3));
    }

    [Fact]
    public void Step_PlainGradientParameter_TakesAPlainStepUnderAdamAndLeavesNoState()
    {
        // Adam's first step would move by ~lr whatever the gradient; a plain-gradient parameter moves by lr·scale·g.
        var (p, list) = One(0.5f, 0.25f);
        p.PlainGradient = true;
        p.LearningRateScale = 2;
        p.Clip = (-10, 10);
        var adam = new Adam(list, 0.125);
        adam.Step();
        Assert.Equal(0.5f - 0.125f * 2 * 0.25f, p.Value.AsSpan()[0]); // exact in binary floating point
        Assert.Equal(["step"], adam.State().Keys.ToArray());
        p.Clip = (0.49, 1);
        adam.Step();
        Assert.Equal(0.49f, p.Value.AsSpan()[0]);
    }
}
