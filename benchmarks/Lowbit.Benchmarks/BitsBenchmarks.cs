using BenchmarkDotNet.Attributes;
using Lowbit.Kernels.Bits;

namespace Lowbit.Benchmarks;

/// <summary>
/// <see cref="XnorGemm"/> paths on square m = n = k (bits) problems, including sizes with a word tail, at 1 and 2
/// threads; the scalar reference is the baseline. Bit-MACs per cycle come from the quick timing mode
/// (<see cref="BitsTiming"/>); this class gives BenchmarkDotNet's statistics for the same calls.
/// Run: <c>dotnet run -c Release --project benchmarks/Lowbit.Benchmarks -- --filter '*BitsBenchmarks*'</c>.
/// </summary>
[MemoryDiagnoser]
public class BitsBenchmarks
{
    private ulong[] _a = [], _b = [];
    private int[] _c = [];

    /// <summary>m = n = k in bits; 1000 has a 40-bit tail word.</summary>
    [Params(256, 1000, 1024)]
    public int Size { get; set; }

    [Params(1, 2)]
    public int Threads { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(7);
        float[] a = Enumerable.Range(0, Size * Size).Select(_ => (float)(rng.NextDouble() - 0.5)).ToArray();
        float[] b = Enumerable.Range(0, Size * Size).Select(_ => (float)(rng.NextDouble() - 0.5)).ToArray();
        int words = BitLayout.WordsPerRow(Size);
        _a = new ulong[Size * words];
        _b = new ulong[Size * words];
        BitPacking.PackSigns(a, Size, Size, _a);
        BitPacking.PackSigns(b, Size, Size, _b);
        _c = new int[Size * Size];
    }

    [Benchmark(Baseline = true)]
    public void Scalar() => XnorGemm.MultiplyScalar(_a, _b, Size, Size, Size, _c);

    [Benchmark]
    public void BlockedPopcnt() => XnorGemm.MultiplyBlocked(_a, _b, Size, Size, Size, _c, Threads);

    [Benchmark]
    public void Vector512NibbleLookup() => XnorGemm.MultiplyVector512(_a, _b, Size, Size, Size, _c, Threads);

    [Benchmark]
    public void Vector512HarleySeal() => XnorGemm.MultiplyHarleySeal512(_a, _b, Size, Size, Size, _c, Threads);

    [Benchmark]
    public void Dispatch() => XnorGemm.Multiply(_a, _b, Size, Size, Size, _c, Threads);
}
