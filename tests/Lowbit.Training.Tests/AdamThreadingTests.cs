using Lowbit.Nn;
using Lowbit.Tensors;
using Lowbit.Training.Optimizers;

namespace Lowbit.Training.Tests;

/// <summary>Adam splits large parameters across threads; the update must not depend on the thread count.</summary>
public class AdamThreadingTests
{
    private static float[] Train(int threads)
    {
        using var scope = Compute.UseThreads(threads);
        var rng = new Random(5);
        var p = new Parameter(Tensor.RandomUniform(rng, -1, 1, [300, 337])) { Clip = (-0.5, 0.5) };
        var adam = new Adam([("w", p)], 0.01, weightDecay: 1e-3);
        for (int step = 0; step < 3; step++)
        {
            p.Value.Grad = Tensor.RandomUniform(rng, -1, 1, [300, 337]);
            adam.Step();
        }
        return p.Value.ToArray();
    }

    [Fact]
    public void Step_LargeParameter_SameForAnyThreadCount()
    {
        var one = Train(1);
        foreach (int threads in new[] { 2, 3 })
        {
            var many = Train(threads);
            for (int i = 0; i < one.Length; i++)
                Assert.True(BitConverter.SingleToInt32Bits(one[i]) == BitConverter.SingleToInt32Bits(many[i]),
                    $"w[{i}]: 1 thread {one[i]:R}, {threads} threads {many[i]:R}");
        }
    }

    [Fact]
    public void Step_ClipInsideUpdate_EqualsClampAfterUnclippedUpdate()
    {
        var rng = new Random(8);
        var init = Tensor.RandomUniform(rng, -1, 1, [200, 301]);
        var grads = Enumerable.Range(0, 3).Select(_ => Tensor.RandomUniform(rng, -1, 1, [200, 301])).ToArray();
        var clipped = new Parameter(init.Clone()) { Clip = (-0.4, 0.3) };
        var plain = new Parameter(init.Clone());
        var a = new Adam([("w", clipped)], 0.05);
        var b = new Adam([("w", plain)], 0.05);
        for (int step = 0; step < grads.Length; step++)
        {
            clipped.Value.Grad = grads[step].Clone();
            plain.Value.Grad = grads[step].Clone();
            a.Step();
            b.Step();
            var span = plain.Value.AsSpan();
            for (int i = 0; i < span.Length; i++) span[i] = Math.Min(Math.Max(span[i], -0.4f), 0.3f);
            Assert.Equal(plain.Value.ToArray(), clipped.Value.ToArray());
        }
    }

    [Fact]
    public void Step_MatchesScalarFormula()
    {
        var p = new Parameter(Tensor.FromArray(new[] { 0.3f, -0.2f, 0.9f }, 3));
        p.Value.Grad = Tensor.FromArray(new[] { 0.5f, -1f, 2f }, 3);
        new Adam([("w", p)], 0.1).Step();
        // t = 1: m = 0.1·g, v = 0.001·g², m̂ = g, v̂ = g², so w −= 0.1·g/(|g| + 1e-8) ≈ 0.1·sign(g)
        Assert.Equal(new[] { 0.2f, -0.1f, 0.8f }, p.Value.ToArray().Select(v => MathF.Round(v, 5)).ToArray());
    }
}
