using Lowbit.Nn.Layers;
using Lowbit.Tensors;

namespace Lowbit.Nn.Tests;

/// <summary>
/// <see cref="Sequential"/> runs a batch norm followed by ReLU, and the end of a residual block followed by ReLU or
/// HardTanh, as one op: the model's output, gradients and running statistics are those of the layers applied one by
/// one, bit for bit, at 1–3 threads.
/// </summary>
public class SequentialTests
{
    /// <summary>Every pair that fuses: batch norm + ReLU, residual + ReLU (body ending in batch norm, identity and
    /// padding shortcuts), residual + HardTanh; and a residual whose body does not end in batch norm.</summary>
    private static Sequential Model()
    {
        var rng = new Random(1);
        return new Sequential(
            new Conv2d(3, 8, 3, 1, 1, bias: false, rng), new BatchNorm2d(8), new Relu(),
            new Residual(new Sequential(new Conv2d(8, 8, 3, 1, 1, bias: false, rng), new BatchNorm2d(8), new Relu(),
                new Conv2d(8, 8, 3, 1, 1, bias: false, rng), new BatchNorm2d(8))),
            new Relu(),
            new Residual(new Sequential(new Conv2d(8, 16, 3, 1, 1, bias: false, rng), new BatchNorm2d(16)), new Sequential(new ChannelPadShortcut(1, 4, 4))),
            new HardTanh(),
            new Residual(new Sequential(new Conv2d(16, 16, 3, 1, 1, bias: false, rng))),
            new Relu());
    }

    /// <summary>The layers one op each (no fusion at any level).</summary>
    private static Tensor Unfused(Module module, Tensor x) => module switch
    {
        Sequential s => s.Layers.Aggregate(x, (h, layer) => Unfused(layer, h)),
        Residual r => Tensor.Add(Unfused(r.Body, x), r.Shortcut is null ? x : Unfused(r.Shortcut, x)),
        _ => module.Forward(x),
    };

    private static List<float[]> Run(Sequential model, bool layerByLayer, int threads)
    {
        using var scope = Compute.UseThreads(threads);
        var x = Tensor.RandomUniform(new Random(3), -1, 1, [4, 3, 8, 8]);
        var y = layerByLayer ? Unfused(model, x) : model.Forward(x);
        Tensor.Sum(Tensor.Mul(y, Tensor.RandomUniform(new Random(4), -1, 1, y.Shape.ToArray()))).Backward();
        var result = new List<float[]> { y.ToArray() };
        result.AddRange(model.Parameters().Select(p => p.Grad!.ToArray()));
        result.AddRange(model.NamedBuffers().Select(b => b.Buffer.ToArray()));
        return result;
    }

    [Fact]
    public void Forward_FusedPairs_SameBitsAsLayerByLayer()
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
