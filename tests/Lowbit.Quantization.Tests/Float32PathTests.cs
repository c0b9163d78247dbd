using Lowbit.Quantization.MixedPrecision;
using Lowbit.Tensors;

namespace Lowbit.Quantization.Tests;

/// <summary>
/// The float32 fast paths of <c>dorefa_act</c> and <c>residual</c> give exactly the float64 path's values rounded to
/// float, and the same gradients: random batches with values on the clip edges, exact level midpoints and zeros.
/// </summary>
public class Float32PathTests
{
    private static float[] Values(int n, int seed)
    {
        var random = new Random(seed);
        var v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float)(random.NextDouble() * 3 - 1);
        float[] special = [0f, 1f, -1f, 1f / 6, 0.5f, 5f / 6, -0f, 1.0000001f, 0.99999994f, 2f, -0.5f];
        for (int i = 0; i < special.Length && i < n; i++) v[i * 7 % n] = special[i];
        return v;
    }

    private static (double[] Values, double[] Grad) Run(Quantizer q, float[] v, int[] shape, bool asFloat64)
    {
        var x = asFloat64 ? Tensor.FromArray(v.Select(f => (double)f).ToArray(), shape) : Tensor.FromArray((float[])v.Clone(), shape);
        x.RequiresGrad = true;
        var y = q.Quantize(x, new QuantizerContext(true, new Random(1)));
        var upstream = Enumerable.Range(1, v.Length).Select(i => (double)(i % 13) - 6).ToArray();
        y.Backward(asFloat64 ? Tensor.FromArray(upstream, shape) : Tensor.FromArray(upstream.Select(u => (float)u).ToArray(), shape));
        var values = y.ToDoubleArray();
        if (asFloat64) values = values.Select(d => (double)(float)d).ToArray();
        return (values, x.Grad!.ToDoubleArray());
    }

    public static TheoryData<string, int> Cases() => new()
    {
        { "dorefa_act 2", 1 }, { "dorefa_act 3", 2 }, { "dorefa_act 8", 7 }, { "residual 1", 3 }, { "residual 2", 4 }, { "residual 3", 5 }, { "residual weight 2", 6 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Float32Path_EqualsFloat64PathRoundedOnce(string quantizer, int seed)
    {
        var parts = quantizer.Split(' ');
        int bits = int.Parse(parts[^1], System.Globalization.CultureInfo.InvariantCulture);
        Func<Quantizer> make = parts[0] == "dorefa_act"
            ? () => new DoReFaActivation(bits)
            : () => new ResidualBinarizer(bits, parts.Length == 3 ? "weight" : "activation");
        int[] shape = [11, 3, 1, 11];
        var v = Values(363, seed);
        var (f32, g32) = Run(make(), v, shape, asFloat64: false);
        var (f64, g64) = Run(make(), v, shape, asFloat64: true);
        for (int i = 0; i < v.Length; i++)
        {
            Assert.True(BitConverter.DoubleToInt64Bits(f64[i]) == BitConverter.DoubleToInt64Bits(f32[i]), $"{quantizer} value at {i} (input {v[i]:R}): {f64[i]:R} vs {f32[i]:R}");
            Assert.True(BitConverter.DoubleToInt64Bits(g64[i]) == BitConverter.DoubleToInt64Bits(g32[i]), $"{quantizer} gradient at {i}: {g64[i]:R} vs {g32[i]:R}");
        }
    }

    [Theory]
    [InlineData(2)]
    [InlineData(4)]
    [InlineData(16)]
    public void DoReFaVector256_EveryLength_MatchesScalarReferenceBitForBit(int bits)
    {
        double levels = Math.ScaleB(1.0, bits) - 1;
        for (int n = 0; n <= 35; n++)
        {
            var v = Values(Math.Max(n, 1), 10 + n)[..n];
            var expected = new float[n];
            bool expectedOutside = DoReFaActivation.QuantizeScalar(v, expected, levels);
            var actual = new float[n];
            int done = DoReFaActivation.QuantizeVector256(v, actual, levels, out bool outside);
            Assert.Equal(n / 8 * 8, done);
            outside |= DoReFaActivation.QuantizeScalar(v.AsSpan(done), actual.AsSpan(done), levels);
            Assert.Equal(expectedOutside, outside);
            for (int i = 0; i < n; i++)
                Assert.True(BitConverter.SingleToInt32Bits(expected[i]) == BitConverter.SingleToInt32Bits(actual[i]), $"bits {bits}, n {n}, index {i}: {expected[i]:R} vs {actual[i]:R}");
        }
    }

    [Fact]
    public void WindowGradient_OfOnes_EveryLength_MatchesScalarComparison()
    {
        for (int n = 0; n <= 35; n++)
        {
            var v = Values(Math.Max(n, 1), 40 + n)[..n];
            if (n > 5) v[5] = float.NaN;
            var f = new float[n];
            // The window STE's gradient of an all-ones upstream gradient is the 0/1 window factor.
            Lowbit.Tensors.Ops.Elementwise.WindowGradient<float>(Enumerable.Repeat(1f, n).ToArray(), v, -1f, 1f, f);
            for (int i = 0; i < n; i++) Assert.Equal(v[i] >= -1f && v[i] <= 1f ? 1f : 0f, f[i]);
        }
    }

    [Fact]
    public void DoReFaVector256_NaN_ReturnsMinusOne()
    {
        var v = new float[16];
        v[11] = float.NaN;
        Assert.Equal(-1, DoReFaActivation.QuantizeVector256(v, new float[16], 3, out _));
        var x = Tensor.FromArray(v, 16);
        var q = new DoReFaActivation(2).Quantize(x, QuantizerContext.Eval).ToDoubleArray();
        Assert.True(double.IsNaN(q[11]));
        Assert.Equal(0, q[0]);
    }

    [Fact]
    public void DoReFaFloat32_AllInsideUnitRange_GradientIsIdentity()
    {
        var v = new float[] { 0f, 0.2f, 0.7f, 1f };
        var (_, g) = Run(new DoReFaActivation(2), v, [4], asFloat64: false);
        QuantizerHarness.Equal([-5, -4, -3, -2], g, 0, "gradient");
    }

    [Fact]
    public void ResidualFloat32_NaN_ThrowsNamingIndex()
    {
        var x = Tensor.FromArray(new float[] { 0.5f, float.NaN }, 1, 2);
        var e = Assert.Throws<ArgumentException>(() => new ResidualBinarizer(2, "activation").Quantize(x, QuantizerContext.Eval));
        Assert.Contains("flat index 1", e.Message);
    }
}
