using System.Globalization;
using Lowbit.Kernels.Conv;

namespace Lowbit.Benchmarks;

/// <summary>
/// Process CPU time per image of a binary network's first layer at the VGG-small (width 1/4) shape (3 → 32 channels,
/// 32×32, 3×3, padding 1): the pixel tables into the padded map (<see cref="ThresholdConv.PadPixels"/>) and the fused
/// threshold convolution (<see cref="ThresholdConv"/>, each path), at the given batch.
/// Usage: <c>thresholdconv-timing [images] [rounds] [GHz]</c>.
/// </summary>
internal static class ThresholdConvTiming
{
    public static void Run(string[] args)
    {
        var inv = CultureInfo.InvariantCulture;
        int images = args.Length > 1 ? int.Parse(args[1], inv) : 1;
        int rounds = args.Length > 2 ? int.Parse(args[2], inv) : 3;
        double ghz = args.Length > 3 ? double.Parse(args[3], inv) : 3.0;
        const int c = 3, size = 32, o = 32, k = 3;
        var shape = new DirectConvShape(1, c, size + 2, size + 2, o, k, k, 1);
        var rng = new Random(1);
        var weights = Enumerable.Range(0, o * c * k * k).Select(_ => (float)rng.NextDouble() - 0.5f).ToArray();
        var bias = Enumerable.Range(0, o).Select(_ => (float)rng.NextDouble() - 0.5f).ToArray();
        var negated = Enumerable.Range(0, o).Select(i => i % 3 == 0).ToArray();
        var thresholds = Enumerable.Range(0, o).Select(_ => (float)rng.NextDouble() - 0.5f).ToArray();
        var filters = ThresholdConvFilters.Pack(weights, bias, negated, thresholds, shape);
        var pixels = new byte[images * c * size * size];
        rng.NextBytes(pixels);
        var tables = Enumerable.Range(0, 256 * c).Select(i => (i % 256) / 255f - 0.5f).ToArray();
        var xpad = new float[images * ThresholdConv.ImageLength(shape)];
        var output = new ulong[images * size * size];
        double fmas = (double)size * size * o * c * k * k;
        Console.WriteLine($"# thresholdconv-timing images={images} rounds={rounds}; µs CPU per image (FMAs/cycle at {ghz} GHz); load {File.ReadAllText("/proc/loadavg").Trim()}");
        double pad = XnorConvTiming.Best(rounds, images, () => ThresholdConv.PadPixels(pixels, images, shape, size, size, tables, -1f, xpad));
        var line = string.Create(inv, $"3-32@32 pad {pad,6:F1}");
        foreach (var path in new[] { ThresholdConvPath.Vector512, ThresholdConvPath.Vector256, ThresholdConvPath.Scalar })
        {
            double us = XnorConvTiming.Best(rounds, images, () => ThresholdConv.Run(path, xpad, images, filters, output, default, 1));
            line += string.Create(inv, $" {path} {us,7:F1} ({fmas / (us * 1e-6 * ghz * 1e9),5:F1})");
        }
        Console.WriteLine(line);
    }
}
