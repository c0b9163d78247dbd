using Lowbit.Quantization.MixedPrecision;

namespace Lowbit.Quantization.Tests.MixedPrecision;

/// <summary>The fused fast path against the slow references (LINQ Middle-Out, then heterogeneous binarization): exact.</summary>
public class MiddleOutBinarizerTests
{
    private static readonly string[] s_mixes = ["1:0.7,2:0.2,3:0.1", "1:0.6,2:0.4", "1:0.5,3:0.5", "1:0.3,2:0.3,3:0.2,4:0.2", "1:1", "2:1", "1:0.999,2:0.001"];

    public static TheoryData<string, int, int> Cases()
    {
        var data = new TheoryData<string, int, int>();
        foreach (var kind in new[] { "normal", "uniform", "ties", "zeros", "outlier", "equal", "tiny" })
            foreach (int n in new[] { 1, 2, 3, 7, 100, 257, 5000 })
                foreach (int seed in new[] { 1, 2 })
                    data.Add(kind, n, seed);
        return data;
    }

    private static double[] Values(string kind, int n, int seed)
    {
        var rng = new Random(seed);
        var normal = MixedPrecisionReference.Normal(rng, n);
        return kind switch
        {
            "normal" => normal,
            "uniform" => MixedPrecisionReference.RandomValues(rng, n, 0.05),
            // Few distinct magnitudes: many equal keys at the threshold exercise the lower-index tie rule.
            "ties" => normal.Select(v => Math.Round(v * 2) / 4).ToArray(),
            // Exact zeros and negative zeros: sign(0) = +1 for both.
            "zeros" => normal.Select((v, i) => i % 3 == 0 ? 0.0 : i % 3 == 1 ? -0.0 : v).ToArray(),
            // One huge value squeezes every other key into the lowest histogram bucket.
            "outlier" => normal.Select((v, i) => i == n / 2 ? 1e6 : v * 1e-3).ToArray(),
            "equal" => Enumerable.Repeat(-0.25, n).ToArray(),
            "tiny" => normal.Select(v => v * 1e-310).ToArray(),
            _ => throw new ArgumentException(kind),
        };
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Run_MatchesReferenceMiddleOutThenBinarization(string kind, int n, int seed)
    {
        var x = Values(kind, n, seed);
        var kernel = new MiddleOutBinarizer();
        foreach (var text in s_mixes)
        {
            var mix = BitMix.Parse(text);
            var bits = MixedPrecisionReference.MiddleOut(x, Enumerable.Range(1, mix.MaxBits).Select(mix.Fraction).ToArray());
            var (expectedXhat, expectedMeans) = MixedPrecisionReference.Heterogeneous(x, bits, mix.MaxBits);

            // The kernel reuses its buffers: dirty outputs and a previous call must not leak into this one.
            var map = Enumerable.Repeat((byte)9, n).ToArray();
            var xhat = Enumerable.Repeat(double.NaN, n).ToArray();
            var means = new double[mix.MaxBits];
            kernel.Run(x, mix, map, xhat, means);

            string where = $"kind {kind}, n {n}, seed {seed}, mix {text}";
            for (int i = 0; i < n; i++)
            {
                Assert.True(bits[i] == map[i], $"{where}: index {i} expected {bits[i]} bits, actual {map[i]}.");
                Assert.True(BitConverter.DoubleToInt64Bits(expectedXhat[i]) == BitConverter.DoubleToInt64Bits(xhat[i]),
                    $"{where}: x̂[{i}] expected {expectedXhat[i]:R}, actual {xhat[i]:R}.");
            }
            for (int b = 0; b < mix.MaxBits; b++)
                Assert.True(expectedMeans[b] == means[b], $"{where}: μ_{b + 1} expected {expectedMeans[b]:R}, actual {means[b]:R}.");
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Run_Magnitude_MatchesReferenceMagnitudeThenBinarization(string kind, int n, int seed)
    {
        var x = Values(kind, n, seed);
        var kernel = new MiddleOutBinarizer();
        foreach (var text in s_mixes)
        {
            var mix = BitMix.Parse(text);
            var bits = MixedPrecisionReference.Magnitude(x, Enumerable.Range(1, mix.MaxBits).Select(mix.Fraction).ToArray());
            var (expectedXhat, expectedMeans) = MixedPrecisionReference.Heterogeneous(x, bits, mix.MaxBits);
            var map = new byte[n];
            var xhat = new double[n];
            var means = new double[mix.MaxBits];
            kernel.Run(x, mix, map, xhat, means, magnitude: true);
            string where = $"kind {kind}, n {n}, seed {seed}, mix {text}";
            for (int i = 0; i < n; i++)
            {
                Assert.True(bits[i] == map[i], $"{where}: index {i} expected {bits[i]} bits, actual {map[i]}.");
                Assert.True(BitConverter.DoubleToInt64Bits(expectedXhat[i]) == BitConverter.DoubleToInt64Bits(xhat[i]), $"{where}: x̂[{i}] expected {expectedXhat[i]:R}, actual {xhat[i]:R}.");
            }
            Assert.Equal(expectedMeans, means);
            // The same instance then runs Middle-Out correctly (the stored keys do not leak).
            var moBits = MixedPrecisionReference.MiddleOut(x, Enumerable.Range(1, mix.MaxBits).Select(mix.Fraction).ToArray());
            kernel.Run(x, mix, map, xhat, means);
            Assert.Equal(moBits, map.Select(b => (int)b).ToArray());
        }
    }

    [Fact]
    public void Run_LargeTensor_MatchesLibraryReferencePath()
    {
        // Past the histogram's resolution (~|R|/4096 keys per bucket) on a weight-sized tensor.
        const int n = 300_000;
        var x = MixedPrecisionReference.RandomValues(new Random(11), n, 0.05);
        var mix = BitMix.Parse("1:0.7,2:0.2,3:0.1");
        var expectedMap = new byte[n];
        BitMapSelection.MiddleOut(x, mix, expectedMap);
        var expectedXhat = new double[n];
        var expectedMeans = new double[3];
        ResidualMath.Binarize(x, expectedMap, 3, expectedXhat, expectedMeans);

        var map = new byte[n];
        var xhat = new double[n];
        var means = new double[3];
        new MiddleOutBinarizer().Run(x, mix, map, xhat, means);
        Assert.Equal(expectedMap, map);
        Assert.Equal(expectedMeans, means);
        for (int i = 0; i < n; i++)
            Assert.True(expectedXhat[i] == xhat[i], $"x̂[{i}] expected {expectedXhat[i]:R}, actual {xhat[i]:R}.");
    }

    [Fact]
    public void Run_WrongOutputLength_Throws()
    {
        var ex = Assert.Throws<ArgumentException>(() => new MiddleOutBinarizer().Run(new double[4], BitMix.Parse("1:0.5,2:0.5"), new byte[3], new double[4], new double[2]));
        Assert.Contains("length 4", ex.Message);
    }
}
