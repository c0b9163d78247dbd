using Lowbit.Quantization.MixedPrecision;
using Lowbit.Tensors;
using Lowbit.Testing;

namespace Lowbit.Quantization.Tests.MixedPrecision;

public class BitPruningQuantizerTests
{
    private static BitPruningQuantizer Float64(double bits, bool perChannel = false, int channels = 0)
    {
        var q = new BitPruningQuantizer(bits, perChannel, channels);
        q.ConvertTo(DType.Float64);
        return q;
    }

    /// <summary>Independent Q_b: levels −m + 2m·c/(2^b − 1), nearest level (ties to the upper one).</summary>
    private static double Grid(double x, double m, int bits)
    {
        if (m == 0) return 0;
        int levels = (1 << bits) - 1;
        double best = double.NaN, bestDistance = double.PositiveInfinity;
        for (int c = 0; c <= levels; c++)
        {
            double level = -m + 2 * m * c / levels;
            double d = Math.Abs(x - level);
            if (d <= bestDistance + 1e-12) { best = level; bestDistance = Math.Min(d, bestDistance); }
        }
        return best;
    }

    [Fact]
    public void Quantize_HandExample_ValuesBitlengthGradientAndIdentitySte()
    {
        // m = 1, n = 1.25: Q_1 = [−1, −1, 1, 1], Q_2 = [−1, −1/3, 1/3, 1]; Q = 0.75·Q_1 + 0.25·Q_2.
        // ∂Q/∂n = Q_2 − Q_1 = [0, 2/3, −2/3, 0]; with g = [1, 2, 3, 4]: g_n = 4/3 − 2 = −2/3.
        var q = Float64(1.25);
        var (values, grad) = QuantizerHarness.Run(q, [-1, -0.2, 0.3, 1]);
        QuantizerHarness.Equal([-1, -5.0 / 6, 5.0 / 6, 1], values, 1e-15);
        QuantizerHarness.Equal([1, 2, 3, 4], grad, 0, "g_x");
        Assert.Equal(-2.0 / 3, q.BitLength.Grad!.GetFlat(0), 14);
    }

    [Theory]
    [InlineData(1.0, 11)]
    [InlineData(2.6, 12)]
    [InlineData(5.5, 13)]
    public void Backward_PerChannel_BitlengthGradientEqualsClosedForm(double n, int seed)
    {
        var rng = new Random(seed);
        var x = MixedPrecisionReference.Normal(rng, 24);
        var q = Float64(n, perChannel: true, channels: 3);
        q.BitLength.SetFlat(1, n + 0.3);
        var nValues = q.BitLength.ToDoubleArray();
        var g = MixedPrecisionReference.RandomValues(rng, 24);
        var (values, _) = QuantizerHarness.Run(q, x, g, shape: [3, 8]);
        var gn = q.BitLength.Grad!.ToDoubleArray();
        for (int c = 0; c < 3; c++)
        {
            var row = x[(c * 8)..(c * 8 + 8)];
            double m = row.Max(Math.Abs);
            int f = (int)Math.Floor(nValues[c]);
            double alpha = nValues[c] - f, expectedGrad = 0;
            for (int i = 0; i < 8; i++)
            {
                double low = Grid(row[i], m, f), high = Grid(row[i], m, f + 1);
                Assert.Equal((1 - alpha) * low + alpha * high, values[c * 8 + i], 12);
                expectedGrad += g[c * 8 + i] * (high - low);
            }
            Assert.Equal(expectedGrad, gn[c], 12);
        }
    }

    [Fact]
    public void Backward_FractionalBitlength_FiniteDifferencesInDouble()
    {
        // Q is linear in n between integers, so central differences at non-integer n are exact up to rounding.
        var x = Tensor.FromArray(MixedPrecisionReference.Normal(new Random(21), 16), 2, 8);
        var q = Float64(3.4, perChannel: true, channels: 2);
        q.BitLength.SetFlat(1, 2.7);
        GradCheck.Check(inputs => q.Quantize(x, QuantizerContext.Eval), [q.BitLength], seed: 21, tolerance: 1e-7);
    }

    [Fact]
    public void Forward_BitlengthBelowOne_ActsAsOneWithZeroGradient_ClampProjects()
    {
        double[] x = [-1, -0.2, 0.3, 1];
        var below = Float64(1.0);
        below.BitLength.SetFlat(0, 0.4);
        var (values, _) = QuantizerHarness.Run(below, x);
        QuantizerHarness.Equal([-1, -1, 1, 1], values, 0);
        Assert.Equal(0.0, below.BitLength.Grad!.GetFlat(0));
        below.ClampBitLengths();
        Assert.Equal(1.0, below.BitLength.GetFlat(0));
        var (_, _) = QuantizerHarness.Run(below, x);
        Assert.NotEqual(0.0, below.BitLength.Grad!.GetFlat(0)); // at n = 1 the right derivative Q_2 − Q_1 passes
        var above = Float64(16);
        above.BitLength.SetFlat(0, 20);
        above.ClampBitLengths();
        Assert.Equal(16.0, above.BitLength.GetFlat(0));
        Assert.Equal((1.0, 16.0), above.BitLengthRange);
    }

    [Fact]
    public void ToFixedBits_RoundsUpWithTolerance_AndMatchesIntegerQuantizer()
    {
        var q = Float64(2, perChannel: true, channels: 3);
        q.BitLength.SetFlat(0, 2.3);
        q.BitLength.SetFlat(1, 3.0000001);
        q.BitLength.SetFlat(2, 1.0);
        var fixedBits = q.ToFixedBits();
        Assert.Equal(new[] { 3, 3, 1 }, fixedBits.Bits);
        var x = MixedPrecisionReference.Normal(new Random(2), 12);
        var values = QuantizerHarness.Forward(fixedBits, x, shape: [3, 4]);
        for (int c = 0; c < 3; c++)
        {
            double m = x[(c * 4)..(c * 4 + 4)].Max(Math.Abs);
            for (int i = 0; i < 4; i++) Assert.Equal(Grid(x[c * 4 + i], m, fixedBits.Bits[c]), values[c * 4 + i], 12);
        }
        // At an integer n the fractional quantizer equals the fixed one.
        var integer = Float64(3);
        QuantizerHarness.Equal(QuantizerHarness.Forward(new FixedBitQuantizer([3]), x), QuantizerHarness.Forward(integer, x), 1e-15);
    }

    [Theory]
    [InlineData(true, new[] { 3, 3, 1, 3 })]
    [InlineData(false, new[] { 2, 3, 1, 3 })] // nearest: 2.3 → 2, 3.0000001 → 3, 1 → 1, 2.5 → 3 (halves up)
    public void Freeze_RoundsBitlengths_ThenActsAsFixedBits_WithoutBitlengthGradient(bool roundUp, int[] expected)
    {
        var q = Float64(2, perChannel: true, channels: 4);
        double[] learned = [2.3, 3.0000001, 1.0, 2.5];
        for (int g = 0; g < 4; g++) q.BitLength.SetFlat(g, learned[g]);
        Assert.False(q.IsFrozen);
        Assert.Null(q.FrozenBits);

        Assert.Equal(expected, q.Freeze(roundUp));
        Assert.True(q.IsFrozen);
        Assert.Equal(expected, q.FrozenBits);
        Assert.Equal(expected.Average(), q.BitWidth, 12);
        for (int g = 0; g < 4; g++) Assert.Equal(expected[g], q.BitLength.GetFlat(g));
        var state = Assert.Single(q.StateTensors);
        Assert.Equal("frozen_bits", state.Name);
        Assert.Equal(expected.Select(b => (double)b), state.Value.ToDoubleArray());

        // An optimizer that still nudges n (momentum) changes nothing: the forward uses the frozen bits.
        q.BitLength.SetFlat(0, 5.7);
        var x = MixedPrecisionReference.Normal(new Random(5), 16);
        var (values, grad) = QuantizerHarness.Run(q, x, shape: [4, 4]);
        QuantizerHarness.Equal(QuantizerHarness.Forward(new FixedBitQuantizer(expected, perChannel: true), x, shape: [4, 4]), values);
        QuantizerHarness.Equal(QuantizerHarness.Upstream(16), grad, 0, "g_x");
        Assert.True(q.BitLength.Grad is null || q.BitLength.Grad.ToDoubleArray().All(v => v == 0), "a frozen bitlength must get no gradient");
        Assert.Equal(expected, q.ToFixedBits().Bits);
        Assert.Throws<InvalidOperationException>(() => q.Freeze());
    }

    [Fact]
    public void Freeze_RestoredFrozenBitsState_FreezesAFreshQuantizer()
    {
        var trained = Float64(2.2);
        trained.Freeze();
        var fresh = Float64(6);
        fresh.StateTensors[0].Value.Fill(trained.StateTensors[0].Value.GetFlat(0)); // what a checkpoint load does
        Assert.True(fresh.IsFrozen);
        Assert.Equal(new[] { 3 }, fresh.FrozenBits);
        var x = MixedPrecisionReference.Normal(new Random(6), 8);
        QuantizerHarness.Equal(QuantizerHarness.Forward(trained, x), QuantizerHarness.Forward(fresh, x));
    }

    [Fact]
    public void FixedBits_OneBitZero_MapsToPlusMax()
    {
        QuantizerHarness.Equal([2, -2, 2], QuantizerHarness.Forward(new FixedBitQuantizer([1]), [0, -1, 2]), 0);
        QuantizerHarness.Equal([0, 0], QuantizerHarness.Forward(new FixedBitQuantizer([2]), [0, 0]), 0);
    }

    [Fact]
    public void Options_Invalid_Throw()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new BitPruningQuantizer(0.5));
        Assert.Throws<ArgumentOutOfRangeException>(() => new BitPruningQuantizer(8, perChannel: true));
        Assert.Throws<ArgumentOutOfRangeException>(() => new BitPruningQuantizer(8, channels: 4));
        Assert.Throws<ArgumentOutOfRangeException>(() => new FixedBitQuantizer([2, 3]));
        Assert.Throws<ArgumentException>(() => Float64(4, true, 3).Quantize(Tensor.FromArray(new double[8], 2, 4), QuantizerContext.Eval));
    }
}
