using System.Runtime.Intrinsics;
using Lowbit.Kernels.Bits;

namespace Lowbit.Kernels.Tests.Bits;

public class XnorGemmTests
{
    private delegate void Path(ReadOnlySpan<ulong> a, ReadOnlySpan<ulong> b, int m, int n, int bits, Span<int> c);

    private static readonly (string Name, Path Run)[] s_paths =
    [
        ("scalar", XnorGemm.MultiplyScalar),
        ("blocked", (a, b, m, n, k, c) => XnorGemm.MultiplyBlocked(a, b, m, n, k, c)),
        ("blocked-2t", (a, b, m, n, k, c) => XnorGemm.MultiplyBlocked(a, b, m, n, k, c, 2)),
        ("vector512", (a, b, m, n, k, c) => XnorGemm.MultiplyVector512(a, b, m, n, k, c)),
        ("vector512-2t", (a, b, m, n, k, c) => XnorGemm.MultiplyVector512(a, b, m, n, k, c, 2)),
        ("harley-seal512", (a, b, m, n, k, c) => XnorGemm.MultiplyHarleySeal512(a, b, m, n, k, c)),
        ("harley-seal512-2t", (a, b, m, n, k, c) => XnorGemm.MultiplyHarleySeal512(a, b, m, n, k, c, 2)),
        ("vector256", (a, b, m, n, k, c) => XnorGemm.MultiplyVector256(a, b, m, n, k, c)),
        ("vector256-2t", (a, b, m, n, k, c) => XnorGemm.MultiplyVector256(a, b, m, n, k, c, 2)),
        ("harley-seal256", (a, b, m, n, k, c) => XnorGemm.MultiplyHarleySeal256(a, b, m, n, k, c)),
        ("harley-seal256-2t", (a, b, m, n, k, c) => XnorGemm.MultiplyHarleySeal256(a, b, m, n, k, c, 2)),
        ("dispatch", (a, b, m, n, k, c) => XnorGemm.Multiply(a, b, m, n, k, c)),
        ("dispatch-3t", (a, b, m, n, k, c) => XnorGemm.Multiply(a, b, m, n, k, c, 3)),
        ("packed", (a, b, m, n, k, c) => XnorGemm.MultiplyPacked(a, XnorWeights.Pack(b, n, k), m, c)),
        ("packed-2t", (a, b, m, n, k, c) => XnorGemm.MultiplyPacked(a, XnorWeights.Pack(b, n, k), m, c, 2)),
        ("packed-5t", (a, b, m, n, k, c) => XnorGemm.MultiplyPacked(a, XnorWeights.Pack(b, n, k), m, c, 5)),
        ("prepacked512-2t", (a, b, m, n, k, c) => XnorGemm.MultiplyPrepacked(a, XnorWeights.Pack(b, n, k), m, c, 2, PopCountGemm.PanelKernel.Lookup512)),
        ("prepacked-harley-seal512-3t", (a, b, m, n, k, c) => XnorGemm.MultiplyPrepacked(a, XnorWeights.Pack(b, n, k), m, c, 3, PopCountGemm.PanelKernel.HarleySeal512)),
        ("prepacked256-2t", (a, b, m, n, k, c) => XnorGemm.MultiplyPrepacked(a, XnorWeights.Pack(b, n, k), m, c, 2, PopCountGemm.PanelKernel.Lookup256)),
        ("prepacked-harley-seal256-3t", (a, b, m, n, k, c) => XnorGemm.MultiplyPrepacked(a, XnorWeights.Pack(b, n, k), m, c, 3, PopCountGemm.PanelKernel.HarleySeal256)),
    ];

    [Theory]
    [MemberData(nameof(BitTestData.LengthData), MemberType = typeof(BitTestData))]
    public void Multiply_EveryPath_MatchesFloatGemmOnSigns(int k)
    {
        foreach (int m in BitTestData.Rows)
        {
            foreach (int n in new[] { 1, 3, 7, 12, 17, 33 })
            {
                int seed = k * 1000 + m * 50 + n;
                var rng = new Random(seed);
                float[] a = BitTestData.Signs(rng, m * k), b = BitTestData.Signs(rng, n * k);
                int[] expected = BitTestData.SignDotReference(a, b, m, n, k);
                ulong[] pa = BitTestData.Pack(a, m, k), pb = BitTestData.Pack(b, n, k);
                foreach (var (name, run) in s_paths)
                {
                    var c = new int[m * n];
                    Array.Fill(c, int.MinValue);
                    run(pa, pb, m, n, k, c);
                    BitTestData.Equal<int>(expected, c, $"{name} seed={seed} m={m} n={n} k={k}");
                }
            }
        }
    }

    [Theory]
    [InlineData(1, 1031, 1100)]
    [InlineData(2, 1029, 1024)]
    [InlineData(7, 517, 700)]
    [InlineData(40, 300, 129)]
    public void MultiplyPacked_LargeEnoughToSplitRowsOrColumns_MatchesScalar(int m, int n, int k)
    {
        var rng = new Random(m * 7 + n);
        ulong[] pa = BitTestData.Pack(BitTestData.Signs(rng, m * k), m, k), pb = BitTestData.Pack(BitTestData.Signs(rng, n * k), n, k);
        var expected = new int[m * n];
        XnorGemm.MultiplyScalar(pa, pb, m, n, k, expected);
        var weights = XnorWeights.Pack(pb, n, k);
        foreach (int threads in new[] { 1, 2, 3 })
        {
            var c = new int[m * n];
            XnorGemm.MultiplyPacked(pa, weights, m, c, threads);
            BitTestData.Equal<int>(expected, c, $"packed threads={threads} m={m} n={n} k={k}");
            foreach (var kernel in Enum.GetValues<PopCountGemm.PanelKernel>())
            {
                Array.Fill(c, int.MinValue);
                XnorGemm.MultiplyPrepacked(pa, weights, m, c, threads, kernel);
                BitTestData.Equal<int>(expected, c, $"prepacked {kernel} threads={threads} m={m} n={n} k={k}");
            }
        }
    }

    [Fact]
    public void Multiply_EveryLengthUpTo20Words_EveryPathMatchesScalar()
    {
        const int m = 5, n = 17;
        for (int k = 0; k <= 20 * 64 + 3; k += k < 260 ? 1 : 61)
        {
            var rng = new Random(k);
            ulong[] pa = BitTestData.Pack(BitTestData.Signs(rng, m * k), m, k), pb = BitTestData.Pack(BitTestData.Signs(rng, n * k), n, k);
            var expected = new int[m * n];
            XnorGemm.MultiplyScalar(pa, pb, m, n, k, expected);
            foreach (var (name, run) in s_paths)
            {
                var c = new int[m * n];
                run(pa, pb, m, n, k, c);
                BitTestData.Equal<int>(expected, c, $"{name} seed={k} k={k}");
            }
        }
    }

    [Theory]
    [InlineData(8, 16, 2048)]
    [InlineData(9, 40, 2000)]
    [InlineData(12, 32, 4096)]
    [InlineData(3, 9, 64 * 8 * 33 + 7 * 64 + 5)]
    public void Multiply_LongRows_VectorMatchesScalarPastByteCounterChunk(int m, int n, int k)
    {
        // k ≥ 31 words exercises more than one byte-counter chunk; all-disagreeing rows hit the maximum count per byte.
        var rng = new Random(m * n + k);
        float[] a = BitTestData.Signs(rng, m * k), b = BitTestData.Signs(rng, n * k);
        for (int p = 0; p < k; p++) b[p] = -BitTestData.Sign(a[p]);
        ulong[] pa = BitTestData.Pack(a, m, k), pb = BitTestData.Pack(b, n, k);
        var expected = new int[m * n];
        XnorGemm.MultiplyScalar(pa, pb, m, n, k, expected);
        Assert.Equal(-k, expected[0]);
        var actual = new int[m * n];
        XnorGemm.MultiplyVector512(pa, pb, m, n, k, actual, 2);
        BitTestData.Equal<int>(expected, actual, "vector512");
        XnorGemm.MultiplyBlocked(pa, pb, m, n, k, actual);
        BitTestData.Equal<int>(expected, actual, "blocked");
        XnorGemm.MultiplyHarleySeal512(pa, pb, m, n, k, actual, 2);
        BitTestData.Equal<int>(expected, actual, "harley-seal512");
        XnorGemm.MultiplyVector256(pa, pb, m, n, k, actual, 2);
        BitTestData.Equal<int>(expected, actual, "vector256");
        XnorGemm.MultiplyHarleySeal256(pa, pb, m, n, k, actual, 2);
        BitTestData.Equal<int>(expected, actual, "harley-seal256");
    }

    [Fact]
    public void Multiply_ZeroSizes_DoNothing()
    {
        XnorGemm.Multiply([], [], 0, 0, 10, []);
        var c = new int[6];
        XnorGemm.Multiply([], [], 2, 3, 0, c);
        Assert.All(c, v => Assert.Equal(0, v));
    }

    [Fact]
    public void Multiply_BadArguments_Throw()
    {
        var a = new ulong[4];
        var b = new ulong[6];
        var c = new int[6];
        Assert.Throws<ArgumentException>(() => XnorGemm.Multiply(a, b, 2, 3, 129, c));
        var ex = Assert.Throws<ArgumentException>(() => XnorGemm.Multiply(a, b, 2, 3, 100, new int[5]));
        Assert.Equal("c", ex.ParamName);
        Assert.Throws<ArgumentOutOfRangeException>(() => XnorGemm.Multiply(a, b, -1, 3, 100, c));
        Assert.Throws<ArgumentOutOfRangeException>(() => XnorGemm.Multiply(a, b, 2, 3, 100, c, 0));
        a[1] = 1UL << 50;
        ex = Assert.Throws<ArgumentException>(() => XnorGemm.Multiply(a, b, 2, 3, 100, c));
        Assert.Equal("a", ex.ParamName);
        Assert.Contains("padding", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Vector512_IsAcceleratedOnThisMachine_UnlessDisabled()
    {
        // CI reruns with DOTNET_EnableAVX512=0; then the dispatcher must fall back to the blocked path.
        if (Environment.GetEnvironmentVariable("DOTNET_EnableAVX512") == "0" || Environment.GetEnvironmentVariable("DOTNET_EnableHWIntrinsic") == "0")
            Assert.False(Vector512.IsHardwareAccelerated);
        else if (System.Runtime.Intrinsics.X86.Avx512BW.IsSupported)
            Assert.True(Vector512.IsHardwareAccelerated);
    }
}
