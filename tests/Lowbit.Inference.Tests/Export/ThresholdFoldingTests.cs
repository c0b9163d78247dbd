using Lowbit.Inference.Export;
using Lowbit.Inference.Export.Kinds;
using Lowbit.Nn.Layers;
using Lowbit.Tensors;
using Lowbit.Tensors.Autograd;

namespace Lowbit.Inference.Tests.Export;

/// <summary>Folded thresholds against the training code's own float32 bias + BatchNorm + sign, as brute force.</summary>
public sealed class ThresholdFoldingTests
{
    private const int Units = 64;

    /// <summary>Random batch-norm units: γ includes 0, −0, negative, tiny and huge values; μ near the dot-product range.</summary>
    private static (BatchNorm1d Bn, float[] Bias) RandomUnits(int seed, double range)
    {
        var random = new Random(seed);
        var bn = new BatchNorm1d(Units, epsilon: random.Next(2) == 0 ? 1e-4 : 1e-5);
        var gamma = bn.Gamma!.Value.AsSpan();
        var beta = bn.Beta!.Value.AsSpan();
        var mean = bn.RunningMean.AsSpan();
        var variance = bn.RunningVar.AsSpan();
        var bias = new float[Units];
        for (int j = 0; j < Units; j++)
        {
            gamma[j] = (j % 8) switch { 0 => 0f, 1 => -0f, 2 => -(float)random.NextDouble(), 3 => 1e-7f * (float)(random.NextDouble() - 0.5), 4 => 1e3f, _ => (float)(random.NextDouble() * 4 - 2) };
            beta[j] = (float)((random.NextDouble() - 0.5) * (j % 5 == 0 ? 100 : 2));
            mean[j] = (float)((random.NextDouble() - 0.5) * 2 * range);
            variance[j] = (float)(random.NextDouble() * range * range / 4 + (j % 7 == 0 ? 0 : 1e-3));
            bias[j] = j % 3 == 0 ? 0f : (float)((random.NextDouble() - 0.5) * range / 4);
        }
        bn.Eval();
        return (bn, bias);
    }

    private static UnitAffine Unit(BatchNorm1d bn, float[]? bias, int j)
    {
        var (scale, shift) = UnitAffine.BatchNormCoefficients(bn.Gamma!.Value.AsSpan()[j], bn.Beta!.Value.AsSpan()[j], bn.RunningMean.AsSpan()[j], bn.RunningVar.AsSpan()[j], bn.Epsilon);
        return new UnitAffine(bias is not null, bias?[j] ?? 0f, true, scale, shift);
    }

    /// <summary>The training code's result: sign(BatchNorm(y + bias)) ≥ 0 for y [rows] broadcast to every unit.</summary>
    private static bool[] Oracle(BatchNorm1d bn, float[]? bias, float[] ys)
    {
        using var _ = GradMode.Disable();
        var x = new float[ys.Length * Units];
        for (int r = 0; r < ys.Length; r++) for (int j = 0; j < Units; j++) x[r * Units + j] = ys[r];
        var input = Tensor.FromArray(x, ys.Length, Units);
        if (bias is not null) input = Tensor.Add(input, Tensor.FromArray(bias, Units));
        return bn.Forward(input).ToArray().Select(v => v >= 0f).ToArray();
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(63, 2)]
    [InlineData(64, 3)]
    [InlineData(65, 4)]
    [InlineData(784, 5)]
    [InlineData(1024, 6)]
    public void FoldBinary_RandomBatchNorm_MatchesFloatModelOnEveryDotProduct(int n, int seed)
    {
        foreach (bool withBias in new[] { false, true })
        {
            var (bn, bias) = RandomUnits(seed, n);
            var usedBias = withBias ? bias : null;
            var ys = Enumerable.Range(0, n + 1).Select(d => (float)(n - 2 * d)).ToArray(); // y = N − 2d
            var expected = Oracle(bn, usedBias, ys);
            for (int j = 0; j < Units; j++)
            {
                var (negate, maxMismatches) = ThresholdFolding.FoldBinary(Unit(bn, usedBias, j), n);
                for (int d = 0; d <= n; d++)
                {
                    int stored = negate ? n - d : d; // mismatches against the (possibly negated) stored row
                    bool actual = stored <= maxMismatches;
                    Assert.True(expected[d * Units + j] == actual,
                        $"seed {seed}, N {n}, bias {withBias}, unit {j} (γ {bn.Gamma!.Value.AsSpan()[j]}), y {n - 2 * d}: float model {expected[d * Units + j]}, folded {actual} (negate {negate}, threshold {maxMismatches})");
                }
            }
        }
    }

    [Theory]
    [InlineData(784, 11)]
    [InlineData(100, 12)]
    [InlineData(1, 13)]
    public void FoldReal_RandomBatchNorm_MatchesFloatModelAroundThresholdAndEverywhere(int k, int seed)
    {
        float limit = k + 1f;
        var (bn, bias) = RandomUnits(seed, k);
        var random = new Random(seed);
        for (int j = 0; j < Units; j++)
        {
            var unit = Unit(bn, bias, j);
            var (negate, threshold) = ThresholdFolding.FoldReal(unit, limit);
            // Probe the boundary exactly (τ', its float neighbours) and random dot products in range.
            var probes = new List<float>();
            if (float.IsFinite(threshold))
                probes.AddRange([threshold, MathF.BitDecrement(threshold), MathF.BitIncrement(threshold), MathF.BitDecrement(MathF.BitDecrement(threshold))]);
            for (int i = 0; i < 200; i++) probes.Add((float)((random.NextDouble() * 2 - 1) * limit));
            probes.RemoveAll(p => Math.Abs(p) > limit);
            var ys = probes.Select(p => negate ? -p : p).ToArray(); // original-orientation dot products
            var expected = Oracle(bn, bias, ys);
            for (int r = 0; r < probes.Count; r++)
            {
                bool actual = probes[r] >= threshold;
                Assert.True(expected[r * Units + j] == actual,
                    $"seed {seed}, unit {j}: y' {probes[r]:R} (negate {negate}) vs τ' {threshold:R}: float model {expected[r * Units + j]}, folded {actual}");
            }
        }
    }

    [Fact]
    public void FoldBinary_ZeroGamma_IsConstantFromBeta()
    {
        Assert.Equal((false, 10), ThresholdFolding.FoldBinary(new UnitAffine(false, 0, true, 0f, 0.5f), 10));
        Assert.Equal((false, -1), ThresholdFolding.FoldBinary(new UnitAffine(false, 0, true, 0f, -0.5f), 10));
        Assert.Equal((false, 10), ThresholdFolding.FoldBinary(new UnitAffine(false, 0, true, -0f, 0f), 10)); // sign(±0) = +1
    }

    [Fact]
    public void FoldBinary_NoBatchNorm_IsSignOfDotProductPlusBias()
    {
        // y ≥ 0 ⇔ d ≤ N/2: N = 4 → d ≤ 2; with bias −2.5: y ≥ 2.5 ⇔ y = 4 ⇔ d ≤ 0.
        Assert.Equal((false, 2), ThresholdFolding.FoldBinary(new UnitAffine(false, 0, false, 0, 0), 4));
        Assert.Equal((false, 0), ThresholdFolding.FoldBinary(new UnitAffine(true, -2.5f, false, 0, 0), 4));
    }

    [Fact]
    public void FoldReal_Constants_AreInfinite()
    {
        Assert.Equal(float.NegativeInfinity, ThresholdFolding.FoldReal(new UnitAffine(false, 0, true, 0f, 1f), 10f).Threshold);
        Assert.Equal(float.PositiveInfinity, ThresholdFolding.FoldReal(new UnitAffine(false, 0, true, 0f, -1f), 10f).Threshold);
        Assert.Equal(float.PositiveInfinity, ThresholdFolding.FoldReal(new UnitAffine(false, 0, true, 1f, -100f), 10f).Threshold);
    }

    [Fact]
    public void OrderedKey_RoundTripsAndPreservesOrder()
    {
        float[] values = [float.NegativeInfinity, -3.5f, -float.Epsilon, 0f, float.Epsilon, 1f, float.MaxValue];
        for (int i = 0; i < values.Length; i++)
        {
            Assert.Equal(values[i], ThresholdFolding.FromOrderedKey(ThresholdFolding.OrderedKey(values[i])));
            if (i > 0) Assert.True(ThresholdFolding.OrderedKey(values[i - 1]) < ThresholdFolding.OrderedKey(values[i]));
        }
        Assert.Equal(ThresholdFolding.OrderedKey(0f), ThresholdFolding.OrderedKey(-0f));
    }

    /// <summary>
    /// The training code normalises feature maps with a centered fused multiply-add (one rounding) and dense features with
    /// a multiply then an add: the units the exporter builds for a convolution's batch norm must give the float model's
    /// output bit for bit on every integer dot product, for a map above and one below the size where the form changes.
    /// The means sit near integers (where the two forms can disagree about the sign), and the test checks that its data
    /// tells the two forms apart.
    /// </summary>
    [Theory]
    [InlineData(32, 32, 11)] // 1024 values per channel: centered
    [InlineData(4, 4, 12)] // 16: the dense form
    public void ConvUnits_BatchNormOnFeatureMaps_MatchFloatModelBitForBit(int height, int width, int seed)
    {
        var random = new Random(seed);
        int plane = height * width;
        var conv = new Conv2d(1, Units, 1, 1, 0, bias: false, random);
        var bn = new BatchNorm2d(Units, epsilon: 1e-4);
        var gamma = bn.Gamma!.Value.AsSpan();
        var beta = bn.Beta!.Value.AsSpan();
        var mean = bn.RunningMean.AsSpan();
        var variance = bn.RunningVar.AsSpan();
        var centers = new int[Units];
        for (int j = 0; j < Units; j++)
        {
            centers[j] = random.Next(-300, 300);
            gamma[j] = (float)((random.NextDouble() * 2 + 0.1) * (j % 2 == 0 ? 1 : -1));
            beta[j] = (float)((random.NextDouble() - 0.5) * 1e-5);
            mean[j] = centers[j] + (float)((random.NextDouble() - 0.5) * 1e-4 * (j % 4));
            variance[j] = (float)(random.NextDouble() * 1000 + 1);
        }
        bn.Eval();
        var units = DenseExport.Units(conv, Units, bn, 0, includeBias: false, plane);
        var x = new float[Units * plane];
        for (int j = 0; j < Units; j++)
            for (int p = 0; p < plane; p++) x[j * plane + p] = centers[j] - plane / 2 + p; // integers around the crossing
        float[] y;
        using (GradMode.Disable()) y = bn.Forward(Tensor.FromArray(x, 1, Units, height, width)).ToArray();
        int formDifferences = 0;
        for (int j = 0; j < Units; j++)
        {
            Assert.Equal(Tensor.BatchNormCentersPlanes(plane), units[j].Centered);
            double g = gamma[j], b = beta[j], m = mean[j], v = variance[j];
            UnitAffine other;
            if (units[j].Centered)
            {
                var (scale, shift) = UnitAffine.BatchNormCoefficients(g, b, m, v, bn.Epsilon);
                other = new UnitAffine(false, 0f, true, scale, shift);
            }
            else
            {
                var (center, scale, shift) = UnitAffine.CenteredBatchNormCoefficients(g, b, m, v, bn.Epsilon);
                other = new UnitAffine(false, 0f, true, scale, shift, Centered: true, center);
            }
            for (int p = 0; p < plane; p++)
            {
                float input = x[j * plane + p], expected = y[j * plane + p];
                Assert.True(BitConverter.SingleToInt32Bits(expected) == BitConverter.SingleToInt32Bits(units[j].Apply(input)),
                    $"map {height}x{width}, channel {j}, y {input}: float model {expected:R}, unit {units[j].Apply(input):R}");
                if (BitConverter.SingleToInt32Bits(expected) != BitConverter.SingleToInt32Bits(other.Apply(input))) formDifferences++;
            }
        }
        Assert.True(formDifferences > 0, "the test data does not tell the centered and dense forms of batch norm apart");
    }
}
