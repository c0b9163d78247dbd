using Lowbit.Kernels.Bits;

namespace Lowbit.Kernels.Tests.Bits;

public class BitPackingTests
{
    [Theory]
    [MemberData(nameof(BitTestData.LengthData), MemberType = typeof(BitTestData))]
    public void PackSigns_EveryPath_MatchesBitDefinitionAndZeroPadding(int n)
    {
        const int seed = 11, rows = 3;
        float[] x = BitTestData.Signs(new Random(seed + n), rows * n);
        int words = BitLayout.WordsPerRow(n);
        var scalar = new ulong[rows * words];
        var vector = new ulong[rows * words];
        var dispatched = new ulong[rows * words];
        Array.Fill(scalar, ulong.MaxValue);
        Array.Fill(vector, ulong.MaxValue);
        Array.Fill(dispatched, ulong.MaxValue);
        BitPacking.PackSignsScalar(x, rows, n, scalar);
        BitPacking.PackSignsVector256(x, rows, n, vector);
        BitPacking.PackSigns(x, rows, n, dispatched);
        for (int r = 0; r < rows; r++)
        {
            for (int bit = 0; bit < words * 64; bit++)
            {
                ulong expected = bit < n && x[r * n + bit] >= 0f ? 1UL : 0UL;
                ulong actual = (scalar[r * words + bit / 64] >> (bit % 64)) & 1;
                Assert.True(expected == actual, $"seed {seed} n {n} row {r} bit {bit}: expected {expected} actual {actual}");
            }
        }
        BitTestData.Equal<ulong>(scalar, vector, $"Vector256 n={n}");
        BitTestData.Equal<ulong>(scalar, dispatched, $"dispatch n={n}");
    }

    [Fact]
    public void PackSigns_EveryLengthUpTo4Words_VectorMatchesScalar()
    {
        for (int n = 0; n <= 4 * 64 + 3; n++)
        {
            float[] x = BitTestData.Signs(new Random(n), 2 * n);
            int words = BitLayout.WordsPerRow(n);
            var scalar = new ulong[2 * words];
            var vector = new ulong[2 * words];
            BitPacking.PackSignsScalar(x, 2, n, scalar);
            BitPacking.PackSignsVector256(x, 2, n, vector);
            BitTestData.Equal<ulong>(scalar, vector, $"seed={n} n={n}");
        }
    }

    [Fact]
    public void PackSigns_ZeroAndNegativeZero_PackAsPlusOne()
    {
        var packed = new ulong[1];
        BitPacking.PackSigns([0f, -0f, -1e-30f, 1e-30f], 1, 4, packed);
        Assert.Equal(0b1011UL, packed[0]);
    }

    [Theory]
    [InlineData(5)]
    [InlineData(64)]
    [InlineData(100)]
    public void PackSigns_NaN_ThrowsNamingPosition(int n)
    {
        var x = new float[n];
        x[n - 1] = float.NaN;
        var ex = Assert.Throws<ArgumentException>(() => BitPacking.PackSigns(x, 1, n, new ulong[BitLayout.WordsPerRow(n)]));
        Assert.Contains($"values[0, {n - 1}]", ex.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => BitPacking.PackSignsScalar(x, 1, n, new ulong[BitLayout.WordsPerRow(n)]));
    }

    [Fact]
    public void PackSigns_ShortSpans_Throw()
    {
        Assert.Throws<ArgumentException>(() => BitPacking.PackSigns(new float[64], 2, 33, new ulong[2]));
        Assert.Throws<ArgumentException>(() => BitPacking.PackSigns(new float[66], 2, 33, new ulong[1]));
        Assert.Throws<ArgumentOutOfRangeException>(() => BitPacking.PackSigns(new float[1], -1, 1, new ulong[1]));
    }

    [Theory]
    [MemberData(nameof(BitTestData.LengthData), MemberType = typeof(BitTestData))]
    public void UnpackSigns_AfterPack_ReturnsSigns(int n)
    {
        float[] x = BitTestData.Signs(new Random(5 * n), 2 * n);
        var back = new float[2 * n];
        BitPacking.UnpackSigns(BitTestData.Pack(x, 2, n), 2, n, back);
        for (int i = 0; i < x.Length; i++) Assert.Equal(BitTestData.Sign(x[i]), back[i]);
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(33, 2)]
    [InlineData(64, 3)]
    [InlineData(65, 8)]
    [InlineData(129, 5)]
    public void PackBitPlanes_RoundTripsAndMatchesDefinition(int n, int bitWidth)
    {
        const int rows = 3;
        int[] codes = BitTestData.Codes(new Random(n * 31 + bitWidth), rows * n, bitWidth);
        byte[] bytes = Array.ConvertAll(codes, v => (byte)v);
        int words = BitLayout.WordsPerRow(n);
        ulong[] planes = BitTestData.Planes(codes, rows, n, bitWidth);
        var fromBytes = new ulong[planes.Length];
        BitPacking.PackBitPlanes(bytes, rows, n, bitWidth, fromBytes);
        BitTestData.Equal<ulong>(planes, fromBytes, "byte overload");
        for (int r = 0; r < rows; r++)
        {
            for (int p = 0; p < bitWidth; p++)
            {
                for (int i = 0; i < words * 64; i++)
                {
                    ulong expected = i < n ? (ulong)((codes[r * n + i] >> p) & 1) : 0;
                    Assert.Equal(expected, (planes[(r * bitWidth + p) * words + i / 64] >> (i % 64)) & 1);
                }
            }
        }
        var back = new int[rows * n];
        BitPacking.UnpackBitPlanes(planes, rows, n, bitWidth, back);
        BitTestData.Equal<int>(codes, back, "round trip");
    }

    [Fact]
    public void PackBitPlanes_Vector512_MatchesScalarOnEveryLengthAndWidth()
    {
        // Lengths 0..4·64+3 and the word-straddling ones, every width, stale output words overwritten (padding zero).
        var lengths = Enumerable.Range(0, 4 * 64 + 4).Concat(BitTestData.Lengths).Concat([1023, 1024, 1025]).Distinct();
        foreach (int n in lengths)
            foreach (int bitWidth in new[] { 1, 2, 3, 8 })
            {
                const int rows = 3;
                int seed = n * 17 + bitWidth;
                var codes = Array.ConvertAll(BitTestData.Codes(new Random(seed), rows * n, bitWidth), v => (byte)v);
                int length = rows * bitWidth * BitLayout.WordsPerRow(n);
                var expected = new ulong[length];
                BitPacking.PackBitPlanesScalar(codes, rows, n, bitWidth, expected);
                var actual = Enumerable.Repeat(ulong.MaxValue, length).ToArray();
                BitPacking.PackBitPlanesVector512(codes, rows, n, bitWidth, actual);
                BitTestData.Equal<ulong>(expected, actual, $"vector512 seed={seed} n={n} bits={bitWidth}");
            }
        var bad = new byte[130];
        bad[70] = 4;
        var ex = Assert.Throws<ArgumentException>(() => BitPacking.PackBitPlanesVector512(bad, 1, 130, 2, new ulong[6]));
        Assert.Contains("4", ex.Message, StringComparison.Ordinal);
        Assert.Contains("70", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void PackBitPlanes_CodeOutOfRange_ThrowsNamingValue()
    {
        var ex = Assert.Throws<ArgumentException>(() => BitPacking.PackBitPlanes(new[] { 0, 4 }, 1, 2, 2, new ulong[2]));
        Assert.Contains("= 4", ex.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => BitPacking.PackBitPlanes(new[] { -1 }, 1, 1, 2, new ulong[2]));
        Assert.Throws<ArgumentOutOfRangeException>(() => BitPacking.PackBitPlanes(new byte[1], 1, 1, 9, new ulong[9]));
        Assert.Throws<ArgumentException>(() => BitPacking.PackBitPlanes(new byte[2], 1, 2, 2, new ulong[1]));
    }

    [Fact]
    public void WordsPerRow_AndLastWordMask_FollowConvention()
    {
        Assert.Equal(0, BitLayout.WordsPerRow(0));
        Assert.Equal(1, BitLayout.WordsPerRow(64));
        Assert.Equal(2, BitLayout.WordsPerRow(65));
        Assert.Equal(ulong.MaxValue, BitLayout.LastWordMask(128));
        Assert.Equal(0b111UL, BitLayout.LastWordMask(67));
    }
}
