using Lowbit.Nn.Layers;
using Lowbit.Quantization;
using Lowbit.Testing;
using Lowbit.Tensors;

namespace Lowbit.Nn.Tests;

/// <summary>Residual blocks, convolution options and global pooling: finite differences and hand-written references.</summary>
public class ResidualAndConvOptionsTests
{
    private static Tensor[] WithParameters(Tensor x, Module m) => [x, .. m.Parameters().Select(p => p.Value)];

    private static Residual DownsamplingBlock(int seed)
    {
        var rng = new Random(seed);
        return new Residual(
            new Sequential(new Conv2d(2, 4, 3, 2, 1, bias: false, rng), new BatchNorm2d(4), new Relu(), new Conv2d(4, 4, 3, 1, 1, bias: true, rng)),
            new Sequential(new Conv2d(2, 4, 1, 2, 0, bias: false, rng), new BatchNorm2d(4)));
    }

    [Fact]
    public void Residual_EqualsTheBlockWrittenOutByHand_ForwardAndGradients()
    {
        var block = DownsamplingBlock(1);
        block.ConvertTo(DType.Float64);
        var x = GradCheck.Input(new Random(2), [3, 2, 6, 6]);
        var y = block.Forward(x);
        Tensor.Sum(Tensor.Mul(y, y)).Backward();
        var blockGrads = block.Parameters().Select(p => p.Grad!.ToDoubleArray()).ToArray();
        var xGrad = x.Grad!.ToDoubleArray();

        // By hand with the same parameter tensors: conv → BN → ReLU → conv + bias, plus 1×1 strided conv → BN.
        block.ZeroGrad();
        x.Grad = null;
        var b = block.Body.Layers;
        var s = block.Shortcut!.Layers;
        var c1 = (Conv2d)b[0];
        var c2 = (Conv2d)b[3];
        var bn = (BatchNorm)b[1];
        var sc = (Conv2d)s[0];
        var sbn = (BatchNorm)s[1];
        var bnOptions = new BatchNormOptions(true, 0.1, 1e-5);
        var hand = Tensor.Conv2d(Tensor.Relu(Tensor.BatchNorm(Tensor.Conv2d(x, c1.Weight.Value, null, 2, 1), bn.Gamma!.Value, bn.Beta!.Value, Tensor.Zeros(DType.Float64, 4), Tensor.Full(DType.Float64, 1.0, 4), bnOptions)),
            c2.Weight.Value, c2.Bias!.Value, 1, 1);
        var shortcut = Tensor.BatchNorm(Tensor.Conv2d(x, sc.Weight.Value, null, 2, 0), sbn.Gamma!.Value, sbn.Beta!.Value, Tensor.Zeros(DType.Float64, 4), Tensor.Full(DType.Float64, 1.0, 4), bnOptions);
        var expected = Tensor.Add(hand, shortcut);
        Assert.Equal(expected.ToDoubleArray(), y.ToDoubleArray());
        Tensor.Sum(Tensor.Mul(expected, expected)).Backward();
        Assert.Equal(xGrad, x.Grad!.ToDoubleArray());
        var handGrads = block.Parameters().Select(p => p.Grad!.ToDoubleArray()).ToArray();
        for (int i = 0; i < handGrads.Length; i++) Assert.Equal(handGrads[i], blockGrads[i]);
    }

    [Fact]
    public void Residual_Downsampling_MatchesFiniteDifferences()
    {
        var block = DownsamplingBlock(3);
        block.ConvertTo(DType.Float64);
        var x = GradCheck.Input(new Random(4), [2, 2, 5, 5]);
        GradCheck.Check(_ => block.Forward(x), WithParameters(x, block));
    }

    [Fact]
    public void Residual_Identity_AddsInputAndChecksShapes()
    {
        var rng = new Random(5);
        var block = new Residual(new Sequential(new Conv2d(3, 3, 3, 1, 1, bias: true, rng)));
        block.ConvertTo(DType.Float64);
        var x = GradCheck.Input(rng, [2, 3, 4, 4]);
        GradCheck.Check(_ => block.Forward(x), WithParameters(x, block));
        var conv = (Conv2d)block.Body.Layers[0];
        Assert.Equal(Tensor.Add(conv.Forward(x), x).ToDoubleArray(), block.Forward(x).ToDoubleArray());

        var widening = new Residual(new Sequential(new Conv2d(3, 6, 3, 1, 1, bias: true, rng)));
        var e = Assert.Throws<ArgumentException>(() => widening.OutputShape([3, 4, 4]));
        Assert.Contains("[6, 4, 4]", e.Message);
        Assert.Contains("identity shortcut", e.Message);
    }

    [Fact]
    public void ChannelPadShortcut_SubsamplesAndPads_MatchesFiniteDifferences()
    {
        var pad = new ChannelPadShortcut(2, 1, 1);
        var x = GradCheck.Input(new Random(6), [2, 2, 5, 5]);
        GradCheck.Check(t => pad.Forward(t[0]), [x]);
        var y = pad.Forward(x);
        Assert.Equal([2, 4, 3, 3], y.Shape.ToArray());
        Assert.Equal([4, 3, 3], pad.OutputShape([2, 5, 5]));
        Assert.Equal(0, y.GetFlat(0));                              // channel 0 is padding
        Assert.Equal(x.GetFlat(0), y.GetFlat(9));                   // channel 1 = input channel 0, pixel (0, 0)
        Assert.Equal(x.GetFlat(2 * 5 + 2), y.GetFlat(9 + 3 + 1));   // pixel (1, 1) = input (2, 2)
    }

    [Theory]
    [InlineData(1, 0.0)]
    [InlineData(2, 0.0)]
    [InlineData(1, -1.0)]
    [InlineData(3, 1.0)]
    public void Conv2d_GroupsAndPadValue_MatchFiniteDifferences(int groups, double padValue)
    {
        var rng = new Random(7);
        var layer = new Conv2d(3 * groups, 2 * groups, 3, 1, 1, bias: true, rng, groups: groups, padValue: padValue);
        layer.ConvertTo(DType.Float64);
        var x = GradCheck.Input(rng, [2, 3 * groups, 4, 5]);
        GradCheck.Check(_ => layer.Forward(x), WithParameters(x, layer));
    }

    [Fact]
    public void Conv2d_PadValueMinusOne_EqualsConvolutionOfExplicitlyPaddedBinaryInput()
    {
        // A ±1 input padded with −1 by hand, convolved without padding: the same exact integers.
        var rng = new Random(8);
        var layer = new Conv2d(2, 3, 3, 2, 1, bias: false, rng, inputQuantizer: new SteSign(), weightQuantizer: new SteSign(), padValue: -1);
        layer.Eval();
        var x = Tensor.RandomUniform(rng, -1, 1, [2, 2, 5, 5]);
        var signs = x.ToArray().Select(v => v >= 0 ? 1f : -1f).ToArray();
        var padded = new float[2 * 2 * 7 * 7];
        Array.Fill(padded, -1f);
        for (int p = 0; p < 4; p++)
            for (int r = 0; r < 5; r++)
                for (int c = 0; c < 5; c++) padded[p * 49 + (r + 1) * 7 + c + 1] = signs[p * 25 + r * 5 + c];
        var expected = Tensor.Conv2d(Tensor.FromArray(padded, 2, 2, 7, 7), layer.EffectiveWeight(), null, 2, 0).ToArray();
        Assert.Equal(expected, layer.Forward(x).ToArray());
        Assert.All(expected, v => Assert.Equal(Math.Round(v), v));
    }

    [Fact]
    public void GlobalAvgPool2d_AveragesEachChannel_MatchesFiniteDifferences()
    {
        var pool = new GlobalAvgPool2d();
        var rng = new Random(9);
        foreach (int[] shape in new[] { new[] { 2, 3, 4, 4 }, [2, 3, 2, 5] })
        {
            var x = GradCheck.Input(rng, shape);
            GradCheck.Check(t => pool.Forward(t[0]), [x]);
            var y = pool.Forward(x);
            int hw = shape[2] * shape[3];
            Assert.Equal([shape[0], shape[1]], y.Shape.ToArray());
            for (int i = 0; i < shape[0] * shape[1]; i++)
            {
                double mean = Enumerable.Range(0, hw).Average(p => x.GetFlat(i * hw + p));
                Assert.Equal(mean, y.GetFlat(i), 12);
            }
        }
    }
}
