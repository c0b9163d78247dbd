using System.Numerics;
using System.Runtime.Intrinsics;
using Lowbit.Kernels.Bits;

namespace Lowbit.Kernels.Tests.Bits;

public class PopCountGemmTests
{
    [Fact]
    public void LaneByteCounts_EveryByteValueInEveryPosition_MatchesPopCount()
    {
        // 256 byte values × 64 positions: byte at position p of vector v is (v + p) mod 256, so neighbours differ
        // (the VBMI path shifts bits in from the next byte, which must not leak into the count).
        var bytes = new byte[64];
        for (int v = 0; v < 256; v++)
        {
            for (int p = 0; p < 64; p++) bytes[p] = (byte)(v + p * 37);
            Vector512<byte> counts = PopCountGemm.LaneByteCounts(Vector512.Create(bytes).AsUInt64());
            for (int p = 0; p < 64; p++)
            {
                Assert.True(BitOperations.PopCount(bytes[p]) == counts[p], $"byte 0x{bytes[p]:X2} at {p}: expected {BitOperations.PopCount(bytes[p])}, got {counts[p]}");
            }
        }
    }

    [Fact]
    public void SumBytesPerLane_MaxCounts_SumsEachLane()
    {
        var bytes = new byte[64];
        for (int p = 0; p < 64; p++) bytes[p] = (byte)(255 - p);
        Vector512<ulong> sums = PopCountGemm.SumBytesPerLane(Vector512.Create(bytes));
        for (int lane = 0; lane < 8; lane++)
        {
            ulong expected = 0;
            for (int p = 0; p < 8; p++) expected += bytes[lane * 8 + p];
            Assert.Equal(expected, sums[lane]);
        }
    }

    [Fact]
    public void LaneByteCounts256_EveryByteValueInEveryPosition_MatchesPopCount()
    {
        var bytes = new byte[32];
        for (int v = 0; v < 256; v++)
        {
            for (int p = 0; p < 32; p++) bytes[p] = (byte)(v + p * 37);
            Vector256<byte> counts = PopCountGemm.LaneByteCounts(Vector256.Create(bytes).AsUInt64());
            for (int p = 0; p < 32; p++)
                Assert.True(BitOperations.PopCount(bytes[p]) == counts[p], $"byte 0x{bytes[p]:X2} at {p}: expected {BitOperations.PopCount(bytes[p])}, got {counts[p]}");
        }
    }

    [Fact]
    public void SumBytesPerLane256_MaxCounts_SumsEachLane()
    {
        var bytes = new byte[32];
        for (int p = 0; p < 32; p++) bytes[p] = (byte)(255 - p);
        Vector256<ulong> sums = PopCountGemm.SumBytesPerLane(Vector256.Create(bytes));
        for (int lane = 0; lane < 4; lane++)
        {
            ulong expected = 0;
            for (int p = 0; p < 8; p++) expected += bytes[lane * 8 + p];
            Assert.Equal(expected, sums[lane]);
        }
    }

    /// <summary>The lookup tables are literals (JIT constants): they must equal the popcounts they stand for (the VBMI ones cannot run without that hardware).</summary>
    [Fact]
    public void LookupTables_EqualPopCounts()
    {
        for (int i = 0; i < 64; i++)
        {
            Assert.Equal(BitOperations.PopCount((uint)(i & 15)), PopCountGemm.PopCountNibble[i]);
            Assert.Equal(BitOperations.PopCount((uint)(i & 63)), PopCountGemm.PopCountLow6[i]);
            Assert.Equal(BitOperations.PopCount((uint)(i & 3)), PopCountGemm.PopCountLow2[i]);
        }
    }
}
