using System.Runtime.InteropServices;

namespace Lowbit.Cli;

/// <summary>CPU time of the calling thread in nanoseconds (Linux <c>clock_gettime(CLOCK_THREAD_CPUTIME_ID)</c>).</summary>
/// <remarks>On a shared machine a one-thread profile in thread CPU time is not inflated by time spent descheduled.</remarks>
internal static partial class ThreadCpuClock
{
    private const int ClockThreadCpuTimeId = 3;

    /// <summary>Nanoseconds per second (the clock's unit).</summary>
    public const long TicksPerSecond = 1_000_000_000;

    /// <summary>Whether the clock works here (Linux only).</summary>
    public static bool IsAvailable => OperatingSystem.IsLinux();

    /// <summary>The calling thread's CPU time in nanoseconds.</summary>
    /// <exception cref="InvalidOperationException">clock_gettime failed.</exception>
    public static long Now()
    {
        if (ClockGetTime(ClockThreadCpuTimeId, out var ts) != 0)
            throw new InvalidOperationException("clock_gettime(CLOCK_THREAD_CPUTIME_ID) failed.");
        return ts.Seconds * TicksPerSecond + ts.Nanoseconds;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct Timespec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [LibraryImport("libc", EntryPoint = "clock_gettime")]
    private static partial int ClockGetTime(int clockId, out Timespec ts);
}
