using System.Globalization;
using Lowbit.Kernels.Bits;

namespace Lowbit.Benchmarks;

/// <summary>
/// Process CPU time per call of the packed binary dense product at one row (batch 1) for the binary VGG-small's
/// (width 1/4) hidden and output layers and the MNIST MLP's hidden layers. Usage: <c>dense-timing [rounds]</c>.
/// </summary>
internal static class DenseTiming
{
    private static readonly (string Name, int In, int Out)[] Shapes = [("2048-256", 2048, 256), ("256-256", 256, 256), ("256-10", 256, 10), ("784-4096", 784, 4096), ("4096-4096", 4096, 4096)];

    public static void Run(string[] args)
    {
        var inv = CultureInfo.InvariantCulture;
        int rounds = args.Length > 1 ? int.Parse(args[1], inv) : 5;
        Console.WriteLine($"# dense-timing rounds={rounds}: µs CPU per one-row product; load {File.ReadAllText("/proc/loadavg").Trim()}");
        var rng = new Random(1);
        foreach (var (name, k, n) in Shapes)
        {
            int words = BitLayout.WordsPerRow(k);
            var a = new ulong[words];
            var b = new ulong[n * words];
            for (int i = 0; i < a.Length; i++) a[i] = (ulong)rng.NextInt64() & (i == words - 1 ? BitLayout.LastWordMask(k) : ulong.MaxValue);
            for (int i = 0; i < b.Length; i++) b[i] = (ulong)rng.NextInt64() & (i % words == words - 1 ? BitLayout.LastWordMask(k) : ulong.MaxValue);
            var weights = XnorWeights.Pack(b, n, k);
            var c = new int[n];
            double us = XnorConvTiming.Best(rounds, 1, () => XnorGemm.MultiplyPacked(a, weights, 1, c, 1));
            Console.WriteLine(string.Create(inv, $"{name,-10} {us,8:F3} µs  ({(double)k * n / (us * 1e3),7:F1} bit-MACs/ns)"));
        }
    }
}
