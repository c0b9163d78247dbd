using Lowbit.Quantization.MixedPrecision;

namespace Lowbit.Quantization.Tests.MixedPrecision;

public class BitMapSelectionTests
{
    public static TheoryData<int, int, string> Cases()
    {
        var data = new TheoryData<int, int, string>();
        foreach (int n in new[] { 1, 2, 7, 100, 257 })
            foreach (int seed in new[] { 1, 2, 3 })
                foreach (var mix in new[] { "1:0.7,2:0.2,3:0.1", "1:0.6,2:0.4", "1:0.5,3:0.5", "1:0.3,2:0.3,3:0.2,4:0.2" })
                    data.Add(n, seed, mix);
        return data;
    }

    private static double[] Fractions(BitMix mix) => Enumerable.Range(1, mix.MaxBits).Select(mix.Fraction).ToArray();

    [Theory]
    [MemberData(nameof(Cases))]
    public void MiddleOut_RandomTensor_MatchesSlowReference(int n, int seed, string text)
    {
        var mix = BitMix.Parse(text);
        var x = MixedPrecisionReference.Normal(new Random(seed), n);
        var map = new byte[n];
        BitMapSelection.MiddleOut(x, mix, map);
        var expected = MixedPrecisionReference.MiddleOut(x, Fractions(mix));
        for (int i = 0; i < n; i++)
            Assert.True(expected[i] == map[i], $"n {n}, seed {seed}, mix {text}: index {i} expected {expected[i]} bits, actual {map[i]}.");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void MiddleOut_ThenHeterogeneousBinarization_ReproducesSelectionResidualsAndMeans(int n, int seed, string text)
    {
        var mix = BitMix.Parse(text);
        var x = MixedPrecisionReference.Normal(new Random(seed), n);
        var map = new byte[n];
        var selectionMeans = new double[mix.MaxBits];
        var selectionResiduals = Enumerable.Range(0, mix.MaxBits).Select(_ => new double[n]).ToArray();
        BitMapSelection.MiddleOut(x, mix, map, selectionMeans, selectionResiduals);

        var means = new double[mix.MaxBits];
        var residuals = Enumerable.Range(0, mix.MaxBits).Select(_ => new double[n]).ToArray();
        ResidualMath.Binarize(x, map, mix.MaxBits, new double[n], means, residualTrace: residuals);
        for (int b = 0; b < mix.MaxBits; b++)
        {
            Assert.True(selectionMeans[b] == means[b], $"level {b + 1}: selection mean {selectionMeans[b]:R}, binarization mean {means[b]:R} (seed {seed}).");
            for (int i = 0; i < n; i++)
            {
                bool selectionActive = !double.IsNaN(selectionResiduals[b][i]), active = !double.IsNaN(residuals[b][i]);
                Assert.True(selectionActive == active, $"level {b + 1}, index {i}: unassigned set ≠ active set (seed {seed}).");
                if (active) Assert.True(selectionResiduals[b][i] == residuals[b][i], $"level {b + 1}, index {i}: residual {selectionResiduals[b][i]:R} vs {residuals[b][i]:R} (seed {seed}).");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Magnitude_RandomTensor_MatchesSlowReference(int n, int seed, string text)
    {
        var mix = BitMix.Parse(text);
        var x = MixedPrecisionReference.Normal(new Random(seed), n);
        var map = new byte[n];
        BitMapSelection.Magnitude(x, mix, map);
        Assert.Equal(MixedPrecisionReference.Magnitude(x, Fractions(mix)), map.Select(b => (int)b).ToArray());
    }

    [Theory]
    [InlineData(1000, "1:0.7,2:0.2,3:0.1", new[] { 700, 200, 100 })]
    [InlineData(7, "1:0.7,2:0.2,3:0.1", new[] { 5, 1, 1 })]
    [InlineData(100, "1:0.6,2:0.4", new[] { 60, 40 })]
    public void AllRules_ExactCountsPerBitwidth(int n, string text, int[] expected)
    {
        var mix = BitMix.Parse(text);
        var x = MixedPrecisionReference.Normal(new Random(n), n);
        var maps = new[] { new byte[n], new byte[n], new byte[n] };
        BitMapSelection.MiddleOut(x, mix, maps[0]);
        BitMapSelection.Magnitude(x, mix, maps[1]);
        BitMapSelection.Random(n, mix, maps[2], new Random(9));
        foreach (var map in maps)
        {
            var counts = Enumerable.Range(1, mix.MaxBits).Select(b => map.Count(m => m == b)).ToArray();
            Assert.Equal(expected, counts);
        }
    }

    [Fact]
    public void MiddleOut_HandExample_FarFromMeanGetMoreBits()
    {
        // μ = 0.625; ||x| − μ| = [0.275, 0.325, 0.525, 0.575] → the two closest stop at 1 bit.
        var map = new byte[4];
        BitMapSelection.MiddleOut([0.9, -0.3, 0.1, -1.2], BitMix.Parse("1:0.5,2:0.5"), map);
        Assert.Equal(new byte[] { 1, 1, 2, 2 }, map);
    }

    [Fact]
    public void MiddleOut_AllTied_LowerIndexStopsFirst()
    {
        var map = new byte[4];
        BitMapSelection.MiddleOut([1.0, -1.0, 1.0, -1.0], BitMix.Parse("1:0.5,2:0.5"), map);
        Assert.Equal(new byte[] { 1, 1, 2, 2 }, map);
    }

    [Fact]
    public void Random_SameSeed_SameMap_DifferentSeed_DifferentMap()
    {
        var mix = BitMix.Parse("1:0.7,2:0.2,3:0.1");
        byte[] a = new byte[200], b = new byte[200], c = new byte[200];
        BitMapSelection.Random(200, mix, a, new Random(4));
        BitMapSelection.Random(200, mix, b, new Random(4));
        BitMapSelection.Random(200, mix, c, new Random(5));
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
    }

    [Fact]
    public void KthSmallest_MatchesSortIncludingTies()
    {
        var rng = new Random(7);
        foreach (int n in new[] { 1, 2, 3, 7, 64, 1001 })
        {
            var a = Enumerable.Range(0, n).Select(_ => (double)rng.Next(0, Math.Max(2, n / 3))).ToArray();
            var sorted = a.Order().ToArray();
            for (int k = 0; k < n; k += Math.Max(1, n / 17))
                Assert.True(sorted[k] == BitMapSelection.KthSmallest((double[])a.Clone(), k), $"n {n}, k {k}");
        }
    }
}
