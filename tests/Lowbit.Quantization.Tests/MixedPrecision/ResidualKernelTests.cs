using Lowbit.Quantization.MixedPrecision;

namespace Lowbit.Quantization.Tests.MixedPrecision;

/// <summary>The homogeneous fast path against the reference loop and the LINQ reference: exact.</summary>
public class ResidualKernelTests
{
    public static TheoryData<string, int, int> Cases()
    {
        var data = new TheoryData<string, int, int>();
        foreach (var kind in new[] { "normal", "zeros", "equal", "tiny" })
            foreach (int n in new[] { 1, 2, 7, 100, 1025 })
                foreach (int bits in new[] { 1, 2, 3, 5 })
                    data.Add(kind, n, bits);
        return data;
    }

    private static double[] Values(string kind, int n)
    {
        var normal = MixedPrecisionReference.Normal(new Random(n), n);
        return kind switch
        {
            "normal" => normal,
            "zeros" => normal.Select((v, i) => i % 3 == 0 ? 0.0 : i % 3 == 1 ? -0.0 : v).ToArray(),
            "equal" => Enumerable.Repeat(-0.5, n).ToArray(), // residual becomes exactly 0 (then −0.0 cases) after level 1
            "tiny" => normal.Select(v => v * 1e-310).ToArray(),
            _ => throw new ArgumentException(kind),
        };
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Binarize_MatchesReferenceBitForBit(string kind, int n, int bits)
    {
        var x = Values(kind, n);
        var expectedXhat = new double[n];
        var expectedMeans = new double[bits];
        ResidualMath.Binarize(x, default, bits, expectedXhat, expectedMeans);
        var (linqXhat, linqMeans) = MixedPrecisionReference.Heterogeneous(x, Enumerable.Repeat(bits, n).ToArray(), bits);

        var xhat = Enumerable.Repeat(double.NaN, n).ToArray();
        var means = new double[bits];
        var scratch = Enumerable.Repeat(7.0, n + 3).ToArray(); // dirty and longer than needed
        ResidualKernel.Binarize(x, bits, xhat, means, scratch);
        for (int i = 0; i < n; i++)
        {
            long bitsExpected = BitConverter.DoubleToInt64Bits(expectedXhat[i]), bitsActual = BitConverter.DoubleToInt64Bits(xhat[i]);
            Assert.True(bitsExpected == bitsActual, $"{kind}, n {n}, B {bits}: x̂[{i}] expected {expectedXhat[i]:R}, actual {xhat[i]:R}.");
            Assert.True(linqXhat[i] == xhat[i], $"{kind}, n {n}, B {bits}: x̂[{i}] LINQ {linqXhat[i]:R}, actual {xhat[i]:R}.");
        }
        Assert.Equal(expectedMeans, means);
        Assert.Equal(linqMeans, means);
    }

    [Fact]
    public void Binarize_ShortScratch_Throws()
    {
        var e = Assert.Throws<ArgumentException>(() => ResidualKernel.Binarize(new double[4], 2, new double[4], new double[2], new double[3]));
        Assert.Contains("scratch", e.Message, StringComparison.Ordinal);
    }
    public static TheoryData<string, int, int, int> SliceCases()
    {
        var data = new TheoryData<string, int, int, int>();
        foreach (var kind in new[] { "normal", "zeros", "equal", "tiny" })
            foreach (int slices in new[] { 1, 3, 4, 5, 8, 9 })
                foreach (int bits in new[] { 1, 2, 3, 4 })
                    data.Add(kind, slices, 37, bits);
        data.Add("normal", 12, 1024, 2);
        return data;
    }

    /// <summary>Every slice of the float path (four at a time, recomputed levels) against widening, the double reference loop, narrowing.</summary>
    [Theory]
    [MemberData(nameof(SliceCases))]
    public void BinarizeSlices_MatchesPerSliceReferenceBitForBit(string kind, int slices, int size, int bits)
    {
        var x = new float[slices * size];
        for (int s = 0; s < slices; s++)
        {
            var v = Values(kind == "tiny" ? "normal" : kind, size + s); // each slice its own values (and length seed)
            for (int k = 0; k < size; k++) x[s * size + k] = kind == "tiny" ? (float)v[k] * 1e-42f : (float)v[k] * (s + 1); // tiny: float denormals
        }
        var q = Enumerable.Repeat(float.NaN, x.Length).ToArray();
        var scratch = Enumerable.Repeat(7.0, 3 * size + 1).ToArray();
        Assert.True(ResidualKernel.BinarizeSlices(x, slices, bits, q, scratch));
        for (int s = 0; s < slices; s++)
        {
            var slice = x.AsSpan(s * size, size).ToArray().Select(f => (double)f).ToArray();
            var xhat = new double[size];
            ResidualMath.Binarize(slice, default, bits, xhat, new double[bits]);
            for (int k = 0; k < size; k++)
            {
                int expected = BitConverter.SingleToInt32Bits((float)xhat[k]), actual = BitConverter.SingleToInt32Bits(q[s * size + k]);
                Assert.True(expected == actual, $"{kind}, {slices} slices, B {bits}: slice {s}, x̂[{k}] expected {(float)xhat[k]:R}, actual {q[s * size + k]:R}.");
            }
        }
    }

    [Theory]
    [InlineData(float.NaN, 1)]
    [InlineData(float.PositiveInfinity, 6)]
    [InlineData(float.NegativeInfinity, 2)]
    public void BinarizeSlices_NonFiniteValue_ReturnsFalse(float bad, int slices)
    {
        var x = Enumerable.Range(0, slices * 10).Select(i => (float)Math.Sin(i)).ToArray();
        x[^3] = bad;
        Assert.False(ResidualKernel.BinarizeSlices(x, slices, 2, new float[x.Length], new double[30]));
    }
}
