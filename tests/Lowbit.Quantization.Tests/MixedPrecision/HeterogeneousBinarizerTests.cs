using Lowbit.Quantization.MixedPrecision;
using Lowbit.Tensors;

namespace Lowbit.Quantization.Tests.MixedPrecision;

public class HeterogeneousBinarizerTests
{
    private static readonly double[] s_x = [0.9, -0.3, 0.1, -1.2];

    private static Tensor Data(double[] x, params int[] shape) => Tensor.FromArray((double[])x.Clone(), shape.Length == 0 ? [x.Length] : shape);

    [Fact]
    public void Quantize_HandExample_ValuesMeansAndGradient()
    {
        // MO: M = [1, 1, 2, 2]; μ1 = 0.625; residuals of A_2: [−0.525, −0.575] → μ2 = 0.55.
        // x̂ = [0.625, −0.625, 0.625 − 0.55, −0.625 − 0.55].
        var q = new HeterogeneousBinarizer(BitMix.Parse("1:0.5,2:0.5"));
        var (values, grad) = QuantizerHarness.Run(q, s_x);
        QuantizerHarness.Equal([0.625, -0.625, 0.075, -1.175], values, 1e-15);
        QuantizerHarness.Equal([1, 2, 3, 0], grad, 0, "gradient");
        Assert.Equal(new byte[] { 1, 1, 2, 2 }, q.BitMap);
        Assert.Equal(1.5, q.AverageBits);
        Assert.Equal(new[] { 4, 2 }, q.ActivePerLevel);
        var planes = q.Decompose(Data(s_x));
        QuantizerHarness.Equal([0.625, 0.55], planes.Means, 1e-15, "mean");
        Assert.Equal(new sbyte[] { 1, -1, 1, -1 }, planes.Signs[0]);
        Assert.Equal(new sbyte[] { 0, 0, -1, -1 }, planes.Signs[1]);
    }

    [Fact]
    public void ResidualMath_GivenBitMap_HandExample()
    {
        // M = [2, 1, 1, 2]: μ1 = 0.625; A_2 = {0, 3}: r = [0.275, −0.575] → μ2 = 0.425.
        var xhat = new double[4];
        var means = new double[2];
        ResidualMath.Binarize(s_x, [2, 1, 1, 2], 2, xhat, means);
        QuantizerHarness.Equal([0.625, 0.425], means, 1e-15, "mean");
        QuantizerHarness.Equal([1.05, -0.625, 0.625, -1.05], xhat, 1e-15);
    }

    [Fact]
    public void ResidualMath_EmptyLevel_MeanIsZero()
    {
        var means = new double[3];
        var xhat = new double[2];
        ResidualMath.Binarize([0.5, -1.0], [1, 3], 3, xhat, means);
        // Level 2 and 3 act on index 1 only: r = −1 + 0.75 = −0.25 → μ2 = 0.25, r = 0 → μ3 = 0 (sign(0) = +1).
        QuantizerHarness.Equal([0.75, 0.25, 0.0], means, 1e-15, "mean");
        QuantizerHarness.Equal([0.75, -1.0], xhat, 1e-15);
    }

    [Theory]
    [InlineData(1, "1:0.7,2:0.2,3:0.1")]
    [InlineData(7, "1:0.7,2:0.2,3:0.1")]
    [InlineData(100, "1:0.6,2:0.4")]
    [InlineData(100, "1:0.5,3:0.5")]
    public void Quantize_RandomTensor_MatchesReferenceMiddleOutThenBinarization(int n, string text)
    {
        var mix = BitMix.Parse(text);
        var x = MixedPrecisionReference.Normal(new Random(n), n);
        var q = new HeterogeneousBinarizer(mix);
        var values = QuantizerHarness.Forward(q, x);
        var bits = MixedPrecisionReference.MiddleOut(x, Enumerable.Range(1, mix.MaxBits).Select(mix.Fraction).ToArray());
        var (expected, _) = MixedPrecisionReference.Heterogeneous(x, bits, mix.MaxBits);
        QuantizerHarness.Equal(expected, values, 1e-12);
        Assert.Equal(bits.Average(), q.AverageBits!.Value, 12);
    }

    [Fact]
    public void Quantize_HomogeneousMix_EqualsResidualBinarizer()
    {
        var x = MixedPrecisionReference.Normal(new Random(8), 64);
        var hetero = QuantizerHarness.Forward(new HeterogeneousBinarizer(BitMix.Homogeneous(3)), x);
        var residual = QuantizerHarness.Forward(new ResidualBinarizer(3), x);
        QuantizerHarness.Equal(residual, hetero, 0);
    }

    [Fact]
    public void EveryStep_FollowsTheWeights_FrozenKeepsTheFirstMap()
    {
        var mix = BitMix.Parse("1:0.5,2:0.5");
        var everyStep = new HeterogeneousBinarizer(mix);
        var frozen = new HeterogeneousBinarizer(mix, frozen: true, elements: 4);
        double[] second = [0.1, -1.2, 0.9, -0.3];
        foreach (var q in new[] { everyStep, frozen }) q.Quantize(Data(s_x), QuantizerHarness.Train(1));
        foreach (var q in new[] { everyStep, frozen }) q.Quantize(Data(second), QuantizerHarness.Train(1));
        Assert.Equal(new byte[] { 2, 2, 1, 1 }, everyStep.BitMap); // selection moved with the values
        Assert.Equal(new byte[] { 1, 1, 2, 2 }, frozen.BitMap);
        Assert.Equal(new[] { 1f, 1f, 2f, 2f }, frozen.StateTensors.Single(t => t.Name == "bit_map").Value.ToArray());
    }

    [Fact]
    public void Freeze_FromFinalWeights_KeepsMapAndSurvivesStateCopy()
    {
        var mix = BitMix.Parse("1:0.5,2:0.5");
        var q = new HeterogeneousBinarizer(mix, elements: 4);
        q.Freeze(Data(s_x));
        Assert.True(q.IsFrozen);
        q.Quantize(Data([0.1, -1.2, 0.9, -0.3]), QuantizerHarness.Train(1));
        Assert.Equal(new byte[] { 1, 1, 2, 2 }, q.BitMap);

        // A checkpoint restores state tensors by copying values into the new instance's tensors.
        var restored = new HeterogeneousBinarizer(mix, elements: 4);
        var source = q.StateTensors.ToDictionary(t => t.Name, t => t.Value);
        foreach (var (name, value) in restored.StateTensors) value.CopyFrom(source[name]);
        Assert.True(restored.IsFrozen);
        var a = QuantizerHarness.Forward(q, [0.3, 0.2, -0.7, 0.5]);
        var b = QuantizerHarness.Forward(restored, [0.3, 0.2, -0.7, 0.5]);
        QuantizerHarness.Equal(a, b, 0);
    }

    [Fact]
    public void Freeze_WithoutMapInCheckpoint_IsAnErrorNotASilentReselection()
    {
        var mix = BitMix.Parse("1:0.5,2:0.5");
        var q = new HeterogeneousBinarizer(mix);
        q.Freeze(Data(s_x));
        var restored = new HeterogeneousBinarizer(mix);
        restored.StateTensors.Single(t => t.Name == "frozen").Value.CopyFrom(q.StateTensors.Single(t => t.Name == "frozen").Value);
        Assert.Throws<InvalidOperationException>(() => restored.Quantize(Data(s_x), QuantizerContext.Eval));
        Assert.Throws<InvalidOperationException>(() => new HeterogeneousBinarizer(mix).Freeze());
    }

    [Fact]
    public void RandomSelection_NeedsGeneratorInTraining_EvalReusesLastMap()
    {
        var mix = BitMix.Parse("1:0.7,2:0.2,3:0.1");
        var q = new HeterogeneousBinarizer(mix, BitSelection.Random, elements: 20);
        var x = MixedPrecisionReference.Normal(new Random(2), 20);
        Assert.Throws<InvalidOperationException>(() => q.Quantize(Data(x), QuantizerContext.Eval));
        Assert.Throws<InvalidOperationException>(() => q.Quantize(Data(x), new QuantizerContext(true, null)));
        q.Quantize(Data(x), QuantizerHarness.Train(3));
        var map = q.BitMap!;
        var expected = new byte[20];
        BitMapSelection.Random(20, mix, expected, new Random(3));
        Assert.Equal(expected, map);
        q.Quantize(Data(x), QuantizerContext.Eval);
        Assert.Equal(map, q.BitMap);
        Assert.Equal(new[] { 14, 4, 2 }, Enumerable.Range(1, 3).Select(b => map.Count(m => m == b)).ToArray());
    }

    [Fact]
    public void ActivationRole_EachSampleHasItsOwnMapAndMeans()
    {
        var mix = BitMix.Parse("1:0.7,2:0.2,3:0.1");
        var x = MixedPrecisionReference.Normal(new Random(6), 30);
        var q = new HeterogeneousBinarizer(mix, role: "activation");
        var values = QuantizerHarness.Forward(q, x, shape: [3, 10]);
        var perSample = new HeterogeneousBinarizer(mix);
        for (int s = 0; s < 3; s++)
        {
            var expected = QuantizerHarness.Forward(perSample, x[(s * 10)..(s * 10 + 10)]);
            QuantizerHarness.Equal(expected, values[(s * 10)..(s * 10 + 10)], 0, $"sample {s}");
        }
        Assert.Equal(new[] { 30, 9, 3 }, q.ActivePerLevel);
        Assert.Equal(new[] { 10, 3, 1 }, q.ActivePerLevelFor(10));
        Assert.Throws<InvalidOperationException>(() => q.Freeze());
    }

    [Fact]
    public void Options_Invalid_Throw()
    {
        var mix = BitMix.Parse("1:0.5,2:0.5");
        Assert.Throws<ArgumentOutOfRangeException>(() => new HeterogeneousBinarizer(mix, frozen: true));
        Assert.Throws<ArgumentOutOfRangeException>(() => new HeterogeneousBinarizer(mix, BitSelection.Random));
        Assert.Throws<ArgumentOutOfRangeException>(() => new HeterogeneousBinarizer(mix, BitSelection.Random, role: "activation"));
        Assert.Throws<ArgumentException>(() => new HeterogeneousBinarizer(mix, elements: 5).Quantize(Data(s_x), QuantizerContext.Eval));
    }
}
