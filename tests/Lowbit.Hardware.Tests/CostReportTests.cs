using System.Reflection;

namespace Lowbit.Hardware.Tests;

public sealed class CostReportTests
{
    /// <summary>784 8-bit pixels → fc1 (±1 weights, 8-bit input planes) → BN → fc2 (±1 × ±1) → 10 float logits.</summary>
    internal static NetworkCostInput SmallMlp() => new("mlp", 784, 8,
    [
        LayerCostInput.Dense("fc1", 784, 1024, OperandEncoding.Binary, OperandEncoding.Uniform(8), outputBits: 32),
        LayerCostInput.BatchNorm("bn1", 1024, 1, outputBits: 1),
        LayerCostInput.Dense("fc2", 1024, 10, OperandEncoding.Heterogeneous(3), OperandEncoding.Binary, outputBits: 32, [10_240, 3_072, 1_024])
            with { ScaleCount = 3, OtherFloatParameters = 10 },
    ]);

    [Fact]
    public void Estimate_SmallMlp_LayerValuesMatchHandCounts()
    {
        var report = CostModel.Estimate(SmallMlp());

        Assert.Equal(3, report.Layers.Count);
        Assert.Equal(6_422_528.0, report.Layers[0].Bops);                 // 802,816 · 1 · 8
        Assert.Equal(131_072, report.Layers[1].OtherFloatBits);           // 4 · 1024 · 32
        Assert.Equal(14_336, report.Layers[2].PayloadBits);               // 10,240 + 3,072 + 1,024
        Assert.Equal(13_312, report.Layers[2].NestedMaskBits);            // 10,240 + 3,072
        Assert.Equal(14_336 + 13_312 + 96 + 320, report.Layers[2].TotalBits);
    }

    [Fact]
    public void Estimate_SmallMlp_PeakActivationIsInputPlusFc1Output()
    {
        var totals = CostModel.Estimate(SmallMlp()).Totals;

        // fc1: 784·8 + 1024·32 = 6,272 + 32,768 = 39,040; bn1: 32,768 + 1,024; fc2: 1,024 + 320.
        Assert.Equal(6_272.0, totals.InputActivationBits);
        Assert.Equal(39_040.0, totals.PeakActivationBits);
        Assert.Equal("fc1", totals.PeakActivationLayer);
    }

    [Fact]
    public void Estimate_SmallMlp_TotalsEqualSumsOfRows()
    {
        var report = CostModel.Estimate(SmallMlp());
        var rowProperties = typeof(LayerCostRow).GetProperties().ToDictionary(p => p.Name);
        string[] derived = [nameof(CostTotals.AverageWeightBits), nameof(CostTotals.CompressionRatio)];
        int checkedCount = 0;
        foreach (var total in typeof(CostTotals).GetProperties())
        {
            if (derived.Contains(total.Name) || !rowProperties.TryGetValue(total.Name, out var rowProperty))
            {
                continue;
            }

            double expected = report.Layers.Sum(r => AsDouble(rowProperty, r));
            double actual = AsDouble(total, report.Totals);
            Assert.True(Math.Abs(expected - actual) <= 1e-9 * Math.Max(1, Math.Abs(expected)),
                $"{total.Name}: expected Σ rows = {expected}, actual total = {actual}");
            checkedCount++;
        }

        Assert.True(checkedCount >= 20, $"only {checkedCount} summed columns were compared");
    }

    [Fact]
    public void Estimate_SmallMlp_DerivedTotalsAreRatiosOfSums()
    {
        var totals = CostModel.Estimate(SmallMlp()).Totals;

        Assert.Equal(802_816 + 10_240, totals.Weights);
        Assert.Equal((802_816 + 14_336) / (double)(802_816 + 10_240), totals.AverageWeightBits, 1e-12);
        Assert.Equal((double)totals.Float32BaselineBits / totals.TotalBits, totals.CompressionRatio!.Value, 1e-12);
    }

    [Fact]
    public void Estimate_EmptyNetwork_PeakIsInput()
    {
        var totals = CostModel.Estimate(new NetworkCostInput("empty", 10, 8, [])).Totals;

        Assert.Equal(80.0, totals.PeakActivationBits);
        Assert.Null(totals.PeakActivationLayer);
        Assert.Null(totals.CompressionRatio);
    }

    [Fact]
    public void Estimate_NullLayer_Throws()
    {
        var network = new NetworkCostInput("bad", 1, 8, [null!]);

        Assert.Throws<ArgumentNullException>(() => CostModel.Estimate(network));
    }

    private static double AsDouble(PropertyInfo property, object owner) => property.GetValue(owner) switch
    {
        null => 0,
        long value => value,
        int value => value,
        double value => value,
        var other => throw new InvalidOperationException($"{property.Name} has non-numeric type {other.GetType()}"),
    };
}
