using Lowbit.Inference.Runtime;
using Lowbit.Kernels.Gemm;

namespace Lowbit.Inference.Tests.Runtime;

public sealed class SgemmDotEmulationTests
{
    /// <summary>
    /// The emulation must verify itself on this machine (else every replay falls back to a ~40 µs Sgemm call; results
    /// stay exact either way). A failure here means Sgemm's operation order changed: update SgemmDotEmulation.
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(63)]
    [InlineData(255)]
    [InlineData(256)]
    [InlineData(257)]
    [InlineData(784)]
    [InlineData(1024)]
    [InlineData(3001)]
    public void Create_ReproducesSgemmBitForBit(int k)
    {
        var emulation = SgemmDotEmulation.Create(k);
        Assert.NotNull(emulation);
        var random = new Random(k);
        var x = Enumerable.Range(0, k).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        int words = (k + 63) / 64;
        var packed = new ulong[4 * words];
        var w = new float[4 * k];
        for (int j = 0; j < 4; j++)
            for (int t = 0; t < k; t++)
            {
                bool plus = random.Next(2) == 1;
                w[j * k + t] = plus ? 1f : -1f;
                if (plus) packed[j * words + t / 64] |= 1UL << (t % 64);
            }
        var expected = new float[4];
        Sgemm.Multiply(false, true, 1, 4, k, 1f, x, k, w, k, 0f, expected, 4, 1);
        var four = new float[4];
        emulation.DotSigns4(x, packed.AsSpan(0, words), x, packed.AsSpan(words, words), x, packed.AsSpan(2 * words, words), x, packed.AsSpan(3 * words, words), four);
        for (int j = 0; j < 4; j++)
        {
            Assert.Equal(BitConverter.SingleToInt32Bits(expected[j]), BitConverter.SingleToInt32Bits(emulation.Dot(x, w.AsSpan(j * k, k))));
            Assert.Equal(BitConverter.SingleToInt32Bits(expected[j]), BitConverter.SingleToInt32Bits(emulation.DotSigns(x, packed.AsSpan(j * words, words))));
            Assert.Equal(BitConverter.SingleToInt32Bits(expected[j]), BitConverter.SingleToInt32Bits(four[j]));
        }
    }
}
