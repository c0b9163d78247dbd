using System.Diagnostics;
using System.Numerics;
using System.Runtime.CompilerServices;
using Lowbit.Kernels.Bits;

namespace Lowbit.Cli.Commands;

/// <summary>
/// Machine probes that <c>lowbit bench infer</c> runs beside its latency figures: the clock (a dependent chain of
/// 1-cycle integer ops), the scalar POPCNT peak of one core, and the XNOR GEMM rate at 1024³ bits, all per cycle of
/// process CPU time (the machine is shared, so wall time would measure the other users).
/// </summary>
internal static class BenchInferProbes
{
    /// <summary>Clock in Hz: 8 dependent add/xor ops per iteration, best of 5, process CPU time (single-threaded here).</summary>
    public static double ClockHz()
    {
        const long Iterations = 40_000_000;
        double best = double.MaxValue;
        long sink = 0;
        for (int r = 0; r < 5; r++)
        {
            double t0 = CpuSeconds();
            sink += DependentChain(Iterations, r, 0x5555, 0x3333, 0x0F0F);
            best = Math.Min(best, CpuSeconds() - t0);
        }
        GC.KeepAlive(sink);
        return 8.0 * Iterations / best;
    }

    /// <summary>Bits per cycle of <see cref="BitOperations.PopCount(ulong)"/> over an L1-resident 2 KiB buffer (4 accumulators).</summary>
    public static double PopCountBitsPerCycle(double hz)
    {
        var buffer = new ulong[256];
        var random = new Random(3);
        for (int i = 0; i < buffer.Length; i++) buffer[i] = (ulong)random.NextInt64();
        const int Passes = 20_000;
        long sink = 0;
        double seconds = BestCpuSeconds(() => sink += PopCountLoop(buffer, Passes), 1);
        GC.KeepAlive(sink);
        return 64.0 * buffer.Length * Passes / (seconds * hz);
    }

    /// <summary>bit-MACs per cycle per core of <see cref="XnorGemm.Multiply(ReadOnlySpan{ulong}, ReadOnlySpan{ulong}, int, int, int, Span{int}, int)"/> at size³ bits.</summary>
    public static double XnorGemmBitMacsPerCycle(int size, int threads, double hz)
    {
        var random = new Random(1);
        int words = BitLayout.WordsPerRow(size);
        var a = new ulong[size * words];
        var b = new ulong[size * words];
        for (int i = 0; i < a.Length; i++) a[i] = (ulong)random.NextInt64();
        for (int i = 0; i < b.Length; i++) b[i] = (ulong)random.NextInt64();
        ulong mask = BitLayout.LastWordMask(size);
        for (int r = 0; r < size; r++)
        {
            a[r * words + words - 1] &= mask;
            b[r * words + words - 1] &= mask;
        }
        var c = new int[size * size];
        double seconds = BestCpuSeconds(() => XnorGemm.Multiply(a, b, size, size, size, c, threads), 1);
        return (double)size * size * size / (seconds * hz);
    }

    /// <summary>Best CPU seconds of the calling thread per call over 5 samples of ≥ 100 ms each.</summary>
    private static double BestCpuSeconds(Action run, int warmups)
    {
        for (int i = 0; i < warmups; i++) run();
        int calls = 1;
        while (true)
        {
            var clock = Stopwatch.StartNew();
            for (int i = 0; i < calls; i++) run();
            if (clock.Elapsed.TotalSeconds >= 0.1) break;
            calls *= 2;
        }
        double best = double.MaxValue;
        for (int sample = 0; sample < 5; sample++)
        {
            double t0 = CpuSeconds();
            for (int i = 0; i < calls; i++) run();
            best = Math.Min(best, (CpuSeconds() - t0) / calls);
        }
        return best;
    }

    // The calling thread's CPU time where the OS gives it (the probes run on one thread): process CPU time also counts
    // what other threads of this process spend meanwhile (ONNX Runtime's and the inference pool's workers spinning
    // after the timed runs).
    private static double CpuSeconds() => ThreadCpuClock.IsAvailable
        ? (double)ThreadCpuClock.Now() / ThreadCpuClock.TicksPerSecond
        : Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static long DependentChain(long iterations, long x, long p, long q, long s)
    {
        for (long i = 0; i < iterations; i++) x = ((((((((x + i) ^ p) + q) ^ s) + p) ^ q) + s) ^ i);
        return x;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static long PopCountLoop(ulong[] buffer, int passes)
    {
        long s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        for (int p = 0; p < passes; p++)
        {
            for (int i = 0; i + 8 <= buffer.Length; i += 8)
            {
                s0 += BitOperations.PopCount(buffer[i]) + BitOperations.PopCount(buffer[i + 4]);
                s1 += BitOperations.PopCount(buffer[i + 1]) + BitOperations.PopCount(buffer[i + 5]);
                s2 += BitOperations.PopCount(buffer[i + 2]) + BitOperations.PopCount(buffer[i + 6]);
                s3 += BitOperations.PopCount(buffer[i + 3]) + BitOperations.PopCount(buffer[i + 7]);
            }
        }
        return s0 + s1 + s2 + s3;
    }
}
