using Lowbit.Inference.Export;

namespace Lowbit.Inference.Tests.Export;

public sealed class FirstLayerBoundTests
{
    /// <summary>The float32 values of MNIST-style normalised pixels, x = (p/255 − 0.1307)/0.3081.</summary>
    private static float[] NormalisedTable() =>
        Enumerable.Range(0, 256).Select(p => (p / 255f - 0.1307f) / 0.3081f).ToArray();

    /// <summary>The sum of ±table[p_t] in the order <see cref="FirstLayerBound.OrderedBound"/> describes: blocks summed left to right from zero, block sums added in order.</summary>
    private static float BlockedSum(float[] table, byte[] pixels, bool[] plus, int block)
    {
        float total = 0f;
        for (int start = 0; start < pixels.Length; start += block)
        {
            float s = 0f;
            for (int t = start; t < Math.Min(pixels.Length, start + block); t++) s += plus[t] ? table[pixels[t]] : -table[pixels[t]];
            total = start == 0 ? s : s + total;
        }
        return total;
    }

    [Theory]
    [InlineData(784, 256)]
    [InlineData(784, 784)]
    [InlineData(3072, 256)]
    [InlineData(300, 7)]
    public void OrderedBound_HoldsForEveryImageAndIsBelowTheOrderFreeBound(int k, int block)
    {
        var table = NormalisedTable();
        // Exact reference: every non-zero |table[p]| is ≥ 2^-14 and ≤ 4, so a double sum of k ≤ 2^12 such floats
        // (24-bit significands, least bit ≥ 2^-37, total < 2^14) is exact.
        Assert.All(table, v => Assert.True(v == 0 || Math.Abs(v) >= 1.0 / (1 << 14)));
        var (a, b, orderFree) = FirstLayerBound.Compute(table, k);
        var (constant, perPixelSum) = FirstLayerBound.OrderedBound(table, k, block);
        var rng = new Random(k * 31 + block);
        double worstShare = 0;
        for (int trial = 0; trial < 400; trial++)
        {
            var pixels = new byte[k];
            var plus = new bool[k];
            int kind = trial % 4;
            for (int t = 0; t < k; t++)
            {
                // 0: MNIST-like sparse; 1: dense random; 2: all 255 with equal signs (largest partial sums); 3: zeros
                pixels[t] = kind switch
                {
                    0 => rng.NextDouble() < 0.19 ? (byte)rng.Next(1, 256) : (byte)0,
                    1 => (byte)rng.Next(256),
                    2 => 255,
                    _ => 0,
                };
                plus[t] = kind >= 2 || rng.Next(2) == 1;
            }
            long pixelSum = pixels.Sum(p => (long)p);
            long s = 0, w = 0;
            double exact = 0;
            for (int t = 0; t < k; t++)
            {
                s += plus[t] ? pixels[t] : -pixels[t];
                w += plus[t] ? 1 : -1;
                exact += plus[t] ? table[pixels[t]] : -table[pixels[t]];
            }
            double yf = BlockedSum(table, pixels, plus, block);
            double ye = a * s + b * w;
            double bound = constant + perPixelSum * pixelSum;
            Assert.True(Math.Abs(yf - ye) <= bound, $"trial {trial}: |yf − ye| = {Math.Abs(yf - ye)} > bound {bound}");
            Assert.True(Math.Abs(yf - exact) <= bound, $"trial {trial}: rounding {Math.Abs(yf - exact)} > bound {bound}");
            Assert.True(bound < orderFree, $"trial {trial}: ordered bound {bound} ≥ order-free {orderFree}");
            if (kind == 0) worstShare = Math.Max(worstShare, bound / orderFree);
        }
        // The point of the ordered bound: on MNIST-like images with blocks of 256 it is a small part of the order-free one.
        if (block == 256 && k == 784) Assert.True(worstShare < 0.15, $"ordered / order-free = {worstShare}");
    }

    [Fact]
    public void OrderedBound_DepthsOfASmallCase_MatchHandCount()
    {
        // k = 3 in blocks of 2: value 0 lies under 2 additions of its block plus 2 (blocks), value 1 under 1 + 2,
        // value 2 under 1 + 2: Σ depths = 4 + 3 + 3 = 10, largest 4. With an exactly affine table (p/256, δ = 0) and
        // |table[0]| = 0: Constant = 1.01·(1e-9·(1 + 3·255/256)); PerPixelSum = 1.01·(1 + γ)·u·4·(1/256).
        var table = Enumerable.Range(0, 256).Select(p => p / 256f).ToArray();
        var (constant, perPixelSum) = FirstLayerBound.OrderedBound(table, 3, 2);
        double u = FirstLayerBound.UnitRoundoff, gamma = FirstLayerBound.Gamma(3 + 2 + 2);
        Assert.Equal(1.01 * 1e-9 * (1 + 3 * 255.0 / 256), constant, 1e-20);
        Assert.Equal(1.01 * (1 + gamma) * u * 4 / 256, perPixelSum, 1e-20);
    }
}
