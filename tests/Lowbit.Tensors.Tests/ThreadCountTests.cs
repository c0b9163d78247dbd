namespace Lowbit.Tensors.Tests;

/// <summary>
/// Ops that split work across threads give bit-identical values and gradients for 1, 2 and 3 threads (the shop's
/// reproducibility rule: results depend on the seed only, never on the thread count).
/// </summary>
public class ThreadCountTests
{
    private static Tensor Input(int seed, int[] shape, double low = -2, double high = 2)
    {
        var t = Tensor.RandomUniform(new Random(seed), low, high, shape);
        t.RequiresGrad = true;
        return t;
    }

    /// <summary>Runs <paramref name="build"/> on fresh copies of the inputs and returns the output and input gradients.</summary>
    private static List<float[]> Run(int threads, Func<Tensor[], Tensor> build, Tensor[] inputs)
    {
        using var scope = Compute.UseThreads(threads);
        var copies = inputs.Select(t => { var c = t.Clone(); c.RequiresGrad = true; return c; }).ToArray();
        var y = build(copies);
        var weights = Tensor.RandomUniform(new Random(99), -1, 1, y.Shape.ToArray());
        Tensor.Sum(Tensor.Mul(y, weights)).Backward();
        var result = new List<float[]> { y.ToArray() };
        result.AddRange(copies.Select(c => c.Grad!.ToArray()));
        return result;
    }

    private static void AssertSameForThreadCounts(Func<Tensor[], Tensor> build, params Tensor[] inputs)
    {
        var one = Run(1, build, inputs);
        foreach (int threads in new[] { 2, 3 })
        {
            var many = Run(threads, build, inputs);
            for (int t = 0; t < one.Count; t++)
                for (int i = 0; i < one[t].Length; i++)
                    Assert.True(BitConverter.SingleToInt32Bits(one[t][i]) == BitConverter.SingleToInt32Bits(many[t][i]),
                        $"tensor {t} (0 = output) element {i}: 1 thread {one[t][i]:R}, {threads} threads {many[t][i]:R}");
        }
    }

    [Theory]
    [InlineData(100, 1024)]
    [InlineData(37, 1001)]
    public void BatchNormRows_SameForAnyThreadCount(int n, int c)
    {
        var options = new BatchNormOptions(true);
        AssertSameForThreadCounts(t => Tensor.BatchNorm(t[0], t[1], t[2], Tensor.Zeros(c), Tensor.Ones(c), options),
            Input(1, [n, c]), Input(2, [c], 0.5, 1.5), Input(3, [c]));
    }

    [Fact]
    public void BatchNormSpatial_SameForAnyThreadCount()
    {
        var options = new BatchNormOptions(true);
        AssertSameForThreadCounts(t => Tensor.BatchNorm(t[0], t[1], t[2], Tensor.Zeros(32), Tensor.Ones(32), options),
            Input(4, [20, 32, 14, 14]), Input(5, [32], 0.5, 1.5), Input(6, [32]));
    }

    [Fact]
    public void ConvPool_SameForAnyThreadCount()
    {
        AssertSameForThreadCounts(t => Tensor.MaxPool2d(Tensor.Conv2d(t[0], t[1], t[2], padding: 1), 2),
            Input(16, [12, 8, 14, 14]), Input(17, [16, 8, 3, 3], -0.3, 0.3), Input(18, [16]));
    }

    [Fact]
    public void Elementwise_SameForAnyThreadCount()
    {
        int[] shape = [77, 1031];
        AssertSameForThreadCounts(t => Tensor.Relu(t[0]), Input(7, shape));
        AssertSameForThreadCounts(t => Tensor.Tanh(t[0]), Input(8, shape));
        AssertSameForThreadCounts(t => Tensor.Exp(t[0]), Input(9, shape));
        AssertSameForThreadCounts(t => Tensor.SignSte(t[0], 1.0), Input(10, shape));
        AssertSameForThreadCounts(t => Tensor.Clamp(t[0], -1, 1), Input(11, shape));
        AssertSameForThreadCounts(t => Tensor.Add(t[0], t[1]), Input(12, shape), Input(13, [shape[1]]));
        AssertSameForThreadCounts(t => Tensor.Mul(t[0], t[1]), Input(14, shape), Input(15, shape));
    }
}
