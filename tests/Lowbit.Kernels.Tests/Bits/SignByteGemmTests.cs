using System.Runtime.Intrinsics.X86;
using Lowbit.Kernels.Bits;

namespace Lowbit.Kernels.Tests.Bits;

public class SignByteGemmTests
{
    /// <summary>Lengths straddling the 32/64-byte blocks, and long rows that need more than one 16-bit flush (64 blocks).</summary>
    public static TheoryData<int> Lengths() => new() { 1, 31, 32, 33, 63, 64, 65, 127, 128, 129, 784, 4095, 4096, 4097, 8193 };

    /// <summary>Σ x·s in long from the bytes and the ±1 floats (independent of the panel).</summary>
    private static long[] Reference(byte[] x, float[] s, int m, int n, int k)
    {
        var c = new long[m * n];
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                long sum = 0;
                for (int t = 0; t < k; t++) sum += x[i * k + t] * (long)BitTestData.Sign(s[j * k + t]);
                c[i * n + j] = sum;
            }
        return c;
    }

    /// <summary>Σ x·s in long for weights s ∈ {−1, 0, +1} given as ints.</summary>
    private static int[] TernaryReference(byte[] x, int[] s, int m, int n, int k)
    {
        var c = new int[m * n];
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                long sum = 0;
                for (int t = 0; t < k; t++) sum += x[i * k + t] * (long)s[j * k + t];
                c[i * n + j] = (int)sum;
            }
        return c;
    }

    private static byte[] Bytes(Random rng, int count, bool extremes)
    {
        var x = new byte[count];
        rng.NextBytes(x);
        if (extremes) Array.Fill(x, (byte)255); // worst case for the 16-bit accumulators
        return x;
    }

    [Theory]
    [MemberData(nameof(Lengths))]
    public void Multiply_EveryPath_MatchesIntegerReference(int k)
    {
        foreach (int m in new[] { 1, 3, 4, 5, 9 })
            foreach (int n in new[] { 1, 4, 7, 67 })
                foreach (bool extremes in new[] { false, true })
                {
                    int seed = k * 7919 + m * 31 + n + (extremes ? 1 : 0);
                    var rng = new Random(seed);
                    var x = Bytes(rng, m * k, extremes);
                    var s = BitTestData.Signs(rng, n * k);
                    if (extremes) Array.Fill(s, 1f);
                    var panel = SignBytePanel.FromPackedSigns(BitTestData.Pack(s, n, k), n, k);
                    var expected = Reference(x, s, m, n, k).Select(v => (int)v).ToArray();
                    string ctx = $"seed={seed} m={m} n={n} k={k} extremes={extremes}";
                    var c = new int[m * n];
                    SignByteGemm.MultiplyScalar(x, m, panel, c);
                    BitTestData.Equal<int>(expected, c, $"scalar {ctx}");
                    foreach (int threads in new[] { 1, 2, 3 })
                    {
                        if (Avx2.IsSupported)
                        {
                            Array.Fill(c, int.MinValue);
                            SignByteGemm.MultiplyPadded(x, m, panel, c, threads, SignByteGemm.Width.V256);
                            BitTestData.Equal<int>(expected, c, $"avx2 threads={threads} {ctx}");
                        }
                        if (Avx512BW.IsSupported)
                        {
                            Array.Fill(c, int.MinValue);
                            SignByteGemm.MultiplyPadded(x, m, panel, c, threads, SignByteGemm.Width.V512);
                            BitTestData.Equal<int>(expected, c, $"avx512 threads={threads} {ctx}");
                        }
                        Array.Fill(c, int.MinValue);
                        SignByteGemm.Multiply(x, m, panel, c, threads);
                        BitTestData.Equal<int>(expected, c, $"dispatch threads={threads} {ctx}");
                    }
                }
    }

    [Theory]
    [MemberData(nameof(Lengths))]
    public void Multiply_MaskedPanel_EveryPathMatchesTernaryReference(int k)
    {
        // Weights s·[mask] ∈ {−1, 0, +1} (an HBB level restricted to its mask); m < 4 would take the 512-bit path
        // that reads packed ±1 signs, which a masked panel must not use.
        foreach (int m in new[] { 1, 3, 5 })
            foreach (int n in new[] { 1, 7, 67 })
                foreach (bool extremes in new[] { false, true })
                {
                    int seed = k * 7907 + m * 37 + n + (extremes ? 1 : 0);
                    var rng = new Random(seed);
                    var x = Bytes(rng, m * k, extremes);
                    var s = BitTestData.Signs(rng, n * k);
                    var active = BitTestData.Signs(rng, n * k);
                    if (extremes) Array.Fill(active, 1f);
                    var ternary = s.Select((v, i) => active[i] >= 0 ? BitTestData.Sign(v) : 0).ToArray();
                    var signs = BitTestData.Pack(s.Select((v, i) => active[i] >= 0 ? v : -1f).ToArray(), n, k); // sign bits 0 off the mask
                    var panel = SignBytePanel.FromPackedMaskedSigns(signs, BitTestData.Pack(active, n, k), n, k);
                    var expected = TernaryReference(x, ternary, m, n, k);
                    string ctx = $"seed={seed} m={m} n={n} k={k} extremes={extremes}";
                    var c = new int[m * n];
                    SignByteGemm.MultiplyScalar(x, m, panel, c);
                    BitTestData.Equal<int>(expected, c, $"scalar {ctx}");
                    if (Avx2.IsSupported)
                    {
                        SignByteGemm.MultiplyPadded(x, m, panel, c, 2, SignByteGemm.Width.V256);
                        BitTestData.Equal<int>(expected, c, $"avx2 {ctx}");
                    }
                    if (Avx512BW.IsSupported)
                    {
                        SignByteGemm.MultiplyPadded(x, m, panel, c, 2, SignByteGemm.Width.V512);
                        BitTestData.Equal<int>(expected, c, $"avx512 {ctx}");
                    }
                    SignByteGemm.Multiply(x, m, panel, c, 1);
                    BitTestData.Equal<int>(expected, c, $"dispatch {ctx}");
                }
    }

    /// <summary>Bytes of which roughly <paramref name="density"/> are non-zero (MNIST pixels: ~0.19).</summary>
    private static byte[] SparseBytes(Random rng, int count, double density, bool extremes)
    {
        var x = new byte[count];
        for (int t = 0; t < count; t++)
            if (rng.NextDouble() < density) x[t] = extremes ? (byte)255 : (byte)rng.Next(1, 256);
        return x;
    }

    [Theory]
    [MemberData(nameof(Lengths))]
    public void MultiplySparse_BinaryAndMaskedPanels_MatchIntegerReference(int k)
    {
        if (!Avx512BW.IsSupported && !Avx2.IsSupported) return; // the sparse paths need AVX-512BW or AVX2; the dispatch test below covers the others
        bool longRows = k > 1000; // long rows (several 16-bit flushes) on fewer shapes: the reference is O(m·n·k)
        foreach (int m in longRows ? new[] { 2 } : new[] { 1, 2, 5 })
            foreach (int n in longRows ? new[] { 33, 257 } : new[] { 1, 31, 33, 64, 257, 300 }) // straddling 32-unit vectors, 64-unit blocks (512-bit path) and 256-unit blocks
                foreach (double density in longRows ? new[] { 0.1, 1.0 } : new[] { 0.0, 0.1, 0.6, 1.0 })
                    foreach (bool extremes in new[] { false, true })
                        foreach (bool masked in new[] { false, true })
                        {
                            int seed = k * 7877 + m * 41 + n * 3 + (int)(density * 10) + (extremes ? 1 : 0) + (masked ? 5 : 0);
                            var rng = new Random(seed);
                            var x = SparseBytes(rng, m * k, density, extremes);
                            var s = BitTestData.Signs(rng, n * k);
                            if (extremes) Array.Fill(s, 1f); // 16-bit worst case: every pair 510
                            var active = BitTestData.Signs(rng, n * k);
                            if (!masked) Array.Fill(active, 1f);
                            var ternary = s.Select((v, i) => active[i] >= 0 ? BitTestData.Sign(v) : 0).ToArray();
                            var panel = masked
                                ? SignBytePanel.FromPackedMaskedSigns(BitTestData.Pack(s.Select((v, i) => active[i] >= 0 ? v : -1f).ToArray(), n, k), BitTestData.Pack(active, n, k), n, k)
                                : SignBytePanel.FromPackedSigns(BitTestData.Pack(s, n, k), n, k);
                            var expected = TernaryReference(x, ternary, m, n, k);
                            string ctx = $"seed={seed} m={m} n={n} k={k} density={density} extremes={extremes} masked={masked}";
                            int pairs = (k + 1) / 2;
                            var lists = new int[m * pairs];
                            var counts = new int[m];
                            long total = SignByteGemm.ListNonZeroPairs(x, m, k, lists, counts);
                            // the lists against a plain scan
                            long expectedTotal = 0;
                            for (int i = 0; i < m; i++)
                            {
                                int q = 0;
                                for (int p = 0; p < pairs; p++)
                                {
                                    int lo = x[i * k + 2 * p], hi = 2 * p + 1 < k ? x[i * k + 2 * p + 1] : 0;
                                    if ((lo | hi) == 0) continue;
                                    Assert.True(lists[i * pairs + q] == (p << 16 | hi << 8 | lo), $"list entry {q} of row {i} {ctx}");
                                    q++;
                                }
                                Assert.True(counts[i] == q, $"count of row {i} {ctx}");
                                expectedTotal += q;
                            }
                            Assert.Equal(expectedTotal, total);
                            var c = new int[m * n];
                            foreach (int threads in new[] { 1, 2, 3 })
                            {
                                if (Avx512BW.IsSupported)
                                {
                                    Array.Fill(c, int.MinValue);
                                    SignByteGemm.MultiplySparse512(x, m, panel, c, threads, lists, counts, minParallelWork: 0); // split whenever threads > 1
                                    BitTestData.Equal<int>(expected, c, $"sparse 512 threads={threads} {ctx}");
                                }
                                if (Avx2.IsSupported)
                                {
                                    Array.Fill(c, int.MinValue);
                                    SignByteGemm.MultiplySparse256(x, m, panel, c, threads, lists, counts, minParallelWork: 0);
                                    BitTestData.Equal<int>(expected, c, $"sparse 256 threads={threads} {ctx}");
                                }
                                Array.Fill(c, int.MinValue);
                                SignByteGemm.Multiply(x, m, panel, c, threads);
                                BitTestData.Equal<int>(expected, c, $"dispatch threads={threads} {ctx}");
                            }
                        }
    }

    [Fact]
    public void Multiply_SparseInputs_EveryTierMatchesReference()
    {
        // MNIST-like rows (19 % non-zero, odd length so the last pair has one byte) through the dispatch on whatever
        // tier the environment allows (CI reruns with AVX-512 and AVX2 disabled).
        const int m = 7, n = 70, k = 783;
        var rng = new Random(11);
        var x = SparseBytes(rng, m * k, 0.19, false);
        var s = BitTestData.Signs(rng, n * k);
        var expected = Reference(x, s, m, n, k).Select(v => (int)v).ToArray();
        var c = new int[m * n];
        SignByteGemm.Multiply(x, m, SignBytePanel.FromPackedSigns(BitTestData.Pack(s, n, k), n, k), c, 2);
        Assert.Equal(expected, c);
    }

    [Fact]
    public void Multiply_SameAsXnorOfBitPlanes()
    {
        // Cross-check against the bit-serial first-layer kernel on the same data.
        const int m = 6, n = 70, k = 784;
        var rng = new Random(3);
        var x = Bytes(rng, m * k, false);
        var packed = BitTestData.Pack(BitTestData.Signs(rng, n * k), n, k);
        var expected = new int[m * n];
        BitSerialGemm.MultiplyBytesBySigns(x, packed, m, n, k, expected);
        var c = new int[m * n];
        SignByteGemm.Multiply(x, m, SignBytePanel.FromPackedSigns(packed, n, k), c, 2);
        Assert.Equal(expected, c);
    }

    [Fact]
    public void Multiply_EmptyAndBadShapes()
    {
        var panel = SignBytePanel.FromPackedSigns(new ulong[2 * 2], 2, 65);
        SignByteGemm.Multiply([], 0, panel, []);
        Assert.Equal(128, panel.Stride);
        Assert.Throws<ArgumentException>(() => SignByteGemm.Multiply(new byte[64], 1, panel, new int[2]));
        Assert.Throws<ArgumentException>(() => SignByteGemm.Multiply(new byte[65], 1, panel, new int[1]));
        Assert.Throws<ArgumentOutOfRangeException>(() => SignByteGemm.Multiply(new byte[65], -1, panel, new int[2]));
        Assert.Throws<ArgumentOutOfRangeException>(() => SignByteGemm.Multiply(new byte[65], 1, panel, new int[2], 0));
        var padded = new ulong[2] { 0, 1UL << 63 };
        var ex = Assert.Throws<ArgumentException>(() => SignBytePanel.FromPackedSigns(padded, 1, 65));
        Assert.Contains("padding", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Dispatch_UsesTheTierTheEnvironmentAllows()
    {
        // CI reruns with DOTNET_EnableAVX512=0 / EnableAVX2=0 / EnableHWIntrinsic=0: Multiply must then take AVX2 or scalar.
        if (Environment.GetEnvironmentVariable("DOTNET_EnableHWIntrinsic") == "0") Assert.False(Avx2.IsSupported);
        if (Environment.GetEnvironmentVariable("DOTNET_EnableAVX512") == "0") Assert.False(Avx512BW.IsSupported);
        if (Environment.GetEnvironmentVariable("DOTNET_EnableAVX2") == "0") Assert.False(Avx2.IsSupported);
    }
}
