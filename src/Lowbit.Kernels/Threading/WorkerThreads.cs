using System.Diagnostics;
using System.Runtime.ExceptionServices;

namespace Lowbit.Kernels.Threading;

/// <summary>
/// Runs the parts of a parallel loop on persistent worker threads that stay awake between loops: a training step
/// starts about 170 parallel loops of 0.1–5 ms each (tensor ops and GEMM calls alike), and a thread-pool worker that
/// has gone to sleep between two of them takes tens of microseconds to wake (more on a virtual machine, where the idle
/// virtual CPU halts). These workers spin for 0.5 ms after each loop before they block, so the next loop of the same
/// step finds them awake.
/// </summary>
/// <remarks>
/// One loop at a time: a caller that finds the workers busy (another thread's loop, or a loop started inside a part),
/// or asks for more parts than there are processors, runs <see cref="Parallel.For(int, int, ParallelOptions, Action{int})"/>
/// instead. Which thread runs which part must
/// not change a result; callers split work so that it does not. This is process-wide state, like the .NET thread pool
/// it stands in for; the threads are background threads, created on first use. All parallel kernels share these
/// workers, so a GEMM that follows a tensor op's loop does not wait for a thread-pool thread while the worker spins.
/// </remarks>
public static class WorkerThreads
{
    /// <summary>How long an idle worker spins before it blocks: 0.5 ms.</summary>
    private static readonly long SpinTicks = Stopwatch.Frequency / 2000;

    private static readonly object s_grow = new();
    private static Worker[] s_workers = [];
    private static int s_busy;

    /// <summary>The current loop; a new object per loop, so a worker never confuses two loops.</summary>
    private static Job? s_job;

    /// <summary>
    /// Calls <paramref name="part"/>(i) once for every i in [0, <paramref name="parts"/>): part 0 on the calling thread
    /// and the others on whichever of the workers and the caller claims them first, or all on the thread pool (workers
    /// busy, or more parts than processors); returns when all are done.
    /// </summary>
    /// <param name="parts">Number of parts (≥ 1); one part runs inline.</param>
    /// <param name="part">The work of one part; an exception from a part is rethrown here (the first one, unwrapped, on
    /// either path) after all parts ended.</param>
    public static void Run(int parts, Action<int> part)
    {
        ArgumentNullException.ThrowIfNull(part);
        ArgumentOutOfRangeException.ThrowIfLessThan(parts, 1);
        if (parts == 1)
        {
            part(0);
            return;
        }
        // More parts than processors: waiting parts would spin on a processor another part needs (3 threads on this
        // 2-vCPU VM ran ResNet-20 at 270 images/s on the workers against 370 on the thread pool), so use the pool.
        if (parts <= Environment.ProcessorCount && TryRun(parts, part)) return;
        try
        {
            Parallel.For(0, parts, new ParallelOptions { MaxDegreeOfParallelism = parts }, part);
        }
        catch (AggregateException e) when (e.InnerExceptions.Count > 0)
        {
            ExceptionDispatchInfo.Capture(e.InnerExceptions[0]).Throw(); // the same exception type as on the workers
        }
    }

    /// <summary>Part 0 on the caller, parts 1 … parts − 1 on the workers or the caller; false (nothing run) when the workers are busy.</summary>
    private static bool TryRun(int parts, Action<int> part)
    {
        if (Interlocked.CompareExchange(ref s_busy, 1, 0) != 0) return false;
        try
        {
            var workers = Ensure(parts - 1);
            var job = new Job(part, parts);
            Interlocked.Exchange(ref s_job, job); // full fence: publishes the loop before the sleeping flags are read
            for (int w = 0; w < parts - 1; w++) workers[w].WakeIfSleeping();
            try
            {
                part(0);
            }
            catch (Exception e)
            {
                Interlocked.CompareExchange(ref job.Error, e, null);
            }
            job.RunUnclaimedParts(); // a worker that has not woken up yet finds them done
            var spin = new SpinWait();
            while (Volatile.Read(ref job.Pending) != 0) spin.SpinOnce(sleep1Threshold: -1);
            if (job.Error is not null) ExceptionDispatchInfo.Capture(job.Error).Throw();
            return true;
        }
        finally
        {
            Volatile.Write(ref s_busy, 0);
        }
    }

    private static Worker[] Ensure(int count)
    {
        var workers = s_workers;
        if (workers.Length >= count) return workers;
        lock (s_grow)
        {
            var grown = new Worker[count];
            s_workers.CopyTo(grown, 0);
            for (int w = s_workers.Length; w < count; w++) grown[w] = new Worker(w + 1, Volatile.Read(ref s_job));
            s_workers = grown;
            return grown;
        }
    }

    /// <summary>
    /// One loop. Parts 1 … Parts − 1 are claimed by whichever thread asks first, the caller included once it has run
    /// part 0: a worker that wakes late (its virtual CPU busy with another process, or asleep) then finds nothing left,
    /// and the loop takes about as long as on one thread instead of waiting for it.
    /// </summary>
    private sealed class Job(Action<int> part, int parts)
    {
        public readonly Action<int> Part = part;
        public readonly int Parts = parts;

        /// <summary>Parts 1 … Parts − 1 not finished yet.</summary>
        public int Pending = parts - 1;

        /// <summary>The next part to claim (part 0 is the caller's).</summary>
        private int _next = 1;

        public Exception? Error;

        /// <summary>Claims and runs parts until none is left.</summary>
        public void RunUnclaimedParts()
        {
            for (int p = Interlocked.Increment(ref _next) - 1; p < Parts; p = Interlocked.Increment(ref _next) - 1)
            {
                try
                {
                    Part(p);
                }
                catch (Exception e)
                {
                    Interlocked.CompareExchange(ref Error, e, null);
                }
                Interlocked.Decrement(ref Pending);
            }
        }
    }

    private sealed class Worker
    {
        private readonly int _part;
        private readonly ManualResetEventSlim _wake = new(false, spinCount: 0);
        private Job? _seen;
        private int _sleeping;

        public Worker(int part, Job? current)
        {
            _part = part;
            _seen = current;
            new Thread(Loop) { IsBackground = true, Name = $"Lowbit worker {part}" }.Start();
        }

        public void WakeIfSleeping()
        {
            if (Volatile.Read(ref _sleeping) != 0) _wake.Set();
        }

        private void Loop()
        {
            while (true)
            {
                var job = WaitForNextJob();
                _seen = job;
                if (_part < job.Parts) job.RunUnclaimedParts(); // not woken for a loop with fewer parts than workers
            }
        }

        /// <summary>Spins up to <see cref="SpinTicks"/> for a new loop, then blocks until the caller wakes it.</summary>
        private Job WaitForNextJob()
        {
            long deadline = Stopwatch.GetTimestamp() + SpinTicks;
            while (true)
            {
                var job = Volatile.Read(ref s_job);
                if (job is not null && job != _seen) return job;
                if (Stopwatch.GetTimestamp() < deadline)
                {
                    Thread.SpinWait(20);
                    continue;
                }
                Interlocked.Exchange(ref _sleeping, 1); // full fence: the flag is visible before the loop is re-read
                if (Volatile.Read(ref s_job) == _seen) _wake.Wait();
                _wake.Reset();
                Volatile.Write(ref _sleeping, 0);
                deadline = Stopwatch.GetTimestamp() + SpinTicks;
            }
        }
    }
}
