using Lowbit.Kernels.Arithmetic;
using Lowbit.Quantization.Arithmetic;

namespace Lowbit.Quantization.Tests.Arithmetic;

public class DynamicRangeRuleTests
{
    [Theory]
    [InlineData(5, 2e-4, 3e-4, 6)] // overflow rate above the maximum: one more integer bit
    [InlineData(5, 1e-4, 3e-4, 5)] // rate equal to the maximum is tolerated (strict >); the rate one bit lower is not: keep
    [InlineData(5, 0, 2e-4, 5)]
    [InlineData(5, 0, 1e-4, 4)] // one bit lower would still be tolerated (1e-4 is not > 1e-4): one fewer
    [InlineData(5, 0, 0, 4)]
    [InlineData(-3, 0.5, 1, -2)]
    [InlineData(-100, 0, 0, -100)] // kept inside the kernels' range
    [InlineData(100, 1, 1, 100)]
    public void Next_ScriptedRates_FollowsThePaperRule(int integerBits, double rate, double rateBelow, int expected) =>
        Assert.Equal(expected, DynamicRangeRule.Next(integerBits, rate, rateBelow, 1e-4));

    [Fact]
    public void Tracker_ScriptedCounters_UpdatesAtWindowEndFromMeanPerStepRates()
    {
        var tracker = new RadixTracker(5, new DynamicRangeOptions(maxOverflowRate: 0.01, window: 3));
        // Step 1: two tensors (rates are pooled within a step): 3 of 200 at the range, 10 of 200 one bit lower.
        tracker.Observe(new OverflowCounts(1, 4), 100);
        tracker.Observe(new OverflowCounts(2, 6), 100);
        Assert.Null(tracker.EndStep());
        Assert.Null(tracker.EndStep()); // a step without observations does not count
        tracker.Observe(new OverflowCounts(0, 3), 100);
        Assert.Null(tracker.EndStep());
        Assert.Equal(5, tracker.IntegerBits);
        tracker.Observe(new OverflowCounts(0, 0), 50);
        var update = tracker.EndStep();
        // mean rates over 3 steps: (0.015 + 0 + 0)/3 = 0.005 ≤ 0.01; (0.05 + 0.03 + 0)/3 ≈ 0.0267 > 0.01 → keep
        Assert.NotNull(update);
        Assert.Equal(5, update!.Value.Before);
        Assert.Equal(5, update.Value.After);
        Assert.Equal(0.005, update.Value.OverflowRate, 12);
        Assert.Equal(0.08 / 3, update.Value.OverflowRateBelow, 12);
        // Next window: nothing overflows even one bit lower → shrink the range.
        for (int s = 0; s < 3; s++)
        {
            tracker.Observe(new OverflowCounts(0, 0), 10);
            var u = tracker.EndStep();
            Assert.Equal(s == 2, u is not null);
        }
        Assert.Equal(4, tracker.IntegerBits);
        // Next window: 2 % overflow at the range → grow.
        for (int s = 0; s < 3; s++)
        {
            tracker.Observe(new OverflowCounts(2, 2), 100);
            tracker.EndStep();
        }
        Assert.Equal(5, tracker.IntegerBits);
    }

    [Fact]
    public void Tracker_SaveLoad_ContinuesTheWindow()
    {
        var options = new DynamicRangeOptions(0.01, 4);
        var a = new RadixTracker(2, options);
        a.Observe(new OverflowCounts(5, 5), 100);
        a.EndStep();
        var b = new RadixTracker(0, options);
        b.Load(a.Save());
        for (int s = 0; s < 3; s++)
        {
            a.Observe(new OverflowCounts(0, 0), 100);
            b.Observe(new OverflowCounts(0, 0), 100);
            Assert.Equal(a.EndStep(), b.EndStep());
        }
        Assert.Equal(3, b.IntegerBits); // mean rate 0.05/4 = 0.0125 > 0.01: one more integer bit
    }

    [Fact]
    public void Tracker_SaveMidStep_Throws()
    {
        var t = new RadixTracker(0, new DynamicRangeOptions());
        t.Observe(new OverflowCounts(1, 1), 10);
        Assert.Throws<InvalidOperationException>(() => t.Save());
    }

    [Fact]
    public void RoundedValueExactlyAtMax_CountsAsOverflow_EndToEnd()
    {
        // Inclusive threshold: a value that rounds to exactly max (here 1.75 at 4 bits, I = 1) is an overflow.
        var format = new FixedPointFormat(4, 1, dynamicRange: new DynamicRangeOptions(0.1, 1));
        var tracker = new RadixTracker(format.IntegerBits, format.DynamicRange!);
        var y = new float[4];
        tracker.Observe(format.Round([1.75f, 0.1f, 0.2f, 0.3f], y, tracker.IntegerBits, null, 0), 4);
        var u = tracker.EndStep()!.Value;
        Assert.Equal(0.25, u.OverflowRate);
        Assert.Equal(2, u.After); // 25 % > 10 %: grows, used from the next step
        Assert.Equal(2, tracker.IntegerBits);
    }
}
