namespace Lowbit.Tensors.Tests;

public class TensorArenaTests
{
    /// <summary>A small MLP-like step: matmul, bias, batch norm, relu, loss, backward; returns loss, logits and weight gradient.</summary>
    private static (double Loss, float[] Logits, float[] GradW) Step(Tensor x, Tensor w, Tensor b)
    {
        w.Grad = null;
        b.Grad = null;
        var h = Tensor.Relu(Tensor.Linear(x, w, b));
        var bn = Tensor.BatchNorm(h, null, null, Tensor.Zeros(h.Dim(1)), Tensor.Ones(h.Dim(1)), new BatchNormOptions(true));
        var loss = Tensor.CrossEntropy(bn, Enumerable.Range(0, x.Dim(0)).Select(i => i % bn.Dim(1)).ToArray());
        loss.Backward();
        return (loss.Item(), bn.ToArray(), w.Grad!.ToArray());
    }

    private static (Tensor X, Tensor W, Tensor B) Inputs()
    {
        var rng = new Random(3);
        var x = Tensor.RandomUniform(rng, -1, 1, [64, 100]);
        var w = Tensor.RandomUniform(rng, -0.1, 0.1, [80, 100]);
        var b = Tensor.RandomUniform(rng, -0.1, 0.1, [80]);
        w.RequiresGrad = true;
        b.RequiresGrad = true;
        return (x, w, b);
    }

    [Fact]
    public void Steps_SteadyStateCreatesNoBuffersAndMatchesUnpooled()
    {
        var (x, w, b) = Inputs();
        var expected = Step(x, w, b);
        var arena = new TensorArena();
        int created = 0;
        for (int step = 0; step < 4; step++)
        {
            (double Loss, float[] Logits, float[] GradW) actual;
            using (arena.BeginStep()) actual = Step(x, w, b);
            Assert.Equal(expected.Loss, actual.Loss);
            Assert.Equal(expected.Logits, actual.Logits);
            Assert.Equal(expected.GradW, actual.GradW);
            if (step == 1) created = arena.BuffersCreated;
            if (step > 1) Assert.Equal(created, arena.BuffersCreated);
        }
        Assert.True(created > 0, "no op result came from the arena");
    }

    [Fact]
    public void Result_ReadableAfterScope_ThrowsAfterNextBeginStep()
    {
        var arena = new TensorArena();
        var a = Tensor.RandomUniform(new Random(1), -1, 1, [64, 128]);
        Tensor r, view, zeros, clone;
        using (arena.BeginStep())
        {
            r = Tensor.Relu(a);
            view = r.Reshape(128, 64);
            zeros = Tensor.Zeros(64, 128);
            clone = r.Clone();
        }
        float first = r.AsSpan()[0]; // still readable: the step's results live until the next step begins
        Assert.Equal(Math.Max(a.AsSpan()[0], 0f), first);
        using (arena.BeginStep())
        {
            var ex = Assert.Throws<InvalidOperationException>(() => r.AsSpan());
            Assert.Contains("recycled", ex.Message, StringComparison.Ordinal);
            Assert.Throws<InvalidOperationException>(() => view.ToArray());
            Assert.Throws<InvalidOperationException>(() => r.GetFlat(0));
            Assert.Equal(0f, zeros.AsSpan()[5]);   // public factories never come from an arena
            Assert.Equal(first, clone.AsSpan()[0]); // nor do clones
        }
    }

    [Fact]
    public void BeginStep_WhileOpen_Throws()
    {
        var arena = new TensorArena();
        using var scope = arena.BeginStep();
        Assert.Throws<InvalidOperationException>(() => new TensorArena().BeginStep());
    }

    [Fact]
    public void SmallResults_ComeFromTheHeap()
    {
        var arena = new TensorArena();
        Tensor small;
        using (arena.BeginStep()) small = Tensor.Relu(Tensor.Ones(TensorArena.MinPooledLength - 1));
        using (arena.BeginStep()) Assert.Equal(1f, small.AsSpan()[0]);
        Assert.Equal(0, arena.BuffersCreated);
    }
}
