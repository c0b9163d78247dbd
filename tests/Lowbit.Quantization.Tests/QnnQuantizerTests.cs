using Lowbit.Quantization;
using static Lowbit.Quantization.Tests.QuantizerHarness;

namespace Lowbit.Quantization.Tests;

public class LinearQuantTests
{
    [Fact]
    public void Quantize_Signed2Bit_ReferenceTable()
    {
        // step 1, levels {−1, 0, 1}; ±0.5 are ties → away from zero
        double[] x = [0, 0.49, 0.5, -0.5, -0.49, 1, -1, 1.2, -3];
        var (values, grad) = Run(new LinearQuant(2), x, Enumerable.Repeat(1.0, x.Length).ToArray());
        Equal([0, 0, 1, -1, 0, 1, -1, 1, -1], values);
        Equal([1, 1, 1, 1, 1, 1, 1, 0, 0], grad, 0, "1[−r ≤ x ≤ r]");
    }

    [Fact]
    public void Quantize_Signed3Bit_MidpointAndSmallestLevel()
    {
        // step 1/3, levels k/3 for k = −3..3
        Equal([2.0 / 3, 1.0 / 3, -1.0 / 3, 1, -1], Forward(new LinearQuant(3), [0.5, 1.0 / 6 + 1e-12, -0.2, 0.9, -1]), 1e-15);
    }

    [Fact]
    public void Quantize_Unsigned2Bit_ReferenceTable()
    {
        // step 2/3 on [0, 2]: levels {0, 2/3, 4/3, 2}
        double[] x = [-0.1, 0, 1.0 / 3, 1, 2, 2.5];
        var (values, grad) = Run(new LinearQuant(2, signed: false, range: 2), x, Enumerable.Repeat(1.0, x.Length).ToArray());
        Equal([0, 0, 2.0 / 3, 4.0 / 3, 2, 2], values, 1e-15);
        Equal([0, 1, 1, 1, 1, 0], grad);
    }

    [Fact]
    public void Quantize_MaxRangePerChannel_UsesEachRowsMaxAbs()
    {
        // 2-bit signed: step = max|row|; row 0 max 0.5: −0.25/0.5 = −0.5 → −1; row 1 max 2: 1/2 = 0.5 → 1
        Equal([0.5, -0.5, 2, 2], Forward(new LinearQuant(2, rangeMode: "max", perChannel: true), [0.5, -0.25, 2, 1], shape: [2, 2]));
    }

    [Theory]
    [InlineData(2, true)]
    [InlineData(4, true)]
    [InlineData(3, false)]
    public void Quantize_Properties(int bits, bool signed)
    {
        var rng = new Random(bits * 10 + (signed ? 1 : 0));
        var x = Enumerable.Range(0, 400).Select(_ => rng.NextDouble() * 3 - 1.5).Order().ToArray();
        var q = new LinearQuant(bits, signed);
        var values = Forward(q, x);
        Assert.True(values.Distinct().Count() <= 1 << bits);
        Equal(values, Forward(q, values), 1e-15, "idempotence");
        double step = 1.0 / q.MaxLevel;
        for (int i = 0; i < x.Length; i++)
        {
            if (i > 0) Assert.True(values[i] >= values[i - 1], $"monotone at {i}");
            if (x[i] >= (signed ? -1 : 0) && x[i] <= 1) Assert.True(Math.Abs(values[i] - x[i]) <= step / 2 + 1e-15);
        }
        if (signed) Equal(values.Select(v => -v).Reverse().ToArray(), Forward(q, x.Select(v => -v).Reverse().ToArray()), 1e-15, "odd symmetry");
    }

    [Fact]
    public void Constructor_SignedOneBit_Throws() => Assert.Throws<ArgumentOutOfRangeException>("bits", () => new LinearQuant(1));

    [Fact]
    public void Constructor_PerChannelFixedRange_Throws() => Assert.Throws<ArgumentOutOfRangeException>("perChannel", () => new LinearQuant(perChannel: true));
}

public class LogQuantTests
{
    [Fact]
    public void Quantize_FourBit_ReferenceTable()
    {
        // e_max = 0, e_min = −6; mantissa ≥ √2 rounds the exponent up
        double sqrt2 = Math.Sqrt(2);
        double[] x = [0, 1, 1.4, 1.5, 0.75, 0.7, -0.3, 1.0 / 64, 1.0 / 128, 1.5 / 128, sqrt2 / 2, Math.BitDecrement(sqrt2) / 2, -8];
        double[] expected = [0, 1, 1, 1, 1, 0.5, -0.25, 1.0 / 64, 0, 1.0 / 64, 1, 0.5, -1];
        var (values, grad) = Run(new LogQuant(4), x, Enumerable.Repeat(1.0, x.Length).ToArray());
        Equal(expected, values);
        Equal([1, 1, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 0], grad, 0, "1[|x| ≤ 2^e_max]");
    }

    [Fact]
    public void Quantize_Unsigned2Bit_LevelsAndNegatives()
    {
        var q = new LogQuant(2, maxExponent: 1, signed: false);
        Assert.Equal(-1, q.MinExponent);
        var (values, grad) = Run(q, [-1, 0.1, 0.5, 1.2, 3, 5], Enumerable.Repeat(1.0, 6).ToArray());
        Equal([0, 0, 0.5, 1, 2, 2], values);
        Equal([0, 1, 1, 1, 0, 0], grad);
    }

    [Fact]
    public void Quantize_Properties()
    {
        var rng = new Random(3);
        var x = Enumerable.Range(0, 400).Select(_ => (rng.NextDouble() * 4 - 2) * Math.Pow(2, -rng.Next(10))).Order().ToArray();
        var q = new LogQuant(4);
        var values = Forward(q, x);
        Assert.True(values.Distinct().Count() <= 16);
        Equal(values, Forward(q, values), 0, "idempotence");
        for (int i = 1; i < x.Length; i++) Assert.True(values[i] >= values[i - 1], $"monotone at {i} (seed 3)");
        Equal(values.Select(v => -v).Reverse().ToArray(), Forward(q, x.Select(v => -v).Reverse().ToArray()), 0, "odd symmetry");
    }

    [Fact]
    public void Constructor_BadExponent_Throws() => Assert.Throws<ArgumentOutOfRangeException>("maxExponent", () => new LogQuant(maxExponent: 100));
}
