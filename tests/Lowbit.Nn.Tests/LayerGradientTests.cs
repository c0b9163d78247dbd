using Lowbit.Nn;
using Lowbit.Nn.Layers;
using Lowbit.Nn.Losses;
using Lowbit.Testing;
using Lowbit.Tensors;

namespace Lowbit.Nn.Tests;

/// <summary>Finite-difference checks (double precision) of every layer's input and parameter gradients.</summary>
public class LayerGradientTests
{
    private static Tensor[] WithParameters(Tensor x, Module m) => [x, .. m.Parameters().Select(p => p.Value)];

    [Fact]
    public void Linear_MatchesFiniteDifferences()
    {
        var rng = new Random(1);
        var layer = new Linear(5, 3, bias: true, rng);
        layer.Bias!.Value.CopyFrom(Tensor.RandomUniform(rng, -1, 1, [3]));
        layer.ConvertTo(DType.Float64);
        var x = GradCheck.Input(rng, [4, 5]);
        GradCheck.Check(_ => layer.Forward(x), WithParameters(x, layer));
    }

    [Theory]
    [InlineData(1, 0)]
    [InlineData(2, 1)]
    public void Conv2d_MatchesFiniteDifferences(int stride, int padding)
    {
        var rng = new Random(2);
        var layer = new Conv2d(2, 3, 3, stride, padding, bias: true, rng);
        layer.ConvertTo(DType.Float64);
        var x = GradCheck.Input(rng, [2, 2, 5, 6]);
        GradCheck.Check(_ => layer.Forward(x), WithParameters(x, layer));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void BatchNorm_TrainAndEval_MatchFiniteDifferences(bool spatial)
    {
        var rng = new Random(3);
        BatchNorm layer = spatial ? new BatchNorm2d(3, momentum: 0) : new BatchNorm1d(3, momentum: 0);
        layer.ConvertTo(DType.Float64);
        layer.Gamma!.Value.CopyFrom(Tensor.RandomUniform(rng, 0.5, 1.5, [3], DType.Float64));
        var x = GradCheck.Input(rng, spatial ? [3, 3, 2, 2] : [5, 3], -2, 2);
        GradCheck.Check(_ => layer.Forward(x), WithParameters(x, layer), tolerance: 1e-5);
        layer.Eval();
        GradCheck.Check(_ => layer.Forward(x), WithParameters(x, layer), tolerance: 1e-5);
    }

    [Fact]
    public void ActivationsPoolingFlatten_MatchFiniteDifferences()
    {
        var rng = new Random(4);
        var x = GradCheck.InputAwayFrom(rng, [2, 2, 4, 4], [0, -1, 1]);
        var net = new Sequential(new Relu(), new MaxPool2d(2), new HardTanh(), new AvgPool2d(2, 1), new Flatten());
        GradCheck.Check(_ => net.Forward(x), [x]);
    }

    [Fact]
    public void Dropout_TrainingScalesSurvivors_EvalIsIdentity()
    {
        var d = new Dropout(0.25);
        d.SetRandom(new Random(5));
        var x = Tensor.Ones(1000);
        var y = d.Forward(x).ToArray();
        Assert.All(y, v => Assert.True(v == 0f || Math.Abs(v - 1 / 0.75f) < 1e-6));
        int kept = y.Count(v => v != 0);
        Assert.InRange(kept, 700, 800); // binomial(1000, 0.75): mean 750, sd 13.7
        d.Eval();
        Assert.Same(x, d.Forward(x));
        var needsRandom = new Dropout(0.5);
        Assert.Throws<InvalidOperationException>(() => needsRandom.Forward(x));
    }

    [Theory]
    [InlineData("squared_hinge")]
    [InlineData("mse")]
    [InlineData("softmax_cross_entropy")]
    public void Losses_MatchFiniteDifferences(string name)
    {
        var rng = new Random(6);
        var y = GradCheck.Input(rng, [4, 3], -2, 2);
        var loss = Loss.Create(name);
        GradCheck.Check(t => loss.Compute(t[0], [0, 2, 1, 2]), [y]);
    }

    [Fact]
    public void SquaredHinge_HandValue()
    {
        // targets ±1: sample 0 label 0 -> t = [1, -1]; y = [0.5, 0.25] -> margins [0.5, 1.25] -> squares 0.25, 1.5625
        var y = Tensor.FromArray(new double[] { 0.5, 0.25 }, 1, 2);
        Assert.Equal((0.25 + 1.5625) / 2, Loss.Create("squared_hinge").Compute(y, [0]).Item(), 12);
    }

    [Fact]
    public void Linear_WrongInputShape_NamesExpectedFeatures()
    {
        var layer = new Linear(784, 10, true, new Random(1));
        var ex = Assert.Throws<ArgumentException>(() => layer.Forward(Tensor.Zeros(2, 1, 28, 28)));
        Assert.Contains("784", ex.Message);
        Assert.Contains("flatten", ex.Message);
    }

    [Fact]
    public void StateDict_RoundTripsAndRejectsMismatch()
    {
        var a = new Sequential(new Linear(3, 2, true, new Random(1)), new BatchNorm1d(2));
        var b = new Sequential(new Linear(3, 2, true, new Random(2)), new BatchNorm1d(2));
        Assert.Equal(new[] { "0.weight", "0.bias", "1.weight", "1.bias", "1.running_mean", "1.running_var" }, a.StateDict().Keys);
        b.LoadStateDict(a.StateDict());
        Assert.Equal(a.StateDict()["0.weight"].ToArray(), b.StateDict()["0.weight"].ToArray());
        var c = new Sequential(new Linear(4, 2, true, new Random(1)), new BatchNorm1d(2));
        var ex = Assert.Throws<ArgumentException>(() => c.LoadStateDict(a.StateDict()));
        Assert.Contains("0.weight", ex.Message);
    }

    [Fact]
    public void QuantLinear_SteSign_UsesSignWeightsAndClippedGradient()
    {
        var init = Tensor.FromArray(new float[] { 0.5f, -1.5f, 0f, -0.2f }, 2, 2);
        var layer = new QuantLinear(2, 2, false, new Random(1), new Lowbit.Quantization.SteSign(), new Lowbit.Quantization.SteSign(), init);
        var x = Tensor.FromArray(new float[] { 0.3f, -2f }, 1, 2);
        x.RequiresGrad = true;
        var y = layer.Forward(x);
        // sign(x) = [1, -1]; sign(W) = [[1, -1], [1, -1]] -> y = [2, 2]
        Assert.Equal(new float[] { 2, 2 }, y.ToArray());
        Tensor.Sum(y).Backward();
        // dy/dW_q = sign(x) per row; STE passes where |W| <= 1: W[0,1] = -1.5 blocked
        Assert.Equal(new float[] { 1, 0, 1, -1 }, layer.Weight.Grad!.ToArray());
        // dy/dx_q = column sums of W_q = [2, -2]; STE passes where |x| <= 1: x[1] = -2 blocked
        Assert.Equal(new float[] { 2, 0 }, x.Grad!.ToArray());
    }
}

public class QuantizerModuleTests
{
    [Fact]
    public void LearnableQuantizerState_DecayOnlyForPactAlpha()
    {
        var pact = new QuantizerModule(Lowbit.Quantization.QuantizerRegistry.Create(new Lowbit.Quantization.QuantizerSpec("pact", new Dictionary<string, object> { ["bits"] = 2.0 })));
        Assert.True(pact.Parameters().Single().Decay);
        var lsq = new QuantizerModule(Lowbit.Quantization.QuantizerRegistry.Create("lsq"));
        Assert.All(lsq.Parameters(), p => Assert.False(p.Decay));
        var bp = new QuantizerModule(Lowbit.Quantization.QuantizerRegistry.Create("bitpruning"));
        Assert.Equal((1.0, 16.0), bp.Parameters().Single().Clip);
    }
}

public class PowerOfTwoBackpropLayerTests
{
    /// <summary>
    /// With fm_pow2_input the layer's forward and g_x are exact while g_W = δᵀ·x_q, x_q being the power-of-two input
    /// the quantizer draws with the layer's generator (re-drawn here with the same seed).
    /// </summary>
    [Fact]
    public void Linear_FmPow2Input_WeightGradientUsesPowerOfTwoInputs()
    {
        var rng = new Random(3);
        var quantizer = Lowbit.Quantization.QuantizerRegistry.Create("fm_pow2_input");
        var layer = new Linear(5, 3, bias: false, rng, inputQuantizer: quantizer);
        var reference = new Linear(5, 3, bias: false, new Random(3));
        var x = Tensor.RandomUniform(rng, -1, 1, [4, 5]);
        var upstream = Tensor.RandomUniform(rng, -1, 1, [4, 3]);
        x.RequiresGrad = true;
        layer.SetRandom(new Random(9));
        var y = layer.Forward(x);
        Assert.Equal(reference.Forward(x.Detach()).ToArray(), y.ToArray());
        Tensor.Sum(Tensor.Mul(y, upstream)).Backward();

        var xq = quantizer.WeightGradientInput(x.Detach(), new Lowbit.Quantization.QuantizerContext(true, new Random(9)))!;
        Assert.NotEqual(x.ToArray(), xq.ToArray());
        foreach (float v in xq.ToArray())
            Assert.True(v == 0 || MathF.Abs(MathF.Log2(MathF.Abs(v)) - MathF.Round(MathF.Log2(MathF.Abs(v)))) < 1e-6, $"{v} is not a power of two");
        var expectedGw = Tensor.MatMul(upstream, xq, transposeA: true).ToArray();   // δᵀ·x_q  [3, 5]
        var expectedGx = Tensor.MatMul(upstream, layer.Weight.Value.Detach()).ToArray(); // δ·W  [4, 5]
        var gw = layer.Weight.Grad!.ToArray();
        var gx = x.Grad!.ToArray();
        for (int i = 0; i < gw.Length; i++) Assert.Equal(expectedGw[i], gw[i], 5);
        for (int i = 0; i < gx.Length; i++) Assert.Equal(expectedGx[i], gx[i], 5);
    }
}
