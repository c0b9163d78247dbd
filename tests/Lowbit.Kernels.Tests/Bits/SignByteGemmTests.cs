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
                    var expected = new int[m * n];
                    for (int i = 0; i < m; i++)
                        for (int j = 0; j < n; j++)
                        {
                            long sum = 0;
                            for (int t = 0; t < k; t++) sum += x[i * k + t] * (long)ternary[j * k + t];
                            expected[i * n + j] = (int)sum;
                        }
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
