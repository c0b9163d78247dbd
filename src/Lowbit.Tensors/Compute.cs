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

    private sealed class Restore(int previous) : IDisposable
    {
        public void Dispose() => t_threads = previous;
    }
}
