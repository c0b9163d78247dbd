using Lowbit.Inference.Runtime;

namespace Lowbit.Inference.Tests.Runtime;

public sealed class ThresholdBitsTests
{
    [Fact]
    public void AtLeast_EveryLengthUpTo64_MatchesScalar()
    {
        var random = new Random(64);
        for (int n = 0; n <= 64; n++)
        {
            for (int trial = 0; trial < 20; trial++)
            {
                var values = Enumerable.Range(0, n).Select(_ => random.Next(-5, 6)).ToArray();
                var thresholds = Enumerable.Range(0, n).Select(_ => trial == 0 ? int.MinValue : trial == 1 ? int.MaxValue : random.Next(-5, 6)).ToArray();
                ulong expected = 0;
                for (int j = 0; j < n; j++) if (values[j] >= thresholds[j]) expected |= 1UL << j;
                Assert.True(expected == ThresholdBits.AtLeast(values, thresholds), $"n={n} trial={trial}");
                Assert.Equal(expected, ThresholdBits.AtLeastScalar(values, thresholds));
            }
        }
    }
}
