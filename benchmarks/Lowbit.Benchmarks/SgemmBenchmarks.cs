using BenchmarkDotNet.Attributes;
using Lowbit.Kernels.Gemm;

namespace Lowbit.Benchmarks;

/// <summary>
/// <see cref="Sgemm.Multiply"/> on the square 1024³ case and the training shapes (forward, both backward
/// products, im2col convolution) in all four transpose combinations, with 1 and 2 threads.
/// Run: <c>dotnet run -c Release --project benchmarks/Lowbit.Benchmarks -- --filter '*SgemmBenchmarks*'</c>.
/// </summary>
[MemoryDiagnoser]
public class SgemmBenchmarks
{
    private float[] _a = [], _b = [], _c = [];

    /// <summary>Shape as "m,n,k".</summary>
    [Params("1024,1024,1024", "100,1024,1024", "100,1024,784", "1024,1024,100", "100,784,1024", "64,784,288")]
    public string Shape { get; set; } = "";

    [Params("NN", "NT", "TN", "TT")]
    public string Trans { get; set; } = "";

    [Params(1, 2)]
    public int Threads { get; set; }

    private int _m, _n, _k;

    [GlobalSetup]
    public void Setup()
    {
        int[] dims = Shape.Split(',').Select(int.Parse).ToArray();
        (_m, _n, _k) = (dims[0], dims[1], dims[2]);
        var rng = new Random(42);
        _a = Enumerable.Range(0, _m * _k).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
        _b = Enumerable.Range(0, _k * _n).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
        _c = new float[_m * _n];
    }

    [Benchmark]
    public void Multiply()
    {
        bool ta = Trans[0] == 'T', tb = Trans[1] == 'T';
        Sgemm.Multiply(ta, tb, _m, _n, _k, 1f, _a, ta ? _m : _k, _b, tb ? _k : _n, 0f, _c, _n, Threads);
    }
}
