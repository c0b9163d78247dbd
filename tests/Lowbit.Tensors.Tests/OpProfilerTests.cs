using Lowbit.Tensors.Autograd;

namespace Lowbit.Tensors.Tests;

public class OpProfilerTests
{
    [Fact]
    public void Begin_RecordsForwardAndBackwardPerOpName()
    {
        var profiler = new OpProfiler();
        var w = Tensor.FromArray(new float[] { 1, 2, 3, 4 }, 2, 2);
        w.RequiresGrad = true;
        using (profiler.Begin())
        {
            var y = Tensor.Relu(Tensor.MatMul(w, w));
            Tensor.Sum(Tensor.Relu(y)).Backward();
        }
        var relu = profiler.Timings.Single(t => t.OpName == "Relu");
        Assert.Equal(2, relu.ForwardCalls);
        Assert.Equal(2, relu.BackwardCalls);
        Assert.Equal(1, profiler.Timings.Single(t => t.OpName == "MatMul").BackwardCalls);
        Assert.Contains(profiler.Timings, t => t.OpName == OpProfiler.AccumulateName);
        Assert.True(profiler.Timings.All(t => t.ForwardTicks >= 0 && t.BackwardTicks >= 0));

        // Closed scope: nothing more is recorded; Reset clears.
        Tensor.Relu(w);
        Assert.Equal(2, profiler.Timings.Single(t => t.OpName == "Relu").ForwardCalls);
        profiler.Reset();
        Assert.Empty(profiler.Timings);
    }

    [Fact]
    public void Backward_OpsRunByABackwardRule_AreChargedToThatRuleOnly()
    {
        // MatMul's backward computes its gradients with two more MatMuls: they belong to the rule's backward time and
        // must not appear as forward calls (which would count their time twice).
        long now = 0;
        var profiler = new OpProfiler(() => now += 1, 1);
        var a = Tensor.FromArray(new float[] { 1, 2, 3, 4 }, 2, 2);
        var b = Tensor.FromArray(new float[] { 5, 6, 7, 8 }, 2, 2);
        a.RequiresGrad = b.RequiresGrad = true;
        using (profiler.Begin())
            Tensor.Sum(Tensor.MatMul(a, b)).Backward();
        var matMul = profiler.Timings.Single(t => t.OpName == "MatMul");
        Assert.Equal(1, matMul.ForwardCalls);
        Assert.Equal(1, matMul.BackwardCalls);
        Assert.Equal(1, profiler.Timings.Single(t => t.OpName == "Sum").ForwardCalls);
    }

    [Fact]
    public void Begin_Twice_Throws()
    {
        var profiler = new OpProfiler();
        using var scope = profiler.Begin();
        Assert.Throws<InvalidOperationException>(() => new OpProfiler().Begin());
    }
}
