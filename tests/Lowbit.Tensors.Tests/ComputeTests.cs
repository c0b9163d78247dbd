namespace Lowbit.Tensors.Tests;

/// <summary>
/// <see cref="Compute.For"/> on the persistent <see cref="Lowbit.Kernels.Threading.WorkerThreads"/>: every item exactly once in the documented chunks, nested ops
/// inline, exceptions from any part reach the caller, and loops from several threads at once all complete.
/// </summary>
public class ComputeTests
{
    [Theory]
    [InlineData(1, 10, 1, 1)]
    [InlineData(2, 1000, 16, 8)]
    [InlineData(3, 1001, 7, 1)]
    [InlineData(3, 20, 8, 8)]
    [InlineData(2, 3, 1, 1)]
    public void For_CoversEveryItemOnceInChunksStartingAtTheAlignment(int threads, int count, int grain, int align)
    {
        for (int repeat = 0; repeat < 200; repeat++)
        {
            var hits = new int[count];
            var chunks = new System.Collections.Concurrent.ConcurrentBag<(int Start, int End, int Threads)>();
            using (Compute.UseThreads(threads))
                Compute.For(count, grain, align, (start, end) =>
                {
                    chunks.Add((start, end, Compute.Threads));
                    for (int i = start; i < end; i++) Interlocked.Increment(ref hits[i]);
                });
            Assert.All(hits, h => Assert.Equal(1, h));
            Assert.All(chunks, c => Assert.True(c.Start % align == 0 && c.End > c.Start && c.Threads == 1, $"chunk [{c.Start}, {c.End}) saw {c.Threads} threads"));
            int parts = threads <= 1 || count < 2 * grain ? 1 : Math.Min(threads, count / grain);
            Assert.True(chunks.Count <= parts, $"{chunks.Count} chunks for {parts} parts");
        }
    }

    [Fact]
    public void For_ExceptionInAWorkerPart_ReachesTheCaller_AndTheWorkersStayUsable()
    {
        using var scope = Compute.UseThreads(2);
        var error = Assert.Throws<InvalidOperationException>(() => Compute.For(100, 1, 1, (start, _) =>
        {
            if (start > 0) throw new InvalidOperationException("second part");
        }));
        Assert.Equal("second part", error.Message);
        Assert.Throws<ArgumentException>(() => Compute.For(100, 1, 1, (start, _) =>
        {
            if (start == 0) throw new ArgumentException("first part");
        }));
        int total = 0;
        Compute.For(100, 1, 1, (start, end) => Interlocked.Add(ref total, end - start));
        Assert.Equal(100, total);
    }

    [Fact]
    public void For_FromSeveralThreadsAtOnce_AllLoopsComplete()
    {
        var sums = new long[4];
        Parallel.For(0, 4, new ParallelOptions { MaxDegreeOfParallelism = 4 }, t =>
        {
            using var scope = Compute.UseThreads(2);
            for (int repeat = 0; repeat < 300; repeat++)
                Compute.For(64, 1, 1, (start, end) =>
                {
                    for (int i = start; i < end; i++) Interlocked.Add(ref sums[t], i);
                });
        });
        Assert.All(sums, s => Assert.Equal(300L * 64 * 63 / 2, s));
    }

    [Fact]
    public void For_AfterTheWorkersWentToSleep_StillRunsEveryPart()
    {
        using var scope = Compute.UseThreads(3);
        for (int repeat = 0; repeat < 5; repeat++)
        {
            Thread.Sleep(3); // longer than the workers spin
            int total = 0;
            Compute.For(99, 1, 1, (start, end) => Interlocked.Add(ref total, end - start));
            Assert.Equal(99, total);
        }
    }
}
