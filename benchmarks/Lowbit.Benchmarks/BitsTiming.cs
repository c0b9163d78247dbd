using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Lowbit.Kernels.Bits;

namespace Lowbit.Benchmarks;

/// <summary>
/// Quick (non-BenchmarkDotNet) timing of the bitwise kernels in bit-MACs per cycle.
/// Run: <c>dotnet run -c Release --project benchmarks/Lowbit.Benchmarks -- bits-timing [size]</c>.
/// </summary>
/// <remarks>
/// Clock: measured, not taken from /proc/cpuinfo (a VM reports the nominal frequency there). A chain of 8 dependent
/// 1-cycle integer ops (add/xor alternating) per loop iteration is timed in thread CPU time
/// (clock_gettime(CLOCK_THREAD_CPUTIME_ID)); cycles = 8 × iterations, so Hz = 8·iterations / CPU seconds.
/// The /proc/cpuinfo value is printed beside it. Kernel figures are the best of 7 samples after warm-up, in wall
/// time (total) and in process CPU time (per core, robust to other processes on the shared machine).
/// </remarks>
public static class BitsTiming
{
    public static void Run(string[] args)
    {
        int size = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 1024;
        int rounds = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 1;
        double hz = MeasureClockHz();
        Console.WriteLine($"clock: measured {hz / 1e9:F3} GHz (dependent add/xor chain); /proc/cpuinfo cpu MHz = {ProcCpuMhz()}");
        Console.WriteLine($"Vector512 accelerated: {Vector512.IsHardwareAccelerated}, Avx512BW: {Avx512BW.IsSupported}, Popcnt.X64: {Popcnt.X64.IsSupported}");
        double popcnt = PopcntPeakBitsPerCycle(hz);
        double lut = NibbleLutPeakBitsPerCycle(hz);
        Console.WriteLine($"popcount peak, one core, L1-resident 2 KiB buffer: POPCNT 8 per iteration, 4 accumulators {popcnt:F1} bits/cycle ({popcnt / 64:F2} popcnt/cycle); Vector512 nibble-LUT+SAD {lut:F1} bits/cycle");

        var rng = new Random(1);
        int words = BitLayout.WordsPerRow(size);
        var a = new ulong[size * words];
        var b = new ulong[size * words];
        for (int i = 0; i < a.Length; i++) a[i] = (ulong)rng.NextInt64();
        for (int i = 0; i < b.Length; i++) b[i] = (ulong)rng.NextInt64();
        ClearPadding(a, size, words, size);
        ClearPadding(b, size, words, size);
        var c = new int[size * size];
        double macs = (double)size * size * size;
        for (int round = 0; round < rounds; round++)
        foreach (int threads in new[] { 1, 2 })
        {
            Report($"XnorGemm.Multiply (dispatch)  m=n=k={size} threads={threads}", macs, hz, threads, () => XnorGemm.Multiply(a, b, size, size, size, c, threads));
            Report($"  vector512 nibble-LUT 4x16   m=n=k={size} threads={threads}", macs, hz, threads, () => XnorGemm.MultiplyVector512(a, b, size, size, size, c, threads));
            Report($"  vector512 Harley-Seal 1x16  m=n=k={size} threads={threads}", macs, hz, threads, () => XnorGemm.MultiplyHarleySeal512(a, b, size, size, size, c, threads));
            Report($"  blocked POPCNT 2x4          m=n=k={size} threads={threads}", macs, hz, threads, () => XnorGemm.MultiplyBlocked(a, b, size, size, size, c, threads));
        }
        Report($"  scalar reference            m=n=k={size} threads=1", macs, hz, 1, () => XnorGemm.MultiplyScalar(a, b, size, size, size, c));
    }

    private static void Report(string label, double macs, double hz, int threads, Action run)
    {
        var (wall, cpu) = BestSeconds(run);
        Console.WriteLine($"{label}: {wall * 1e3:F3} ms wall, {macs / (wall * hz):F1} bit-MACs/cycle total (wall), " +
            $"{macs / (cpu * hz):F1} per core (process CPU time, {cpu / wall:F2} cores busy)");
    }

    /// <summary>
    /// Best of 7 samples of (wall, process CPU) seconds per call; each sample repeats the call for ≥ 100 ms.
    /// The machine is shared, so the minimum is the least disturbed figure; CPU time excludes time spent descheduled.
    /// </summary>
    private static (double Wall, double Cpu) BestSeconds(Action run)
    {
        run();
        int calls = 1;
        while (true)
        {
            long t0 = Stopwatch.GetTimestamp();
            for (int i = 0; i < calls; i++) run();
            if (Stopwatch.GetElapsedTime(t0).TotalSeconds >= 0.1) break;
            calls *= 2;
        }
        double bestWall = double.MaxValue, bestCpu = double.MaxValue;
        for (int sample = 0; sample < 7; sample++)
        {
            double c0 = ProcessCpuSeconds();
            long t0 = Stopwatch.GetTimestamp();
            for (int i = 0; i < calls; i++) run();
            double wall = Stopwatch.GetElapsedTime(t0).TotalSeconds / calls;
            double cpu = (ProcessCpuSeconds() - c0) / calls;
            bestWall = Math.Min(bestWall, wall);
            bestCpu = Math.Min(bestCpu, cpu);
        }
        return (bestWall, bestCpu);
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [DllImport("libc", EntryPoint = "clock_gettime")]
    private static extern int ClockGetTime(int clock, out TimeSpec time);

    private const int ClockProcessCpuTime = 2, ClockThreadCpuTime = 3;

    private static double CpuSeconds(int clock) => ClockGetTime(clock, out TimeSpec t) == 0 ? t.Seconds + t.Nanoseconds * 1e-9 : double.NaN;

    private static double ProcessCpuSeconds() => CpuSeconds(ClockProcessCpuTime);

    private static void ClearPadding(ulong[] packed, int rows, int words, int bits)
    {
        ulong mask = BitLayout.LastWordMask(bits);
        for (int r = 0; r < rows; r++) packed[r * words + words - 1] &= mask;
    }

    private static double MeasureClockHz()
    {
        const long iterations = 50_000_000;
        var best = double.MaxValue;
        for (int r = 0; r < 7; r++)
        {
            double t0 = CpuSeconds(ClockThreadCpuTime);
            s_sink += DependentChain(iterations, r, 0x5555, 0x3333, 0x0F0F);
            best = Math.Min(best, CpuSeconds(ClockThreadCpuTime) - t0);
        }
        return 8.0 * iterations / best;
    }

    private static long s_sink;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static long DependentChain(long iterations, long x, long p, long q, long s)
    {
        for (long i = 0; i < iterations; i++)
        {
            x = ((((((((x + i) ^ p) + q) ^ s) + p) ^ q) + s) ^ i);
        }
        return x;
    }

    private static string ProcCpuMhz()
    {
        try
        {
            string? line = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("cpu MHz", StringComparison.Ordinal));
            return line is null ? "n/a" : line.Split(':')[1].Trim();
        }
        catch (IOException)
        {
            return "n/a";
        }
    }

    private static double PopcntPeakBitsPerCycle(double hz)
    {
        var buffer = new ulong[256];
        var rng = new Random(3);
        for (int i = 0; i < buffer.Length; i++) buffer[i] = (ulong)rng.NextInt64();
        const int passes = 20_000;
        double seconds = BestSeconds(() => s_sink += PopcntLoop(buffer, passes)).Cpu;
        return 64.0 * buffer.Length * passes / (seconds * hz);
    }

    /// <summary>8 popcounts per iteration into 4 accumulators; refs instead of indexing so nothing is bounds-checked or spilled.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static long PopcntLoop(ulong[] buffer, int passes)
    {
        ref ulong start = ref MemoryMarshal.GetArrayDataReference(buffer);
        int length = buffer.Length;
        ulong c0 = 0, c1 = 0, c2 = 0, c3 = 0;
        for (int p = 0; p < passes; p++)
        {
            for (int i = 0; i < length; i += 8)
            {
                ref ulong x = ref Unsafe.Add(ref start, i);
                c0 += Popcnt.X64.PopCount(x); c1 += Popcnt.X64.PopCount(Unsafe.Add(ref x, 1));
                c2 += Popcnt.X64.PopCount(Unsafe.Add(ref x, 2)); c3 += Popcnt.X64.PopCount(Unsafe.Add(ref x, 3));
                c0 += Popcnt.X64.PopCount(Unsafe.Add(ref x, 4)); c1 += Popcnt.X64.PopCount(Unsafe.Add(ref x, 5));
                c2 += Popcnt.X64.PopCount(Unsafe.Add(ref x, 6)); c3 += Popcnt.X64.PopCount(Unsafe.Add(ref x, 7));
            }
        }
        return (long)(c0 + c1 + c2 + c3);
    }

    private static double NibbleLutPeakBitsPerCycle(double hz)
    {
        var buffer = new ulong[256];
        var rng = new Random(4);
        for (int i = 0; i < buffer.Length; i++) buffer[i] = (ulong)rng.NextInt64();
        const int passes = 20_000;
        double seconds = BestSeconds(() => s_sink += NibbleLutLoop(buffer, passes)).Cpu;
        return 64.0 * buffer.Length * passes / (seconds * hz);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static long NibbleLutLoop(ulong[] buffer, int passes)
    {
        Vector512<ulong> total = default;
        for (int p = 0; p < passes; p++)
        {
            Vector512<byte> s0 = default, s1 = default, s2 = default, s3 = default;
            for (int i = 0; i < buffer.Length; i += 32)
            {
                s0 += PopCountGemm.LaneByteCounts(Vector512.Create(buffer.AsSpan(i, 8)));
                s1 += PopCountGemm.LaneByteCounts(Vector512.Create(buffer.AsSpan(i + 8, 8)));
                s2 += PopCountGemm.LaneByteCounts(Vector512.Create(buffer.AsSpan(i + 16, 8)));
                s3 += PopCountGemm.LaneByteCounts(Vector512.Create(buffer.AsSpan(i + 24, 8)));
            }
            total += PopCountGemm.SumBytesPerLane(s0) + PopCountGemm.SumBytesPerLane(s1)
                + PopCountGemm.SumBytesPerLane(s2) + PopCountGemm.SumBytesPerLane(s3);
        }
        return (long)Vector512.Sum(total);
    }
}
