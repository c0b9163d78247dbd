using Lowbit.Quantization.Arithmetic;

namespace Lowbit.Quantization.Tests.Arithmetic;

/// <summary>Rounding and saturation tables per format, through the format objects a policy uses.</summary>
public class NumberFormatTests
{
    private static float R(NumberFormat f, float x, int integerBits = 0)
    {
        var y = new float[1];
        f.Round([x], y, integerBits, null, 0);
        return y[0];
    }

    [Theory]
    [InlineData(1f, 1f)]
    [InlineData(1.0004883f, 1f)] // 1 + 2^-11: tie to even
    [InlineData(1.0014648f, 1.0019531f)] // 1 + 3·2^-11 → 1 + 2^-9
    [InlineData(65504f, 65504f)]
    [InlineData(65520f, float.PositiveInfinity)] // overflow
    [InlineData(1e-8f, 0f)] // below half the smallest subnormal 2^-24
    [InlineData(3e-8f, 5.9604645e-8f)] // just above half of 2^-24
    public void Float16_Table(float x, float expected) => Assert.Equal(expected, R(FloatFormat.Float16, x));

    [Theory]
    [InlineData(1.00390625f, 1f)] // 1 + 2^-8: tie to even
    [InlineData(3.1415927f, 3.140625f)]
    [InlineData(1e38f, 9.96921e37f)] // step 2^119 at 2^126: 1e38/2^119 = 150.46 → 150·2^119
    [InlineData(float.MaxValue, float.PositiveInfinity)]
    public void BFloat16_Table(float x, float expected) => Assert.Equal(expected, R(FloatFormat.BFloat16, x), 1e-6f * MathF.Abs(expected));

    [Theory]
    // the paper's fixed point: 20 bits with 5 integer bits → 14 fraction bits, max (2^19 − 1)/2^14 ≈ 31.99994
    [InlineData(20, 5, 1e-5f, 0f)]
    [InlineData(20, 5, 3.0517578e-5f, 6.1035156e-5f)] // half an LSB (2^-15) → away from zero
    [InlineData(20, 5, -3.0517578e-5f, -6.1035156e-5f)]
    [InlineData(20, 5, 31.99994f, 31.999939f)]
    [InlineData(20, 5, 1000f, 31.999939f)] // saturation
    [InlineData(20, 5, -1000f, -31.999939f)]
    public void FixedPoint_Table(int bits, int integerBits, float x, float expected)
    {
        var f = new FixedPointFormat(bits, integerBits);
        Assert.Equal(expected, R(f, x, integerBits), 1e-6f);
        Assert.Equal((double)expected, Math.Sign(expected) * Math.Min(Math.Abs((double)expected), f.MaxValue(integerBits)), 1e-5);
    }

    [Fact]
    public void DynamicFixedPoint_UsesTheGroupsRadixPoint()
    {
        var f = new FixedPointFormat(10, 5, dynamicRange: new DynamicRangeOptions());
        Assert.True(f.IsDynamic);
        Assert.Equal(0.0625f, R(f, 0.05f, 5)); // I = 5: LSB 2^-4
        Assert.Equal(0.05078125f, R(f, 0.05f, 0)); // I = 0: LSB 2^-9 (0.05·512 = 25.6 → 26)
        Assert.Equal(0.0498046875f, R(f, 0.05f, -1)); // I = −1: LSB 2^-10, max 511/1024 (51.2 → 51)
        Assert.Equal(0.4990234375f, R(f, 0.7f, -1)); // saturates at 511/1024
    }

    [Fact]
    public void Stochastic_WithoutSeed_RoundsToNearest()
    {
        var f = new FixedPointFormat(8, 3, RoundingMode.Stochastic);
        Assert.Equal(0.125f, R(f, 0.1f, 3)); // 0.1·16 = 1.6 → 2 (nearest)
        var y = new float[1000];
        var x = Enumerable.Repeat(0.1f, 1000).ToArray();
        f.Round(x, y, 3, 9u, 0);
        Assert.Contains(0.0625f, y); // with a seed both neighbours occur
        Assert.Contains(0.125f, y);
    }

    [Fact]
    public void Names_Bits_Presets()
    {
        Assert.Equal("float16", FloatFormat.Float16.Name);
        Assert.Equal(16, FloatFormat.Float16.Bits);
        Assert.Equal(16, FloatFormat.BFloat16.Bits);
        Assert.True(FloatFormat.Float32.IsIdentity);
        Assert.False(FloatFormat.Float16.IsIdentity);
        Assert.Equal("float(e4, m3)", new FloatFormat(4, 3).Name);
        Assert.Equal("fixed(20, 5)", new FixedPointFormat(20, 5).Name);
        Assert.Equal("dfxp(10) stochastic", new FixedPointFormat(10, 5, RoundingMode.Stochastic, new DynamicRangeOptions()).Name);
        Assert.Same(FloatFormat.BFloat16, NumberFormat.Preset("bfloat16"));
        var e = Assert.Throws<ArgumentException>(() => NumberFormat.Preset("half"));
        Assert.Contains("float32, float16, bfloat16", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(1, 0)]
    [InlineData(26, 0)]
    [InlineData(10, 101)]
    public void FixedPoint_OutOfRange_Throws(int bits, int integerBits) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new FixedPointFormat(bits, integerBits));

    [Fact]
    public void DynamicRangeOptions_OutOfRange_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new DynamicRangeOptions(1.0, 100));
        Assert.Throws<ArgumentOutOfRangeException>(() => new DynamicRangeOptions(-0.1, 100));
        Assert.Throws<ArgumentOutOfRangeException>(() => new DynamicRangeOptions(1e-4, 0));
    }
}
