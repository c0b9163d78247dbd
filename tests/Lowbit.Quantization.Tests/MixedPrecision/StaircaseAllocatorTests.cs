using Lowbit.Quantization.MixedPrecision;

namespace Lowbit.Quantization.Tests.MixedPrecision;

public class StaircaseAllocatorTests
{
    [Fact]
    public void Allocate_IncreasingSeparability_HandCase()
    {
        // t ∝ (1, 1/2, 1/4) scaled to mean 2: (24/7, 12/7, 6/7); the closest staircase within 6 bits total is (3, 2, 1).
        Assert.Equal(new[] { 3, 2, 1 }, StaircaseAllocator.Allocate([1, 2, 4], [1, 1, 1], 2));
    }

    [Fact]
    public void Allocate_EqualSeparability_Homogeneous()
    {
        Assert.Equal(new[] { 2, 2, 2 }, StaircaseAllocator.Allocate([3, 3, 3], [10, 1000, 10], 2));
    }

    [Fact]
    public void Allocate_DecreasingSeparability_StaysNonIncreasing()
    {
        var bits = StaircaseAllocator.Allocate([4, 2, 1], [1, 1, 1], 2);
        Assert.Equal(new[] { 2, 2, 2 }, bits); // t = (6/7, 12/7, 24/7) cannot rise with depth
    }

    [Fact]
    public void Allocate_BinaryNetStyle_MoreBitsWhereLargeFirstLayerIsCheap()
    {
        // Budget 1.2 average bits, a small first layer: the staircase spends the extra bits at the bottom.
        var bits = StaircaseAllocator.Allocate([0.5, 2, 4], [100, 1000, 1000], 1.2, [1, 2, 3, 4]);
        Assert.Equal(new[] { 4, 1, 1 }, bits);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void Allocate_Random_MatchesBruteForce(int seed)
    {
        var rng = new Random(seed);
        int layers = 2 + seed % 3;
        var s = Enumerable.Range(0, layers).Select(_ => 0.2 + 5 * rng.NextDouble()).ToArray();
        var p = Enumerable.Range(0, layers).Select(_ => (long)rng.Next(1, 1000)).ToArray();
        double budget = 1 + 3 * rng.NextDouble();
        int[] candidates = [1, 2, 3, 4, 6, 8];
        var bits = StaircaseAllocator.Allocate(s, p, budget, candidates);
        Assert.Equal(BruteForce(s, p, budget, candidates), bits);
    }

    [Fact]
    public void Allocate_Infeasible_Throws()
    {
        Assert.Throws<ArgumentException>(() => StaircaseAllocator.Allocate([1, 2], [1, 1], 0.5));
        Assert.Throws<ArgumentException>(() => StaircaseAllocator.Allocate([1, 2], [1], 2));
        Assert.Throws<ArgumentException>(() => StaircaseAllocator.Allocate([0, 2], [1, 1], 2));
    }

    /// <summary>Every sequence in candidates^L, filtered and ranked by the documented criteria.</summary>
    private static int[] BruteForce(double[] s, long[] p, double budget, int[] candidates)
    {
        int layers = s.Length;
        double total = p.Sum(), inverse = Enumerable.Range(0, layers).Sum(l => p[l] / s[l]);
        var t = s.Select(v => budget / v * total / inverse).ToArray();
        IEnumerable<int[]> all = [[]];
        for (int l = 0; l < layers; l++) all = all.SelectMany(prefix => candidates.Select(b => prefix.Append(b).ToArray())).ToList();
        return all
            .Where(b => Enumerable.Range(1, layers - 1).All(l => b[l] <= b[l - 1]))
            .Where(b => Enumerable.Range(0, layers).Sum(l => p[l] * (double)b[l]) <= budget * total + 1e-9 * total)
            .OrderBy(b => Math.Round(Enumerable.Range(0, layers).Sum(l => p[l] * (b[l] - t[l]) * (b[l] - t[l])), 6))
            .ThenByDescending(b => Enumerable.Range(0, layers).Sum(l => p[l] * b[l]))
            .ThenByDescending(b => string.Concat(b.Select(v => (char)('a' + v))))
            .First();
    }
}
