using Lowbit.Kernels.Conv;

namespace Lowbit.Kernels.Tests.Conv;

/// <summary>
/// The input gradient of a 3×3, stride-2, padding-1 convolution by phases (one direct convolution with 2×2 phase filters,
/// then interleaving) against dx = Σ g·w computed in double, within γ_n·Σ|g||w| (n = the phase convolution's 4·O products).
/// </summary>
public class DirectConvStride2Tests
{
    private static float[] Random(int seed, int length)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, length).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
    }

    [Theory]
    [InlineData(2, 3, 5, 16, 16)]
    [InlineData(1, 4, 8, 32, 32)]
    [InlineData(3, 5, 4, 16, 48)]
    [InlineData(2, 16, 32, 32, 16)]
    public void Stride2InputGradient_ByPhases_MatchesDoubleOracle(int n, int c, int o, int h, int w)
    {
        Assert.True(DirectConv.SupportsStride2InputGradient(3, 2, 1, h, w));
        int oh = h / 2, ow = w / 2;
        var filters = Random(1, o * c * 9);
        var g = Random(2, n * o * oh * ow);
        var dx = TwoByTwoPhaseInputGradient(filters, g, n, c, o, h, w);

        var expected = new double[dx.Length];
        var magnitude = new double[dx.Length];
        for (int b = 0; b < n; b++)
            for (int oc = 0; oc < o; oc++)
                for (int ic = 0; ic < c; ic++)
                    for (int t = 0; t < 9; t++)
                        for (int oy = 0; oy < oh; oy++)
                            for (int ox = 0; ox < ow; ox++)
                            {
                                int iy = 2 * oy + t / 3 - 1, ix = 2 * ox + t % 3 - 1;
                                if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
                                double term = (double)g[((b * o + oc) * oh + oy) * ow + ox] * filters[(oc * c + ic) * 9 + t];
                                expected[((b * c + ic) * h + iy) * w + ix] += term;
                                magnitude[((b * c + ic) * h + iy) * w + ix] += Math.Abs(term);
                            }
        double gamma = 4 * o / (double)(1 << 24) / (1 - 4 * o / (double)(1 << 24));
        for (int i = 0; i < dx.Length; i++)
            Assert.True(Math.Abs(expected[i] - dx[i]) <= gamma * magnitude[i], $"dx[{i}]: double {expected[i]:R}, phases {dx[i]:R}");
    }

    [Theory]
    [InlineData(2, 3, 5, 16, 16)]
    [InlineData(1, 4, 8, 32, 32)]
    [InlineData(3, 5, 4, 16, 48)]
    [InlineData(2, 16, 32, 32, 16)]
    [InlineData(3, 32, 16, 32, 32)] // the ResNet-20 shapes: 16 → 32 at 32×32 and 32 → 64 at 16×16 (below)
    [InlineData(2, 64, 32, 16, 16)]
    public void Stride2InputGradient_ExactPhases_BitIdenticalToTwoByTwoPhaseConvolution(int n, int c, int o, int h, int w)
    {
        // The four exact phase convolutions drop only products with zero filter values from each FMA chain, so every
        // dx value must keep its bits; on both vector widths (the scalar path is the reference the kernels match).
        int oh = h / 2, ow = w / 2;
        var filters = Random(3, o * c * 9);
        var g = Random(4, n * o * oh * ow);
        bool previous = DirectConv.Vector512Enabled;
        try
        {
            foreach (bool wide in new[] { false, true })
            {
                DirectConv.Vector512Enabled = wide;
                var expected = TwoByTwoPhaseInputGradient(filters, g, n, c, o, h, w);

                var outputs = new float[4][];
                for (int q = 0; q < 4; q++)
                {
                    var phaseShape = DirectConv.Stride2PhaseShape(n, o, c, oh, ow, q / 2, q % 2);
                    var input = new float[n * phaseShape.ImageLength];
                    DirectConv.PadBottomRight(g, input, oh, ow, q / 2, q % 2, 0, n * o);
                    var phasePacked = new float[DirectConv.PackedLength(c, phaseShape.K)];
                    DirectConv.PackStride2PhaseFilters(filters, o, c, q / 2, q % 2, phasePacked);
                    outputs[q] = new float[n * c * oh * ow];
                    DirectConv.Forward(input, phasePacked, DirectConv.Offsets(phaseShape), phaseShape, outputs[q], 0, n);
                }
                var dx = Enumerable.Repeat(float.NaN, n * c * h * w).ToArray();
                DirectConv.InterleavePhases(outputs[0], outputs[1], outputs[2], outputs[3], dx, c, oh, ow, n);
                for (int i = 0; i < dx.Length; i++)
                    Assert.True(BitConverter.SingleToInt32Bits(expected[i]) == BitConverter.SingleToInt32Bits(dx[i]),
                        $"Vector512 {wide}, dx[{i}]: 2x2 phase convolution {expected[i]:R}, exact phases {dx[i]:R}");
            }
        }
        finally
        {
            DirectConv.Vector512Enabled = previous;
        }
    }

    /// <summary>The stride-2 input gradient by one 2x2 convolution over the bottom-right padded gradient (all four phases at once), interleaved.</summary>
    private static float[] TwoByTwoPhaseInputGradient(float[] filters, float[] g, int n, int c, int o, int h, int w)
    {
        int oh = h / 2, ow = w / 2;
        var gpad = new float[n * o * (oh + 1) * (ow + 1)];
        DirectConv.PadBottomRight(g, gpad, oh, ow, 0, n * o);
        var shape = new DirectConvShape(n, o, oh + 1, ow + 1, 4 * c, 2, 2);
        var packed = new float[DirectConv.PackedLength(4 * c, shape.K)];
        DirectConv.PackStride2InputGradientFilters(filters, o, c, packed);
        var phases = new float[n * 4 * c * oh * ow];
        DirectConv.Forward(gpad, packed, DirectConv.Offsets(shape), shape, phases, 0, n);
        var dx = Enumerable.Repeat(float.NaN, n * c * h * w).ToArray();
        DirectConv.InterleavePhases(phases, dx, c, oh, ow, 0, n);
        return dx;
    }

    [Fact]
    public void PadBottomRight_RowsAndColumns_ZeroOnlyTheAddedCells()
    {
        var g = new float[] { 1, 2, 3, 4, 5, 6 }; // [1, 2, 3]
        var right = Enumerable.Repeat(float.NaN, 8).ToArray();
        DirectConv.PadBottomRight(g, right, 2, 3, 0, 1, 0, 1);
        Assert.Equal(new float[] { 1, 2, 3, 0, 4, 5, 6, 0 }, right);
        var bottom = Enumerable.Repeat(float.NaN, 9).ToArray();
        DirectConv.PadBottomRight(g, bottom, 2, 3, 1, 0, 0, 1);
        Assert.Equal(new float[] { 1, 2, 3, 4, 5, 6, 0, 0, 0 }, bottom);
    }

    [Fact]
    public void SupportsStride2InputGradient_OnlyThreeByThreeStrideTwoPaddingOneEvenSizes()
    {
        Assert.False(DirectConv.SupportsStride2InputGradient(3, 2, 1, 15, 16));
        Assert.False(DirectConv.SupportsStride2InputGradient(3, 2, 0, 16, 16));
        Assert.False(DirectConv.SupportsStride2InputGradient(1, 2, 0, 16, 16));
        Assert.False(DirectConv.SupportsStride2InputGradient(3, 2, 1, 16, 12)); // OW = 6
    }
}
