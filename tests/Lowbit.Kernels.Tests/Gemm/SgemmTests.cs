using System.Runtime.Intrinsics;
using Lowbit.Kernels.Gemm;

namespace Lowbit.Kernels.Tests.Gemm;

public class SgemmTests
{
    private delegate void GemmPath(bool transA, bool transB, int m, int n, int k, float alpha,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc, int threads);

    private static GemmPath PathFor(string name) => name switch
    {
        "Vector512" => Sgemm.MultiplyVector512,
        "Vector256" => Sgemm.MultiplyVector256,
        "Dispatch" => Sgemm.Multiply,
        "Scalar" => (ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, _) =>
            Sgemm.MultiplyScalar(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc),
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "unknown path"),
    };

    public static TheoryData<string, bool, bool> PathsAndTransposes()
    {
        var data = new TheoryData<string, bool, bool>();
        foreach (string path in new[] { "Vector512", "Vector256", "Dispatch", "Scalar" })
        {
            foreach (bool ta in new[] { false, true })
            {
                foreach (bool tb in new[] { false, true })
                    data.Add(path, ta, tb);
            }
        }

        return data;
    }

    /// <summary>Shapes around every tile edge (6, 8, 16, 32), 0 and 1, and k beyond one Kc block.</summary>
    [Theory]
    [MemberData(nameof(PathsAndTransposes))]
    public void Multiply_EdgeShapes_MatchesDoubleReference(string path, bool transA, bool transB)
    {
        int[] ms = [0, 1, 5, 6, 7, 8, 9, 13, 17];
        int[] ns = [0, 1, 15, 16, 17, 31, 32, 33, 65];
        int[] ks = [0, 1, 7, 8, 9, Sgemm.Kc + 3];
        int seed = 1;
        foreach (int m in ms)
        {
            foreach (int n in ns)
            {
                foreach (int k in ks)
                    CheckAgainstReference(PathFor(path), transA, transB, m, n, k, 1.5f, 0.5f, pad: 3, threads: 1, seed++);
            }
        }
    }

    [Theory]
    [MemberData(nameof(PathsAndTransposes))]
    public void Multiply_AlphaBetaValues_MatchesDoubleReference(string path, bool transA, bool transB)
    {
        (float Alpha, float Beta)[] cases = [(1f, 0f), (-2.5f, 0f), (1f, 1f), (0.5f, -2f), (0f, 0.75f), (0f, 0f), (3f, 1f)];
        int seed = 100;
        foreach ((float alpha, float beta) in cases)
            CheckAgainstReference(PathFor(path), transA, transB, 19, 45, 37, alpha, beta, pad: 5, threads: 1, seed++);
    }

    /// <summary>Crosses the Nc and Kc block edges, padded leading dimensions, both thread splits (columns, rows).</summary>
    [Theory]
    [InlineData("Vector512", 37, Sgemm.Nc + 90, Sgemm.Kc + 44)]
    [InlineData("Vector512", 300, 40, 200)]
    [InlineData("Vector256", 37, Sgemm.Nc + 90, Sgemm.Kc + 44)]
    [InlineData("Vector256", 300, 40, 200)]
    [InlineData("Dispatch", 101, 300, 130)]
    public void Multiply_LargeShapesTwoThreads_MatchesDoubleReference(string path, int m, int n, int k)
    {
        foreach (bool ta in new[] { false, true })
        {
            foreach (bool tb in new[] { false, true })
                CheckAgainstReference(PathFor(path), ta, tb, m, n, k, 0.75f, -0.5f, pad: 7, threads: 2, seed: m + n + k);
        }
    }

    /// <summary>
    /// Threads own whole tiles and never split k, and edge tiles use the interior arithmetic, so any thread count
    /// gives the same bits. The shapes are big enough to pass the parallel threshold.
    /// </summary>
    [Theory]
    [InlineData("Vector512", 37, Sgemm.Nc + 90, Sgemm.Kc + 44)]
    [InlineData("Vector512", 300, 40, 200)]
    [InlineData("Vector256", 37, Sgemm.Nc + 90, Sgemm.Kc + 44)]
    [InlineData("Vector256", 300, 40, 200)]
    [InlineData("Vector512", 64, 288, 300)] // split by row panels (4 + 4 beats 5 + 4 columns)
    [InlineData("Vector256", 60, 290, 300)] // split by row panels on the 6 x 16 path
    public void Multiply_TwoOrThreeThreads_BitIdenticalToOneThread(string path, int m, int n, int k)
    {
        Assert.True((long)m * n * k >= Sgemm.ParallelThreshold, "shape too small to run in parallel");
        GemmPath gemm = PathFor(path);
        foreach (bool ta in new[] { false, true })
        {
            foreach (bool tb in new[] { false, true })
            {
                var rng = new Random(7);
                float[] a = RandomArray(rng, m * k), b = RandomArray(rng, k * n), c0 = RandomArray(rng, m * n);
                int lda = ta ? m : k, ldb = tb ? k : n;
                float[] one = (float[])c0.Clone(), two = (float[])c0.Clone(), three = (float[])c0.Clone();
                gemm(ta, tb, m, n, k, 1.25f, a, lda, b, ldb, 0.5f, one, n, 1);
                gemm(ta, tb, m, n, k, 1.25f, a, lda, b, ldb, 0.5f, two, n, 2);
                gemm(ta, tb, m, n, k, 1.25f, a, lda, b, ldb, 0.5f, three, n, 3);
                for (int i = 0; i < one.Length; i++)
                {
                    Assert.True(BitConverter.SingleToInt32Bits(one[i]) == BitConverter.SingleToInt32Bits(two[i]),
                        $"{path} transA={ta} transB={tb} index {i}: 1 thread {one[i]:R}, 2 threads {two[i]:R}");
                    Assert.True(BitConverter.SingleToInt32Bits(one[i]) == BitConverter.SingleToInt32Bits(three[i]),
                        $"{path} transA={ta} transB={tb} index {i}: 1 thread {one[i]:R}, 3 threads {three[i]:R}");
                }
            }
        }
    }

    [Theory]
    [InlineData("Vector512")]
    [InlineData("Vector256")]
    [InlineData("Dispatch")]
    [InlineData("Scalar")]
    public void Multiply_BetaZero_OverwritesNaN(string path)
    {
        const int m = 11, n = 35, k = 9;
        var rng = new Random(3);
        float[] a = RandomArray(rng, m * k), b = RandomArray(rng, k * n);
        foreach (float alpha in new[] { 1f, 0f })
        {
            float[] c = Enumerable.Repeat(float.NaN, m * n).ToArray();
            PathFor(path)(false, false, m, n, k, alpha, a, k, b, n, 0f, c, n, 1);
            Assert.All(c, v => Assert.False(float.IsNaN(v), $"alpha={alpha}: NaN survived beta = 0"));
        }
    }

    [Fact]
    public void Multiply_DispatchTier_MatchesHardware()
    {
        // The AVX-512 kernel is what runs when the hardware has it; CI reruns with DOTNET_EnableAVX512=0 etc.
        string? avx512 = Environment.GetEnvironmentVariable("DOTNET_EnableAVX512");
        if (avx512 == "0") Assert.False(Vector512.IsHardwareAccelerated);
        string? hw = Environment.GetEnvironmentVariable("DOTNET_EnableHWIntrinsic");
        if (hw == "0") Assert.False(Vector256.IsHardwareAccelerated);
    }

    public static TheoryData<string, Action> BadArguments() => new()
    {
        { "m", () => Sgemm.Multiply(false, false, -1, 2, 2, 1f, new float[4], 2, new float[4], 2, 0f, new float[4], 2) },
        { "n", () => Sgemm.Multiply(false, false, 2, -1, 2, 1f, new float[4], 2, new float[4], 2, 0f, new float[4], 2) },
        { "k", () => Sgemm.Multiply(false, false, 2, 2, -1, 1f, new float[4], 2, new float[4], 2, 0f, new float[4], 2) },
        { "a", () => Sgemm.Multiply(false, false, 2, 2, 3, 1f, new float[6], 2, new float[6], 2, 0f, new float[4], 2) },
        { "a", () => Sgemm.Multiply(false, false, 2, 2, 2, 1f, new float[3], 2, new float[4], 2, 0f, new float[4], 2) },
        { "a", () => Sgemm.Multiply(true, false, 3, 2, 2, 1f, new float[6], 2, new float[4], 2, 0f, new float[6], 2) },
        { "b", () => Sgemm.Multiply(false, true, 2, 3, 2, 1f, new float[4], 2, new float[6], 1, 0f, new float[6], 3) },
        { "b", () => Sgemm.Multiply(false, false, 2, 2, 2, 1f, new float[4], 2, new float[3], 2, 0f, new float[4], 2) },
        { "c", () => Sgemm.Multiply(false, false, 2, 2, 2, 1f, new float[4], 2, new float[4], 2, 0f, new float[4], 1) },
        { "c", () => Sgemm.Multiply(false, false, 2, 2, 2, 1f, new float[4], 2, new float[4], 2, 0f, new float[3], 2) },
        { "threads", () => Sgemm.Multiply(false, false, 2, 2, 2, 1f, new float[4], 2, new float[4], 2, 0f, new float[4], 2, 0) },
        { "threads", () => Sgemm.MultiplyVector512(false, false, 2, 2, 2, 1f, new float[4], 2, new float[4], 2, 0f, new float[4], 2, 0) },
        { "c", () => Sgemm.MultiplyVector256(false, false, 2, 2, 2, 1f, new float[4], 2, new float[4], 2, 0f, new float[3], 2) },
    };

    [Theory]
    [MemberData(nameof(BadArguments))]
    public void Multiply_BadArguments_ThrowsNamingParameter(string parameter, Action call)
    {
        ArgumentException ex = Assert.ThrowsAny<ArgumentException>(call);
        Assert.Equal(parameter, ex.ParamName);
    }

    /// <summary>
    /// Runs <paramref name="gemm"/> on random data with leading dimensions padded by <paramref name="pad"/> and
    /// checks every element against a double-precision product with tolerance
    /// (k + 4)·2⁻²³·(|alpha|·Σ|a·b| + |beta·c|): a bound on float rounding in any summation order. The C padding
    /// holds a sentinel that must survive.
    /// </summary>
    private static void CheckAgainstReference(GemmPath gemm, bool transA, bool transB, int m, int n, int k,
        float alpha, float beta, int pad, int threads, int seed)
    {
        var rng = new Random(seed);
        int lda = (transA ? m : k) + pad, ldb = (transB ? k : n) + pad, ldc = n + pad;
        float[] a = RandomArray(rng, (transA ? k : m) * lda);
        float[] b = RandomArray(rng, (transB ? n : k) * ldb);
        float[] c = RandomArray(rng, m * ldc);
        const float Sentinel = 12345.5f;
        for (int i = 0; i < m; i++)
            c.AsSpan(i * ldc + n, pad).Fill(Sentinel);
        float[] c0 = (float[])c.Clone();

        gemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, threads);

        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                double sum = 0, magnitude = 0;
                for (int p = 0; p < k; p++)
                {
                    double av = transA ? a[p * lda + i] : a[i * lda + p];
                    double bv = transB ? b[j * ldb + p] : b[p * ldb + j];
                    sum += av * bv;
                    magnitude += Math.Abs(av * bv);
                }

                double cOld = c0[i * ldc + j];
                double expected = alpha * sum + (beta == 0f ? 0 : beta * cOld);
                double tolerance = (k + 4) * Math.Pow(2, -23) * (Math.Abs(alpha) * magnitude + Math.Abs(beta * cOld)) + 1e-30;
                float actual = c[i * ldc + j];
                Assert.True(Math.Abs(actual - expected) <= tolerance,
                    $"transA={transA} transB={transB} m={m} n={n} k={k} alpha={alpha} beta={beta} threads={threads} seed={seed}: " +
                    $"C[{i},{j}] expected {expected:R}, actual {actual:R}, tolerance {tolerance:E2}");
            }

            for (int j = n; j < ldc; j++)
                Assert.True(c[i * ldc + j] == Sentinel, $"m={m} n={n} k={k} seed={seed}: padding C[{i},{j}] overwritten");
        }
    }

    private static float[] RandomArray(Random rng, int length)
    {
        var x = new float[length];
        for (int i = 0; i < x.Length; i++) x[i] = (float)(rng.NextDouble() * 2 - 1);
        return x;
    }

    [Theory]
    [InlineData(13, 32, 2, true)]   // MLP forward at batch 100: 16 + 16 column panels
    [InlineData(8, 9, 2, false)]    // conv filter gradient: 4 + 4 row panels beat 5 + 4 column panels
    [InlineData(128, 25, 2, false)] // weight gradient 1024 x 784: 64 + 64 rows beat 13 + 12 columns
    [InlineData(1, 25, 2, true)]    // a single row panel cannot feed two threads
    [InlineData(32, 32, 2, true)]   // tie: columns
    public void SplitColumns_PicksTheBetterBalancedSplit(int rowPanels, int colPanels, int threads, bool expected)
        => Assert.Equal(expected, Sgemm.SplitColumns(rowPanels, colPanels, threads));
}
