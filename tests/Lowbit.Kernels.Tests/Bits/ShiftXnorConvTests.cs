using System.Runtime.Intrinsics;
using Lowbit.Kernels.Bits;

namespace Lowbit.Kernels.Tests.Bits;

/// <summary>The binary shift convolution on every path against a float loop over the ±1 products (x ≥ 0 → +1) of the active connections.</summary>
public class ShiftXnorConvTests
{
    public static TheoryData<int, int, int, int, int, int, int, bool> Shapes() => new()
    {
        // channels, outChannels, kernel, stride, pad, height, width, shared
        { 1, 1, 3, 1, 1, 5, 6, true },
        { 9, 5, 3, 2, 1, 7, 7, true },
        { 16, 16, 3, 1, 1, 6, 5, false },
        { 16, 32, 3, 2, 1, 8, 8, false },
        { 31, 17, 2, 1, 0, 4, 5, false },
        { 32, 9, 3, 2, 1, 7, 6, true },
        { 63, 13, 3, 1, 2, 4, 4, false },
        { 64, 64, 3, 1, 1, 4, 5, false },
        { 65, 7, 3, 1, 1, 3, 4, true },
        { 129, 12, 5, 2, 2, 5, 6, false },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Mismatches_EveryPathThreadCountAndPad_MatchFloatReference(int channels, int outChannels, int kernel, int stride, int pad, int height, int width, bool shared)
    {
        foreach (var (ones, images) in new[] { (false, 3), (true, 3), (true, 1) })
        {
            int seed = channels * 1000 + outChannels * 10 + kernel + (ones ? 7 : 0) + images;
            var rng = new Random(seed);
            var shape = new XnorConvShape(channels, height, width, outChannels, kernel, stride, pad, ones);
            float[] map = BitTestData.Signs(rng, images * height * width * channels); // [images, H, W, C]
            float[] weights = BitTestData.Signs(rng, outChannels * channels);
            int[] positions = Positions(rng, outChannels, channels, kernel, shared);
            var (expected, active) = Reference(map, weights, positions, shape, images);
            var filters = ShiftXnorFilters.Pack(shape, positions, BitTestData.Pack(weights, outChannels, channels));
            Assert.Equal(active, filters.Active);
            var input = BitTestData.Pack(map, images * height * width, channels);
            foreach (var path in Enum.GetValues<ShiftXnorPath>())
                for (int threads = 1; threads <= 3; threads++)
                {
                    var counts = new int[expected.Length];
                    Array.Fill(counts, -7);
                    ShiftXnorConv.Run(path, input, images, filters, new ulong[ShiftXnorConv.PaddedLength(shape, images)], counts, threads);
                    BitTestData.Equal<int>(expected, counts, $"{path} threads={threads} images={images} pad={(ones ? "+1" : "-1")} shared={shared} seed={seed}");
                }
        }
    }

    [Fact]
    public void Mismatches_FullyPrunedChannel_CountsNothing()
    {
        var shape = new XnorConvShape(3, 2, 2, 2, 3, 1, 1, true);
        int[] positions = [-1, -1, -1, 4, -1, 0]; // output 0: nothing; output 1: channel 0 in place, channel 2 up-left
        var weights = new ulong[] { 0b111, 0b001 };                 // output 1: channel 0 +1, channel 2 −1
        var filters = ShiftXnorFilters.Pack(shape, positions, weights);
        Assert.Equal([0, 2], filters.Active);
        var input = new ulong[] { 0b101, 0b000, 0b100, 0b001 };     // [2, 2] pixels, channels 0..2
        var counts = new int[2 * 4];
        ShiftXnorConv.Mismatches(input, 1, filters, new ulong[ShiftXnorConv.PaddedLength(shape, 1)], counts);
        // Output 1 at (i, j): channel 0 at (i, j) should be +1; channel 2 at (i − 1, j − 1) (pad +1 outside) should be −1.
        Assert.Equal([0, 0, 0, 0, 1, 2, 2, 1], counts);
    }

    [Fact]
    public void BadArguments_Throw()
    {
        var shape = new XnorConvShape(10, 4, 4, 3, 3, 1, 1, true);
        Assert.Throws<ArgumentException>(() => ShiftXnorFilters.Pack(shape, new int[29], new ulong[3]));
        Assert.Throws<ArgumentException>(() => ShiftXnorFilters.Pack(shape, new int[30], new ulong[2]));
        var bad = new int[30];
        bad[4] = 9;
        Assert.Throws<ArgumentException>(() => ShiftXnorFilters.Pack(shape, bad, new ulong[3]));
        var filters = ShiftXnorFilters.Pack(shape, new int[30], new ulong[3]);
        var input = new ulong[16];
        Assert.Throws<ArgumentException>(() => ShiftXnorConv.Mismatches(input, 2, filters, new ulong[ShiftXnorConv.PaddedLength(shape, 2)], new int[96]));
        Assert.Throws<ArgumentException>(() => ShiftXnorConv.Mismatches(input, 1, filters, new ulong[10], new int[48]));
        Assert.Throws<ArgumentException>(() => ShiftXnorConv.Mismatches(input, 1, filters, new ulong[36], new int[47]));
        input[5] = 1UL << 12;
        var ex = Assert.Throws<ArgumentException>(() => ShiftXnorConv.Mismatches(input, 1, filters, new ulong[36], new int[48]));
        Assert.Equal("input", ex.ParamName);
    }

    [Fact]
    public void DefaultPath_IsVector256WhenAccelerated()
    {
        // Vector256 even with AVX-512 (the 512-bit version of the loop lost, BENCHMARKS.md); scalar without vectors.
        var expected = Vector256.IsHardwareAccelerated ? ShiftXnorPath.Vector256 : ShiftXnorPath.Scalar;
        Assert.Equal(expected, ShiftXnorConv.DefaultPath);
        if (Environment.GetEnvironmentVariable("DOTNET_EnableHWIntrinsic") == "0") Assert.Equal(ShiftXnorPath.Scalar, ShiftXnorConv.DefaultPath);
    }

    /// <summary>Random cells, about one connection in six pruned; shared: one cell per input channel for every output.</summary>
    private static int[] Positions(Random rng, int outChannels, int channels, int kernel, bool shared)
    {
        int cells = kernel * kernel;
        var perChannel = Enumerable.Range(0, channels).Select(_ => rng.Next(6) == 0 ? -1 : rng.Next(cells)).ToArray();
        var positions = new int[outChannels * channels];
        for (int o = 0; o < outChannels; o++)
            for (int c = 0; c < channels; c++) positions[o * channels + c] = shared ? perChannel[c] : rng.Next(6) == 0 ? -1 : rng.Next(cells);
        return positions;
    }

    /// <summary>
    /// Plain loops in float: y = Σ over active connections of w·x at the connection's cell (the pad value outside), then
    /// d = (Active − y) / 2, channel-major <c>[images, O, OH, OW]</c>.
    /// </summary>
    private static (int[] Counts, int[] Active) Reference(float[] map, float[] weights, int[] positions, XnorConvShape s, int images)
    {
        int c = s.InChannels, o = s.OutChannels, oh = s.OutHeight, ow = s.OutWidth;
        var active = new int[o];
        for (int oc = 0; oc < o; oc++) for (int ch = 0; ch < c; ch++) if (positions[oc * c + ch] >= 0) active[oc]++;
        var counts = new int[images * o * oh * ow];
        for (int n = 0; n < images; n++)
            for (int oc = 0; oc < o; oc++)
                for (int i = 0; i < oh; i++)
                    for (int j = 0; j < ow; j++)
                    {
                        float y = 0;
                        for (int ch = 0; ch < c; ch++)
                        {
                            int p = positions[oc * c + ch];
                            if (p < 0) continue;
                            int iy = i * s.Stride + p / s.Kernel - s.Padding, ix = j * s.Stride + p % s.Kernel - s.Padding;
                            bool inside = (uint)iy < (uint)s.Height && (uint)ix < (uint)s.Width;
                            float x = inside ? BitTestData.Sign(map[((n * s.Height + iy) * s.Width + ix) * c + ch]) : s.PadWithOnes ? 1f : -1f;
                            y += BitTestData.Sign(weights[oc * c + ch]) * x;
                        }
                        counts[((n * o + oc) * oh + i) * ow + j] = (int)((active[oc] - y) / 2);
                    }
        return (counts, active);
    }
}
