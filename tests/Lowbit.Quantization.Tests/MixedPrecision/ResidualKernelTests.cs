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
}
