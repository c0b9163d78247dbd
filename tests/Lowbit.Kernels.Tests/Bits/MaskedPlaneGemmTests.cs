using Lowbit.Kernels.Bits;

namespace Lowbit.Kernels.Tests.Bits;

public class MaskedPlaneGemmTests
{
    /// <summary>
    /// Builds heterogeneous weights: per-weight bit count M ∈ {1..levels}, nested masks m_l = [M ≥ l+1], sign planes with
    /// don't-care bits outside the mask set to random values (the kernel must ignore them).
    /// </summary>
    private static (int[] BitCounts, float[] SignValues, ulong[] Signs, ulong[] Masks) Weights(Random rng, int n, int levels, int k)
    {
        int words = BitLayout.WordsPerRow(k);
        var bitCounts = new int[n * k];
        var signValues = new float[n * levels * k];
        for (int t = 0; t < bitCounts.Length; t++)
        {
            int r = rng.Next(10);
            bitCounts[t] = Math.Min(levels, r < 7 ? 1 : r < 9 ? 2 : 3);
        }
        for (int t = 0; t < signValues.Length; t++) signValues[t] = rng.Next(2) == 0 ? -1f : 1f;
        var signs = BitTestData.Pack(signValues, n * levels, k);
        var masks = new ulong[n * levels * words];
        for (int j = 0; j < n; j++)
            for (int l = 0; l < levels; l++)
                for (int t = 0; t < k; t++)
                    if (bitCounts[j * k + t] >= l + 1) masks[(j * levels + l) * words + t / 64] |= 1UL << (t % 64);
        return (bitCounts, signValues, signs, masks);
    }

    [Theory]
    [MemberData(nameof(BitTestData.LengthData), MemberType = typeof(BitTestData))]
    public void Multiply_EveryPath_MatchesPerLevelFloatDot(int k)
    {
        const int levels = 3;
        foreach (int m in BitTestData.Rows)
        {
            foreach (int n in new[] { 1, 3, 7, 17 })
            {
                int seed = k * 101 + m * 7 + n;
                var rng = new Random(seed);
                float[] act = BitTestData.Signs(rng, m * k);
                var (bitCounts, signValues, signs, masks) = Weights(rng, n, levels, k);
                var expected = new int[m * n * levels];
                for (int i = 0; i < m; i++)
                    for (int j = 0; j < n; j++)
                        for (int l = 0; l < levels; l++)
                        {
                            double s = 0;
                            for (int t = 0; t < k; t++)
                                if (bitCounts[j * k + t] > l) s += BitTestData.Sign(act[i * k + t]) * (double)signValues[(j * levels + l) * k + t];
                            expected[(i * n + j) * levels + l] = (int)s;
                        }
                ulong[] a = BitTestData.Pack(act, m, k);
                var output = new int[expected.Length];
                string ctx = $"seed={seed} m={m} n={n} k={k}";
                MaskedPlaneGemm.MultiplyScalar(a, signs, masks, m, n, levels, k, output);
                BitTestData.Equal<int>(expected, output, "scalar " + ctx);
                Array.Fill(output, int.MinValue);
                MaskedPlaneGemm.MultiplyBlocked(a, signs, masks, m, n, levels, k, output, 2);
                BitTestData.Equal<int>(expected, output, "blocked " + ctx);
                Array.Fill(output, int.MinValue);
                MaskedPlaneGemm.Multiply(a, signs, masks, m, n, levels, k, output);
                BitTestData.Equal<int>(expected, output, "dispatch " + ctx);
                var packed = MaskedPlaneWeights.Pack(signs, masks, n, levels, k);
                foreach (int threads in new[] { 1, 2 })
                {
                    Array.Fill(output, int.MinValue);
                    MaskedPlaneGemm.MultiplyVector(a, packed, m, output, threads);
                    BitTestData.Equal<int>(expected, output, $"vector512 threads={threads} " + ctx);
                    Array.Fill(output, int.MinValue);
                    MaskedPlaneGemm.MultiplyPacked(a, packed, m, output, threads);
                    BitTestData.Equal<int>(expected, output, $"packed dispatch threads={threads} " + ctx);
                }
            }
        }
    }

    [Theory]
    [InlineData(1023)]
    [InlineData(1024)]
    [InlineData(1025)]
    [InlineData(2049)]
    public void MultiplyPacked_LongRows_HarleySealPathMatchesScalar(int k)
    {
        // From 16 words per row the packed path's AND-popcount GEMMs use the Harley-Seal kernel.
        const int levels = 2;
        foreach (int m in new[] { 1, 5, 9 })
            foreach (int n in new[] { 3, 17 })
            {
                int seed = k * 13 + m * 5 + n;
                var rng = new Random(seed);
                ulong[] a = BitTestData.Pack(BitTestData.Signs(rng, m * k), m, k);
                var (_, _, signs, masks) = Weights(rng, n, levels, k);
                var expected = new int[m * n * levels];
                MaskedPlaneGemm.MultiplyScalar(a, signs, masks, m, n, levels, k, expected);
                var packed = MaskedPlaneWeights.Pack(signs, masks, n, levels, k);
                foreach (int threads in new[] { 1, 2 })
                {
                    var output = Enumerable.Repeat(int.MinValue, expected.Length).ToArray();
                    MaskedPlaneGemm.MultiplyVector(a, packed, m, output, threads);
                    BitTestData.Equal<int>(expected, output, $"vector512 seed={seed} m={m} n={n} k={k} threads={threads}");
                }
            }
    }

    [Fact]
    public void Multiply_FullMasks_EqualXnorGemmPerLevel()
    {
        const int m = 5, n = 6, levels = 2, k = 200;
        var rng = new Random(9);
        int words = BitLayout.WordsPerRow(k);
        ulong[] a = BitTestData.Pack(BitTestData.Signs(rng, m * k), m, k);
        ulong[] signs = BitTestData.Pack(BitTestData.Signs(rng, n * levels * k), n * levels, k);
        var masks = new ulong[n * levels * words];
        for (int r = 0; r < n * levels; r++)
            for (int w = 0; w < words; w++) masks[r * words + w] = w == words - 1 ? BitLayout.LastWordMask(k) : ulong.MaxValue;
        var output = new int[m * n * levels];
        MaskedPlaneGemm.Multiply(a, signs, masks, m, n, levels, k, output);
        var xnor = new int[m * n * levels];
        XnorGemm.Multiply(a, signs, m, n * levels, k, xnor);
        BitTestData.Equal<int>(xnor, output, "full masks");
    }

    [Fact]
    public void Multiply_BadArguments_Throw()
    {
        var a = new ulong[2];
        var planes = new ulong[2 * 3 * 2];
        var output = new int[2 * 2 * 3];
        MaskedPlaneGemm.Multiply(a.AsSpan(0, 2), planes, planes, 1, 2, 3, 100, output);
        Assert.Throws<ArgumentException>(() => MaskedPlaneGemm.Multiply(a, planes, planes, 2, 2, 3, 100, output));
        Assert.Throws<ArgumentException>(() => MaskedPlaneGemm.Multiply(a, planes, new ulong[11], 1, 2, 3, 100, output));
        Assert.Throws<ArgumentException>(() => MaskedPlaneGemm.Multiply(a, planes, planes, 1, 2, 3, 100, new int[5]));
        Assert.Throws<ArgumentOutOfRangeException>(() => MaskedPlaneGemm.Multiply(a, planes, planes, 1, 2, 0, 100, output));
        var masks = new ulong[planes.Length];
        masks[5] = 1UL << 63;
        var ex = Assert.Throws<ArgumentException>(() => MaskedPlaneGemm.Multiply(a, planes, masks, 1, 2, 3, 100, output));
        Assert.Equal("masks", ex.ParamName);
    }
}
