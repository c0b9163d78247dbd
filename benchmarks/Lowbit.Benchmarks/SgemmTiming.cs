using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using Lowbit.Kernels.Gemm;

namespace Lowbit.Benchmarks;

/// <summary>
/// Plain stopwatch timing of <see cref="Sgemm.Multiply"/> for the peer-ratio script
/// (<c>benchmarks/sgemm-ratio.sh</c>); BenchmarkDotNet's <see cref="SgemmBenchmarks"/> is the precise measurement.
/// </summary>
/// <remarks>
/// Prints one line per case: <c>lowbit transA transB m n k threads wallGflops cpuGflops</c>, each the best of 25
/// timed samples after warm-up, the same protocol as <c>benchmarks/peers/sgemm_numpy.py</c>. cpuGflops divides by
/// the process CPU time (CLOCK_PROCESS_CPUTIME_ID) instead of wall time: on a shared, oversubscribed machine it
/// is the steadier single-thread figure (time spent descheduled is not counted).
/// Usage: <c>sgemm-ratio [threads ...]</c> (default 1 2).
/// </remarks>
public static partial class SgemmTiming
{
    /// <summary>(m, n, k) shapes: square, training forward, backward weight-gradient, im2col conv.</summary>
    public static readonly (int M, int N, int K)[] Shapes =
        [(1024, 1024, 1024), (100, 1024, 1024), (100, 1024, 784), (1024, 1024, 100), (100, 784, 1024), (64, 784, 288)];

    public static void Run(string[] args)
    {
        int[] threadCounts = args.Length > 0 ? args.Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray() : [1, 2];
        var rng = new Random(42);
        foreach ((int m, int n, int k) in Shapes)
        {
            float[] a = RandomArray(rng, m * k), b = RandomArray(rng, k * n), c = new float[m * n];
            foreach (int threads in threadCounts)
            {
                foreach ((bool ta, bool tb) in new[] { (false, false), (false, true), (true, false), (true, true) })
                {
                    (double wall, double cpu) = Measure(ta, tb, m, n, k, a, b, c, threads);
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"lowbit {(ta ? 'T' : 'N')} {(tb ? 'T' : 'N')} {m} {n} {k} {threads} {wall:F1} {cpu:F1}"));
                }
            }
        }
    }

    private static (double Wall, double Cpu) Measure(bool ta, bool tb, int m, int n, int k, float[] a, float[] b, float[] c, int threads)
    {
        int lda = ta ? m : k, ldb = tb ? k : n;
        double flops = 2.0 * m * n * k;
        // Repetitions per sample so that one sample lasts about 20 ms at 50 GFLOP/s.
        int reps = Math.Max(1, (int)(20e-3 * 50e9 / flops));
        double bestWall = double.MaxValue, bestCpu = double.MaxValue;
        for (int sample = 0; sample < 28; sample++)
        {
            long start = Stopwatch.GetTimestamp();
            double cpuStart = ProcessCpuSeconds();
            for (int r = 0; r < reps; r++)
                Sgemm.Multiply(ta, tb, m, n, k, 1f, a, lda, b, ldb, 0f, c, n, threads);
            double cpu = (ProcessCpuSeconds() - cpuStart) / reps;
            double wall = Stopwatch.GetElapsedTime(start).TotalSeconds / reps;
            if (sample < 3) continue; // warm-up (tiering, caches)
            bestWall = Math.Min(bestWall, wall);
            bestCpu = Math.Min(bestCpu, cpu);
        }

        return (flops / bestWall / 1e9, flops / bestCpu / 1e9);
    }

    private const int ClockProcessCpuTimeId = 2; // CLOCK_PROCESS_CPUTIME_ID on Linux

    internal static double ProcessCpuSeconds()
    {
        if (ClockGetTime(ClockProcessCpuTimeId, out Timespec ts) != 0)
            throw new InvalidOperationException("clock_gettime(CLOCK_PROCESS_CPUTIME_ID) failed; this timing mode needs Linux.");
        return ts.Seconds + ts.Nanoseconds * 1e-9;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct Timespec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [LibraryImport("libc", EntryPoint = "clock_gettime")]
    private static partial int ClockGetTime(int clockId, out Timespec ts);

    private static float[] RandomArray(Random rng, int length)
    {
        var x = new float[length];
        for (int i = 0; i < x.Length; i++) x[i] = (float)(rng.NextDouble() * 2 - 1);
        return x;
    }
}
