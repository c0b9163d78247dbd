using System.Diagnostics;
using System.Runtime.ExceptionServices;

namespace Lowbit.Tensors;

/// <summary>
/// Persistent worker threads for <see cref="Compute.For"/>: a training step starts about 170 parallel loops of 0.1–5 ms
/// each, and a thread-pool worker that has gone to sleep between two of them takes tens of microseconds to wake (more
/// on a virtual machine, where the idle virtual CPU halts). These workers spin for <see cref="SpinTicks"/> after each
/// loop before they block, so the next loop of the same step finds them awake.
/// </summary>
/// <remarks>
/// One loop at a time: a caller that finds the workers busy (another thread's loop) gets false and uses
/// <see cref="Parallel.For(int, int, ParallelOptions, Action{int})"/> instead. Which thread runs which part never
/// changes a value (<see cref="Compute.For"/> bodies do not depend on the chunking). This is process-wide state, like
/// the .NET thread pool it stands in for; the threads are background threads and are created on first use.
/// </remarks>
internal static class ComputeWorkers
{
    /// <summary>How long an idle worker spins before it blocks: 0.5 ms.</summary>
    private static readonly long SpinTicks = Stopwatch.Frequency / 2000;

    private static readonly object s_grow = new();
    private static Worker[] s_workers = [];
    private static int s_busy;

    /// <summary>The current loop; a new object per loop, so a worker never confuses two loops.</summary>
    private static Job? s_job;

    /// <summary>
    /// Runs parts 1 … parts − 1 of the chunking on workers and part 0 on the caller; false (nothing run) when the
    /// workers are already running another loop.
    /// </summary>
    public static bool TryRun(int parts, int count, int align, Action<int, int> body)
    {
        if (Interlocked.CompareExchange(ref s_busy, 1, 0) != 0) return false;
        try
        {
            var workers = Ensure(parts - 1);
            var job = new Job(body, parts, count, align);
            Interlocked.Exchange(ref s_job, job); // full fence: publishes the loop before the sleeping flags are read
            for (int w = 0; w < parts - 1; w++) workers[w].WakeIfSleeping();
            try
            {
                using (Compute.UseThreads(1)) job.Run(0);
            }
            catch (Exception e)
            {
                Interlocked.CompareExchange(ref job.Error, e, null);
            }
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

    private sealed class Job(Action<int, int> body, int parts, int count, int align)
    {
        public readonly int Parts = parts;

        /// <summary>Parts 1 … Parts − 1 not finished yet.</summary>
        public int Pending = parts - 1;

        public Exception? Error;

        public void Run(int part)
        {
            int start = Compute.ChunkStart(part, Parts, count, align), end = Compute.ChunkStart(part + 1, Parts, count, align);
            if (start < end) body(start, end);
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
            new Thread(Loop) { IsBackground = true, Name = $"Lowbit compute {part}" }.Start();
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
                if (_part >= job.Parts) continue; // a loop with fewer parts than workers
                try
                {
                    job.Run(_part);
                }
                catch (Exception e)
                {
                    Interlocked.CompareExchange(ref job.Error, e, null);
                }
                Interlocked.Decrement(ref job.Pending);
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
