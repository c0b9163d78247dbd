using Lowbit.Data.Text;

namespace Lowbit.Data.Tests.Text;

public class BpttBatcherTests
{
    [Fact]
    public void Windows_AreTimeMajorSlicesOfContiguousStreams_TargetsOneStepAhead()
    {
        // 11 tokens, 2 streams: L = 5 (token 10 dropped); stream 0 = 0..4, stream 1 = 5..9; k = 3 -> windows of 3 and 1 steps.
        var batcher = new BpttBatcher(Enumerable.Range(0, 11).ToArray(), streams: 2, truncationLength: 3);
        Assert.Equal((5, 2, 8L), (batcher.StreamLength, batcher.BatchCount, batcher.PredictedTokens));

        var first = batcher.Get(0);
        Assert.Equal((3, 2), (first.Steps, first.Streams));
        Assert.Equal([0, 5, 1, 6, 2, 7], first.Inputs);
        Assert.Equal([1, 6, 2, 7, 3, 8], first.Targets);
        var last = batcher.Get(1);
        Assert.Equal([3, 8], last.Inputs);
        Assert.Equal([4, 9], last.Targets);
        Assert.Equal(8, batcher.GetBatches().Sum(b => b.Tokens));
        Assert.Equal([1], batcher.GetBatches(1).Select(b => b.Index));
    }

    [Fact]
    public void TooFewTokensForTheStreams_IsAnErrorNamingTheText()
    {
        var ex = Assert.Throws<ArgumentException>(() => new BpttBatcher([1, 2, 3], streams: 2, truncationLength: 5, name: "tiny validation"));
        Assert.Contains("tiny validation: 3 tokens are too few for 2 streams", ex.Message, StringComparison.Ordinal);
    }
}
