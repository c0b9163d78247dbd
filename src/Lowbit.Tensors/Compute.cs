using Lowbit.Kernels.Threading;

namespace Lowbit.Tensors;

/// <summary>
/// How many threads tensor ops may use on the current thread (1 by default).
/// </summary>
/// <remarks>
/// Thread-local and scoped (<c>using (Compute.UseThreads(2)) { ... }</c>), set by the trainer from its options;
/// results depend only on the thread count, never on timing (reductions are not split across threads).
/// </remarks>
public static class Compute
{
    [ThreadStatic] private static int t_threads;

    /// <summary>Threads available to ops started on this thread.</summary>
    public static int Threads => t_threads <= 0 ? 1 : t_threads;

    /// <summary>Sets the thread count until the returned scope is disposed.</summary>
    public static IDisposable UseThreads(int threads)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        int previous = t_threads;
        t_threads = threads;
        return new Restore(previous);
    }

    /// <summary>
    /// Runs <paramref name="body"/>(start, end) over contiguous chunks covering [0, <paramref name="count"/>), on up to
    /// <see cref="Threads"/> threads; chunks hold at least <paramref name="grain"/> items and start at multiples of
    /// <paramref name="align"/>. Work below two grains runs inline on the calling thread.
    /// </summary>
    /// <remarks>
    /// Only for bodies whose result for each item does not depend on how items are chunked (elementwise maps,
    /// per-channel reductions done wholly inside one chunk): then the result is the same for every thread count.
    /// Every part, the caller's included, sees <see cref="Threads"/> = 1, so ops nested in the body do not fan out again.
    /// The parts run on <see cref="WorkerThreads"/> (threads that stay awake between the loops of a step), or on the
    /// thread pool while those serve another thread's loop.
    /// </remarks>
    /// <param name="count">Items (≥ 0).</param>
    /// <param name="grain">Minimum items per chunk (≥ 1).</param>
    /// <param name="align">Chunk starts are multiples of this (≥ 1), e.g. a vector width.</param>
    /// <param name="body">Called with [start, end) for each chunk; chunks are disjoint.</param>
    public static void For(int count, int grain, int align, Action<int, int> body)
    {
        ArgumentNullException.ThrowIfNull(body);
        ArgumentOutOfRangeException.ThrowIfLessThan(grain, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(align, 1);
        int threads = Threads;
        int parts = threads <= 1 || count < 2 * grain ? 1 : Math.Min(threads, count / grain);
        if (parts <= 1)
        {
            if (count > 0) body(0, count);
            return;
        }

        WorkerThreads.Run(parts, part =>
        {
            int start = ChunkStart(part, parts, count, align), end = ChunkStart(part + 1, parts, count, align);
            if (start >= end) return;
            using (UseThreads(1)) body(start, end);
        });
    }

    private static int ChunkStart(int part, int parts, int count, int align)
    {
        if (part >= parts) return count;
        long raw = (long)part * count / parts;
        return (int)Math.Min(count, (raw + align - 1) / align * align);
    }

    private sealed class Restore(int previous) : IDisposable
    {
        public void Dispose() => t_threads = previous;
    }
}
