using System.Diagnostics;
using Lowbit.Data.Formats;
using Lowbit.Kernels.Bits;

namespace Lowbit.Benchmarks;

/// <summary>
/// The first layer of the packed BinaryNet MLP (u8 pixels × ±1 weights, 784 → 1024) through the dense tile kernel and
/// the sparse-input path, side by side in one process, on the bundled MNIST test images and on dense random bytes.
/// Run: <c>dotnet run -c Release --project benchmarks/Lowbit.Benchmarks -- first-layer-timing [threads] [rounds]</c>.
/// Prints µs per image (best of the rounds, alternating the two paths) and the ratio.
/// </summary>
internal static class FirstLayerTiming
{
    public static void Run(string[] args)
    {
        int threads = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 1;
        int rounds = args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 5;
        const int k = 784, n = 1024, images = 2000;
        byte[] mnist = LoadMnistTest(images, k);
        var rng = new Random(1);
        var dense = new byte[images * k];
        rng.NextBytes(dense);
        var packed = new ulong[n * BitLayout.WordsPerRow(k)];
        for (int j = 0; j < n; j++)
            for (int t = 0; t < k; t++)
                if (rng.Next(2) == 1) packed[j * BitLayout.WordsPerRow(k) + (t >> 6)] |= 1UL << (t & 63);
        var panel = SignBytePanel.FromPackedSigns(packed, n, k);
        bool wide = System.Runtime.Intrinsics.X86.Avx512BW.IsSupported; // else the AVX2 kernels
        var width = wide ? SignByteGemm.Width.V512 : SignByteGemm.Width.V256;
        Console.WriteLine($"first layer {k}->{n}, {images} images, threads={threads}, {(wide ? "AVX-512BW" : "AVX2")}, best of {rounds} rounds (µs per image)");
        Console.WriteLine("data    batch   dense   sparse  dense/sparse  nonzero-pairs");
        foreach (var (name, x) in new[] { ("mnist", mnist), ("random", dense) })
            foreach (int batch in new[] { 1, 4, 100 })
            {
                int pairs = (k + 1) / 2;
                var lists = new int[batch * pairs];
                var counts = new int[batch];
                var c = new int[batch * n];
                double bestDense = double.MaxValue, bestSparse = double.MaxValue;
                long nz = 0;
                for (int r = 0; r < rounds; r++)
                {
                    var sw = Stopwatch.StartNew();
                    for (int i0 = 0; i0 + batch <= images; i0 += batch)
                        SignByteGemm.MultiplyPadded(x.AsSpan(i0 * k, batch * k), batch, panel, c, threads, width);
                    bestDense = Math.Min(bestDense, sw.Elapsed.TotalMicroseconds / images);
                    sw.Restart();
                    nz = 0;
                    for (int i0 = 0; i0 + batch <= images; i0 += batch)
                    {
                        nz += SignByteGemm.ListNonZeroPairs(x.AsSpan(i0 * k, batch * k), batch, k, lists, counts);
                        if (wide) SignByteGemm.MultiplySparse512(x.AsSpan(i0 * k, batch * k), batch, panel, c, threads, lists, counts);
                        else SignByteGemm.MultiplySparse256(x.AsSpan(i0 * k, batch * k), batch, panel, c, threads, lists, counts);
                    }
                    bestSparse = Math.Min(bestSparse, sw.Elapsed.TotalMicroseconds / images);
                }
                Console.WriteLine($"{name,-7} {batch,5} {bestDense,7:F2} {bestSparse,8:F2} {bestDense / bestSparse,12:F2}x {nz / (double)(images / batch * batch) / pairs,8:P1}");
            }
    }

    private static byte[] LoadMnistTest(int images, int k)
    {
        // The repository's bundled copy, found above the working directory or above the binary.
        string? path = null;
        foreach (string start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
            for (var d = new DirectoryInfo(start); d != null && path == null; d = d.Parent)
            {
                string p = Path.Combine(d.FullName, "data", "mnist", "t10k-images-idx3-ubyte.gz");
                if (File.Exists(p)) path = p;
            }
        if (path == null)
            throw new FileNotFoundException($"data/mnist/t10k-images-idx3-ubyte.gz not found above {Environment.CurrentDirectory} or {AppContext.BaseDirectory}");
        return IdxReader.ReadImages(path).Pixels.AsSpan(0, images * k).ToArray();
    }
}
