using System.Diagnostics;
using System.Globalization;
using System.Runtime.Intrinsics;
using Lowbit.Kernels.Bits;

namespace Lowbit.Benchmarks;

/// <summary>
/// Process CPU time per image of the binary convolution at the VGG-small (width 1/4) layer shapes: the direct kernel
/// (<see cref="XnorConv"/>, each path) against bit im2col + <see cref="XnorGemm"/> (the previous kind-9 runtime), with
/// bit-MACs per cycle at the given clock. Usage: <c>xnorconv-timing [images] [rounds] [GHz]</c>.
/// </summary>
internal static class XnorConvTiming
{
    private static readonly (string Name, int C, int O, int Size)[] Shapes =
    [
        ("32-32@32", 32, 32, 32), ("32-64@16", 32, 64, 16), ("64-64@16", 64, 64, 16), ("64-128@8", 64, 128, 8), ("128-128@8", 128, 128, 8), ("16-16@32", 16, 16, 32), ("256-256@8", 256, 256, 8), ("512-512@4", 512, 512, 4),
    ];

    public static void Run(string[] args)
    {
        var inv = CultureInfo.InvariantCulture;
        int images = args.Length > 1 ? int.Parse(args[1], inv) : 10;
        int rounds = args.Length > 2 ? int.Parse(args[2], inv) : 3;
        double ghz = args.Length > 3 ? double.Parse(args[3], inv) : 3.0;
        Console.WriteLine($"# xnorconv-timing images={images} rounds={rounds}; Vector512 accelerated={Vector512.IsHardwareAccelerated}, default path {XnorConv.DefaultPath}; "
            + $"µs CPU per image (bit-MACs/cycle at {ghz} GHz); load {File.ReadAllText("/proc/loadavg").Trim()}");
        var rng = new Random(1);
        foreach (var (name, c, o, size) in Shapes)
        {
            var shape = new XnorConvShape(c, size, size, o, 3, 1, 1, true);
            var input = new ulong[images * size * size * BitLayout.WordsPerRow(c)];
            var rows = new ulong[o * BitLayout.WordsPerRow(shape.PatchSize)];
            for (int i = 0; i < input.Length; i++) input[i] = (ulong)rng.NextInt64() & BitLayout.LastWordMask(c);
            for (int r = 0; r < o; r++)
                for (int w = 0; w < BitLayout.WordsPerRow(shape.PatchSize); w++)
                    rows[r * BitLayout.WordsPerRow(shape.PatchSize) + w] = (ulong)rng.NextInt64() & (w == BitLayout.WordsPerRow(shape.PatchSize) - 1 ? BitLayout.LastWordMask(shape.PatchSize) : ulong.MaxValue);
            var filters = XnorConvFilters.Pack(rows, shape);
            var padded = new uint[XnorConv.PaddedLength(shape, images)];
            var output = new ulong[images * size * size * BitLayout.WordsPerRow(o)];
            var limits = Enumerable.Range(0, o).Select(_ => shape.PatchSize / 2).ToArray();
            double macs = (double)size * size * o * shape.PatchSize;
            var line = $"{name,-10}";
            foreach (var path in new[] { XnorConvPath.Vector512, XnorConvPath.Vector256, XnorConvPath.Scalar })
            {
                double us = Best(rounds, images, () => XnorConv.Run(path, input, images, filters, limits, padded, output, default, 1, signs: true));
                line += string.Create(inv, $" {path} {us,8:F1} ({macs / (us * 1e-6 * ghz * 1e9),5:F0})");
            }
            var weights = XnorWeights.Pack(rows, o, shape.PatchSize);
            int patchWords = BitIm2Col.PatchWords(c, 3, 3);
            var patches = new ulong[images * size * size * patchWords];
            var dots = new int[images * size * size * o];
            double gemm = Best(rounds, images, () =>
            {
                BitIm2Col.Transform(input, images, size, size, c, 3, 3, 1, 1, 1, 1, true, patches);
                XnorGemm.MultiplyPacked(patches, weights, images * size * size, dots, 1);
            });
            Console.WriteLine(line + string.Create(inv, $" im2col+gemm {gemm,8:F1} ({macs / (gemm * 1e-6 * ghz * 1e9),5:F0})"));
        }
    }

    /// <summary>Best round of process CPU µs per image; a round repeats the body for at least 0.3 s (the CPU clock ticks in 10 ms).</summary>
    internal static double Best(int rounds, int images, Action body)
    {
        body();
        double best = double.MaxValue;
        for (int r = 0; r < rounds; r++)
        {
            var wall = Stopwatch.StartNew();
            double cpu0 = Process.GetCurrentProcess().TotalProcessorTime.TotalMicroseconds;
            int calls = 0;
            do
            {
                body();
                calls++;
            }
            while (wall.ElapsedMilliseconds < 300);
            best = Math.Min(best, (Process.GetCurrentProcess().TotalProcessorTime.TotalMicroseconds - cpu0) / ((double)calls * images));
        }
        return best;
    }
}
