using Lowbit.Nn.Layers;
using Lowbit.Tensors;

namespace Lowbit.Nn.Tests;

/// <summary>
/// <see cref="Sequential"/> runs a batch norm followed by ReLU as one op: the model's output, gradients and running
/// statistics are those of the layers applied one by one, bit for bit, at 1–3 threads.
/// </summary>
public class SequentialTests
{
    private static Sequential Model() => new(
        new Conv2d(3, 8, 3, 1, 1, bias: false, new Random(1)), new BatchNorm2d(8), new Relu(),
        new Conv2d(8, 8, 3, 1, 1, bias: false, new Random(2)), new BatchNorm2d(8), new Relu());

    private static List<float[]> Run(Sequential model, bool layerByLayer, int threads)
    {
        using var scope = Compute.UseThreads(threads);
        var x = Tensor.RandomUniform(new Random(3), -1, 1, [4, 3, 8, 8]);
        var y = x;
        if (layerByLayer)
            foreach (var layer in model.Layers) y = layer.Forward(y);
        else
            y = model.Forward(x);
        Tensor.Sum(Tensor.Mul(y, Tensor.RandomUniform(new Random(4), -1, 1, y.Shape.ToArray()))).Backward();
        var result = new List<float[]> { y.ToArray() };
        result.AddRange(model.Parameters().Select(p => p.Grad!.ToArray()));
        result.AddRange(model.NamedBuffers().Select(b => b.Buffer.ToArray()));
        return result;
    }

    [Fact]
    public void Forward_BatchNormThenRelu_SameBitsAsLayerByLayer()
    {
        var reference = Run(Model(), layerByLayer: true, 1);
        foreach (int threads in new[] { 1, 2, 3 })
        {
            var fused = Run(Model(), layerByLayer: false, threads);
            Assert.Equal(reference.Count, fused.Count);
            for (int t = 0; t < reference.Count; t++)
                for (int i = 0; i < reference[t].Length; i++)
                    Assert.True(BitConverter.SingleToInt32Bits(reference[t][i]) == BitConverter.SingleToInt32Bits(fused[t][i]),
                        $"tensor {t} element {i}, {threads} threads: layer by layer {reference[t][i]:R}, fused {fused[t][i]:R}");
        }
    }
}
