using Lowbit.Quantization.MixedPrecision;
using Lowbit.Tensors;

namespace Lowbit.Quantization.Tests.MixedPrecision;

public class BalancedQuantizerTests
{
    private static Tensor Data(double[] x) => Tensor.FromArray((double[])x.Clone(), x.Length);

    [Fact]
    public void Quantize_HandExampleTwoBits_CodesScaleAndIdentityGradient()
    {
        // Median splits: at 1 → {−2,−1,0,1} | {3,5,6,9}; then at −1 and at 5 → codes 0,0,1,1,2,2,3,3.
        // u = 2c/3 − 1 = ±1, ±1/3; mean|u| = 2/3; mean|x| = 27/8; s = 81/16 = 5.0625.
        double[] x = [-2, -1, 0, 1, 3, 5, 6, 9];
        var q = new BalancedQuantizer(2);
        Assert.Equal(new[] { 0, 0, 1, 1, 2, 2, 3, 3 }, q.Codes(Data(x)));
        var (values, grad) = QuantizerHarness.Run(q, x);
        QuantizerHarness.Equal([-5.0625, -5.0625, -1.6875, -1.6875, 1.6875, 1.6875, 5.0625, 5.0625], values, 1e-12);
        QuantizerHarness.Equal(QuantizerHarness.Upstream(8), grad, 0, "gradient");
    }

    [Fact]
    public void Codes_MeanPartition_HandExample()
    {
        double[] x = [1, 2, 3, 10];
        Assert.Equal(new[] { 0, 0, 1, 1 }, new BalancedQuantizer(1, "median").Codes(Data(x))); // lower median 2
        Assert.Equal(new[] { 0, 0, 0, 1 }, new BalancedQuantizer(1, "mean").Codes(Data(x)));   // mean 4
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(7, 2)]
    [InlineData(100, 2)]
    [InlineData(100, 3)]
    [InlineData(1000, 4)]
    [InlineData(1001, 3)]
    public void Codes_MedianDistinctValues_EqualCountsPerCode(int n, int bits)
    {
        var x = MixedPrecisionReference.Normal(new Random(n + bits), n);
        var codes = new BalancedQuantizer(bits).Codes(Data(x));
        var counts = Enumerable.Range(0, 1 << bits).Select(c => codes.Count(v => v == c)).ToArray();
        Assert.True(counts.Max() - counts.Min() <= 1, $"n {n}, bits {bits}: counts {string.Join(",", counts)}.");
        Assert.All(counts, c => Assert.InRange(c, n >> bits, (n + (1 << bits) - 1) >> bits));
        // Codes ascend with the values.
        var order = Enumerable.Range(0, n).OrderBy(i => x[i]).ToArray();
        for (int k = 1; k < n; k++) Assert.True(codes[order[k]] >= codes[order[k - 1]]);
    }

    [Fact]
    public void Codes_Ties_ShareABin()
    {
        var codes = new BalancedQuantizer(2).Codes(Data([0.5, 0.5, 0.5, 0.5, 1, 2, 3, 4]));
        Assert.Equal(codes[0], codes[1]);
        Assert.Equal(codes[0], codes[3]);
        Assert.Equal(new[] { 0, 0, 0, 0, 2, 2, 3, 3 }, codes); // lower median 0.5 takes all ties; empty bin 1
    }

    [Theory]
    [InlineData(1, false)]
    [InlineData(2, false)]
    [InlineData(3, true)]
    public void MeanPartition_EachThresholdWithinOneStdOfTheSubsetMedian(int seed, bool skewed)
    {
        var rng = new Random(seed);
        var x = skewed
            ? Enumerable.Range(0, 500).Select(_ => -Math.Log(1 - rng.NextDouble())).ToArray() // exponential
            : MixedPrecisionReference.Normal(rng, 500);
        var splits = new List<BalancedSplit>();
        BalancedPartition.Codes(x, 3, median: false, splits);
        Assert.Equal(7, splits.Count);
        foreach (var split in splits)
        {
            var v = split.Subset;
            double mean = v.Average();
            double std = Math.Sqrt(v.Sum(a => (a - mean) * (a - mean)) / v.Length);
            double lowerMedian = v[(v.Length + 1) / 2 - 1];
            Assert.Equal(mean, split.Threshold, 12);
            Assert.True(Math.Abs(split.Threshold - lowerMedian) <= std + 1e-12, $"depth {split.Depth}: |{split.Threshold} − {lowerMedian}| > σ {std}.");
        }
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 2)]
    [InlineData(3, 3)]
    [InlineData(4, 4)]
    [InlineData(5, 5)]
    public void SelectionPath_EqualsSortedReference_WithTiesAndOddSizes(int seed, int bits)
    {
        // Integer-valued data: many ties, and every subset sum is exact in double, so the mean mode's summation
        // order cannot matter and both modes must agree exactly with the sort-based reference.
        var rng = new Random(seed);
        foreach (int n in new[] { 1, 2, 3, 7, 64, 65, 127, 1000, 4097 })
        {
            foreach (int range in new[] { 2, 5, 50, 1_000_000 })
            {
                var x = Enumerable.Range(0, n).Select(_ => (double)rng.Next(-range, range)).ToArray();
                foreach (bool median in new[] { true, false })
                {
                    var expected = BalancedPartition.CodesBySort(x, bits, median);
                    var actual = BalancedPartition.CodesBySelection(x, bits, median);
                    Assert.True(expected.SequenceEqual(actual), $"n {n}, range {range}, bits {bits}, median {median}: codes differ.");
                }
            }
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(8)]
    public void FloatMedianPath_EqualsSortedReference_WithTiesSignedZerosAndEmptyBins(int bits)
    {
        // Few distinct values (many ties and empty bins at 8 bits), ±0, negatives, and spread floats; the radix-sorted
        // float path must give the double reference's codes exactly.
        var rng = new Random(bits);
        foreach (int n in new[] { 1, 2, 3, 7, 64, 65, 1000, 4097 })
        {
            foreach (int kind in new[] { 0, 1, 2, 3 })
            {
                var x = Enumerable.Range(0, n).Select(_ => kind switch
                {
                    0 => (float)rng.Next(-3, 3),
                    1 => rng.Next(4) == 0 ? -0f : 0f,
                    2 => (float)((rng.NextDouble() - 0.5) * Math.Pow(10, rng.Next(-6, 6))),
                    _ => (float)rng.NextDouble() * 0.1f - 0.05f,
                }).ToArray();
                var expected = BalancedPartition.CodesBySort(x.Select(v => (double)v).ToArray(), bits, median: true);
                var actual = BalancedPartition.CodesMedian(x, bits);
                Assert.True(expected.SequenceEqual(actual), $"n {n}, kind {kind}, bits {bits}: codes differ.");
            }
        }
    }

    [Fact]
    public void CountedCodes_EqualTheDescent()
    {
        // The vector count and the scalar descent over the same in-order thresholds (ties, equal thresholds, values on them).
        float[] thresholds = [-1f, -1f, 0f, 0.5f, 0.5f, 0.5f, 2f];
        var x = new float[] { -2, -1, -0.5f, 0, 0.25f, 0.5f, 1, 2, 3, -0f, 0.5f, -1, 2, 2.5f, -3, 0.75f, 7 };
        var counted = new int[x.Length];
        int done = BalancedPartition.CodesByCountVector256(x, thresholds, counted);
        Assert.Equal(16, done);
        for (int i = 0; i < done; i++) Assert.Equal(BalancedPartition.CodeByDescent(x[i], thresholds, 3), counted[i]);
    }

    [Fact]
    public void Quantize_Float32_BitIdenticalToTheDoublePath()
    {
        var rng = new Random(12);
        var values = Enumerable.Range(0, 3001).Select(_ => (float)(rng.NextDouble() * 0.2 - 0.1)).ToArray();
        var q = new BalancedQuantizer(3);
        var viaFloat = q.Quantize(Tensor.FromArray(values, 3001), new QuantizerContext(true, null)).ToArray();
        var viaDouble = q.Quantize(Tensor.FromArray(values.Select(v => (double)v).ToArray(), 3001), new QuantizerContext(true, null)).ToDoubleArray();
        Assert.Equal(viaDouble.Select(v => (float)v).ToArray(), viaFloat);
    }

    [Fact]
    public void MeanPartition_Gaussian_CodeFractionsMatchClosedForm()
    {
        // k = 2 on N(0,1): first split at ≈ 0; second at ∓E|Z| = ∓√(2/π): outer fractions Φ(−√(2/π)) ≈ 0.2124.
        var x = MixedPrecisionReference.Normal(new Random(11), 200_000);
        var codes = new BalancedQuantizer(2, "mean").Codes(Data(x));
        double outer = NormalCdf(-Math.Sqrt(2 / Math.PI));
        double[] expected = [outer, 0.5 - outer, 0.5 - outer, outer];
        for (int c = 0; c < 4; c++)
        {
            double fraction = codes.Count(v => v == c) / (double)x.Length;
            Assert.True(Math.Abs(fraction - expected[c]) < 0.005, $"code {c}: fraction {fraction}, expected {expected[c]}.");
        }
    }

    [Fact]
    public void Quantize_Properties_LevelsSymmetricAndIdempotentCodes()
    {
        var x = MixedPrecisionReference.Normal(new Random(4), 300);
        var q = new BalancedQuantizer(3);
        var values = QuantizerHarness.Forward(q, x);
        Assert.True(values.Distinct().Count() <= 8);
        Assert.Equal(x.Select(Math.Abs).Average(), values.Select(Math.Abs).Average(), 10); // s keeps mean|x|
        Assert.Equal(q.Codes(Data(x)), q.Codes(Data(values)));                             // balanced again on its output
    }

    [Fact]
    public void Quantize_AllZero_ReturnsZero()
    {
        QuantizerHarness.Equal([0.0, 0.0, 0.0], QuantizerHarness.Forward(new BalancedQuantizer(2), [0.0, 0.0, 0.0]), 0);
    }

    [Fact]
    public void Options_Invalid_Throw()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new BalancedQuantizer(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new BalancedQuantizer(2, "mode"));
    }

    /// <summary>Φ via the complementary error function (Abramowitz–Stegun 7.1.26, |error| &lt; 1.5e-7).</summary>
    private static double NormalCdf(double z)
    {
        double t = Math.Abs(z) / Math.Sqrt(2);
        double k = 1 / (1 + 0.3275911 * t);
        double erfc = k * (0.254829592 + k * (-0.284496736 + k * (1.421413741 + k * (-1.453152027 + k * 1.061405429)))) * Math.Exp(-t * t);
        return z >= 0 ? 1 - erfc / 2 : erfc / 2;
    }
}
