using Lowbit.Kernels.Gemm;
using Lowbit.Kernels.Threading;

namespace Lowbit.Kernels.Tests.Threading;

/// <summary>
/// <see cref="WorkerThreads.Run"/>: every part exactly once (part 0 on the caller when the workers run it), exceptions reach the caller,
/// loops started inside a part or from several threads at once complete (on the thread pool), workers that went to
/// sleep wake up; and a parallel GEMM on the workers after a loop gives the bits of the one-thread GEMM.
/// </summary>
public class WorkerThreadsTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(5)]
    public void Run_CallsEveryPartOnce(int parts)
    {
        // Parts beyond the processor count (5 here, 3 on a 2-vCPU machine) take the thread-pool path.
        for (int repeat = 0; repeat < 300; repeat++)
        {
            var hits = new int[parts];
            WorkerThreads.Run(parts, p => Interlocked.Increment(ref hits[p]));
            Assert.All(hits, h => Assert.Equal(1, h));
        }
    }

    [Fact]
    public void Run_OnTheWorkers_PartZeroRunsOnTheCaller()
    {
        if (Environment.ProcessorCount < 2) return; // one processor: every loop takes the thread pool
        int caller = Environment.CurrentManagedThreadId, onCaller = 0;
        for (int repeat = 0; repeat < 100; repeat++)
            WorkerThreads.Run(2, p =>
            {
                if (p == 0 && Environment.CurrentManagedThreadId == caller) Interlocked.Increment(ref onCaller);
            });
        // Another test class may hold the workers for some of these loops (then the pool runs them), not for all.
        Assert.True(onCaller > 0, "part 0 never ran on the calling thread");
    }

    [Fact]
    public void Run_BadArguments_Throw()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => WorkerThreads.Run(0, _ => { }));
        Assert.Throws<ArgumentNullException>(() => WorkerThreads.Run(2, null!));
    }

    [Fact]
    public void Run_ExceptionInAnyPart_ReachesTheCaller_AndTheWorkersStayUsable()
    {
        var error = Assert.Throws<InvalidOperationException>(() => WorkerThreads.Run(3, p =>
        {
            if (p == 2) throw new InvalidOperationException("part 2");
        }));
        Assert.Equal("part 2", error.Message);
        Assert.Throws<ArgumentException>(() => WorkerThreads.Run(2, p =>
        {
            if (p == 0) throw new ArgumentException("part 0");
        }));
        int total = 0;
        WorkerThreads.Run(3, p => Interlocked.Add(ref total, p + 1));
        Assert.Equal(6, total);
    }

    [Fact]
    public void Run_NestedInAPart_RunsOnTheThreadPool()
    {
        int inner = 0;
        WorkerThreads.Run(2, _ => WorkerThreads.Run(3, q => Interlocked.Add(ref inner, q + 1)));
        Assert.Equal(2 * 6, inner);
    }

    [Fact]
    public void Run_OnTheThreadPool_RethrowsThePartsExceptionUnwrapped()
    {
        // The nested loop finds the workers busy and takes Parallel.For, which wraps exceptions in AggregateException.
        var error = Assert.Throws<InvalidOperationException>(() => WorkerThreads.Run(2, p =>
        {
            if (p == 0) WorkerThreads.Run(2, q => throw new InvalidOperationException($"nested part {q}"));
        }));
        Assert.StartsWith("nested part", error.Message);
    }

    [Fact]
    public void Run_FromSeveralThreadsAtOnce_AllLoopsComplete()
    {
        var sums = new long[4];
        Parallel.For(0, 4, new ParallelOptions { MaxDegreeOfParallelism = 4 }, t =>
        {
            for (int repeat = 0; repeat < 300; repeat++) WorkerThreads.Run(2, p => Interlocked.Add(ref sums[t], p + 1));
        });
        Assert.All(sums, s => Assert.Equal(300L * 3, s));
    }

    [Fact]
    public void Run_AfterTheWorkersWentToSleep_StillRunsEveryPart()
    {
        for (int repeat = 0; repeat < 5; repeat++)
        {
            Thread.Sleep(3); // longer than the workers spin
            int total = 0;
            WorkerThreads.Run(3, p => Interlocked.Add(ref total, 1 << p));
            Assert.Equal(7, total);
        }
    }

    [Fact]
    public void Run_PartsLeftWhenTheCallerIsDone_RunOnceOnWhicheverThreadClaimsThem()
    {
        if (Environment.ProcessorCount < 2) return;
        int caller = Environment.CurrentManagedThreadId;
        for (int repeat = 0; repeat < 50; repeat++)
        {
            if (repeat % 10 == 0) Thread.Sleep(3); // asleep: the caller usually claims part 1 before the worker wakes
            var hits = new int[2];
            var threads = new int[2];
            WorkerThreads.Run(2, p =>
            {
                Interlocked.Increment(ref hits[p]);
                threads[p] = Environment.CurrentManagedThreadId;
            });
            Assert.All(hits, h => Assert.Equal(1, h));
            // Part 0 is the caller's unless the workers were busy with another test's loop (then the pool ran both).
            Assert.True(threads[0] == caller || threads[1] != caller,
                $"repeat {repeat}: part 0 on {threads[0]}, part 1 on {threads[1]}, caller {caller}");
        }
    }

    [Fact]
    public void Run_APartThatWaitsForAnother_StillCompletes()
    {
        if (Environment.ProcessorCount < 2) return;
        // Part 0 (the caller) waits until part 1 ran: only a worker can run it then, so the workers still take parts.
        for (int repeat = 0; repeat < 20; repeat++)
        {
            int done = 0;
            bool waited = true;
            WorkerThreads.Run(2, p =>
            {
                if (p == 1) Volatile.Write(ref done, 1);
                else waited = SpinWait.SpinUntil(() => Volatile.Read(ref done) == 1, TimeSpan.FromSeconds(10));
            });
            Assert.True(waited, $"repeat {repeat}: part 1 never ran while part 0 waited");
        }
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public void Sgemm_OnTheWorkers_MatchesOneThreadBitForBit(int threads)
    {
        // 100 × 256 × 2048: the shape of a dense layer of VGG-small w1/4 at batch 100, above the parallel threshold.
        const int m = 100, n = 256, k = 2048;
        var random = new Random(7);
        var a = new float[m * k];
        var b = new float[k * n];
        for (int i = 0; i < a.Length; i++) a[i] = (float)(random.NextDouble() * 2 - 1);
        for (int i = 0; i < b.Length; i++) b[i] = (float)(random.NextDouble() * 2 - 1);
        var one = new float[m * n];
        var many = new float[m * n];
        Sgemm.Multiply(false, false, m, n, k, 1f, a, k, b, n, 0f, one, n, 1);
        WorkerThreads.Run(threads, _ => { }); // the workers are awake (spinning) when the GEMM starts
        Sgemm.Multiply(false, false, m, n, k, 1f, a, k, b, n, 0f, many, n, threads);
        for (int i = 0; i < one.Length; i++)
            Assert.True(BitConverter.SingleToInt32Bits(one[i]) == BitConverter.SingleToInt32Bits(many[i]),
                $"index {i}: one thread {one[i]:R}, {threads} threads {many[i]:R}");
    }
}
