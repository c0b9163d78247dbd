using System.Diagnostics;
using System.Globalization;
using Lowbit.Tensors;
using Lowbit.Tensors.Autograd;
using Lowbit.Tensors.Ops;

namespace Lowbit.Benchmarks;

/// <summary>
/// Stopwatch timing of the convnet training ops at the CIFAR-10 VGG-small (width 1/4) and ResNet-20 layer shapes,
/// batch 100: Conv2d forward, backward (weight gradient only, then both gradients), batch norm, max pooling, ReLU.
/// </summary>
/// <remarks>
/// Usage: <c>conv-timing [threads] [rounds]</c> (default 1 thread, 5 rounds). Each figure is the best round of
/// process CPU time and of wall time per call (the CPU figure is steadier on a shared machine). GFLOP/s count
/// 2·MACs of the dense convolution (also for Winograd rows, marked "wino": effective rates).
/// </remarks>
public static class ConvTiming
{
    /// <summary>(channels in, channels out, size, stride, kernel) of the timed convolutions.</summary>
    public static readonly (string Name, int C, int O, int Size, int Stride, int Kernel)[] Shapes =
    [
        ("vgg c1 3-32@32", 3, 32, 32, 1, 3), ("vgg c2 32-32@32", 32, 32, 32, 1, 3), ("vgg c3 32-64@16", 32, 64, 16, 1, 3),
        ("vgg c4 64-64@16", 64, 64, 16, 1, 3), ("vgg c5 64-128@8", 64, 128, 8, 1, 3), ("vgg c6 128-128@8", 128, 128, 8, 1, 3),
        ("res 3-16@32", 3, 16, 32, 1, 3), ("res 16-16@32", 16, 16, 32, 1, 3), ("res 16-32@32/2", 16, 32, 32, 2, 3),
        ("res 32-32@16", 32, 32, 16, 1, 3), ("res 32-64@16/2", 32, 64, 16, 2, 3), ("res 64-64@8", 64, 64, 8, 1, 3),
        ("res 1x1 16-32@16", 16, 32, 16, 1, 1),
    ];

    public static void Run(string[] args)
    {
        int threads = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 1;
        int rounds = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 5;
        if (args.Length > 3) Lowbit.Kernels.Conv.DirectConv.BlockOutputs = int.Parse(args[3], CultureInfo.InvariantCulture);
        const int batch = 100;
        using var scope = Compute.UseThreads(threads);
        var arena = new TensorArena();
        var rng = new Random(1);
        Console.WriteLine($"# conv-timing threads={threads} rounds={rounds} batch={batch}: ms per call, best round (cpu / wall), GFLOP/s on cpu time");
        Console.WriteLine($"{"shape",-23} {"fwd cpu",8} {"wall",7} {"GF/s",6} {"dW cpu",8} {"GF/s",6} {"dX cpu",8} {"GF/s",6} {"total",8}");
        foreach (var (name, c, o, size, stride, kernel) in Shapes)
        {
            int pad = kernel / 2, outSize = (size + 2 * pad - kernel) / stride + 1;
            double macs = (double)batch * o * outSize * outSize * c * kernel * kernel;
            var x = Tensor.RandomUniform(rng, -1, 1, [batch, c, size, size]);
            var w = Tensor.RandomUniform(rng, -1, 1, [o, c, kernel, kernel]);
            var g = Tensor.RandomUniform(rng, -1, 1, [batch, o, outSize, outSize]);
            w.RequiresGrad = true;
            foreach (var algorithm in new[] { Tensor.ConvAlgorithm.Direct, Tensor.ConvAlgorithm.Winograd })
            {
                if (algorithm == Tensor.ConvAlgorithm.Winograd && !Tensor.UsesWinograd(new ConvGeometry(batch, c, size, size, kernel, kernel, stride, pad), o)) continue;
                x.RequiresGrad = false;
                var fwd = Best(rounds, arena, () => Tensor.Conv2dWith(algorithm, x, w, null, stride, pad));
                var dW = Best(rounds, arena, () => { w.Grad = null; Tensor.Conv2dWith(algorithm, x, w, null, stride, pad).Backward(g); });
                x.RequiresGrad = true;
                var both = Best(rounds, arena, () => { w.Grad = x.Grad = null; Tensor.Conv2dWith(algorithm, x, w, null, stride, pad).Backward(g); });
                double dWms = dW.Cpu - fwd.Cpu, dXms = both.Cpu - dW.Cpu;
                string label = algorithm == Tensor.ConvAlgorithm.Winograd ? name + " wino" : name;
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{label,-23} {fwd.Cpu,8:F2} {fwd.Wall,7:F2} {Gf(macs, fwd.Cpu),6:F1} {dWms,8:F2} {Gf(macs, dWms),6:F1} {dXms,8:F2} {Gf(macs, dXms),6:F1} {both.Cpu,8:F2}"));
            }
            w.Grad = null;
        }
        Console.WriteLine("# binary forward with the existing bit kernels (float NCHW -> NHWC sign bits -> BitIm2Col -> XnorGemm -> float NCHW), ms cpu:");
        foreach (var (name, c, o, size, stride, kernel) in Shapes.Where(s => s.C >= 16 && s.Kernel == 3))
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name,-18} xnor fwd {XnorForward(rounds, batch, c, o, size, stride, rng):F2}"));
        foreach (var (name, c, size) in new[] { ("bn/relu/pool 16@32", 16, 32), ("bn/relu/pool 32@32", 32, 32), ("bn/relu/pool 64@8", 64, 8) })
        {
            var x = Tensor.RandomUniform(rng, -1, 1, [batch, c, size, size]);
            x.RequiresGrad = true;
            var gamma = Tensor.Ones(c);
            var beta = Tensor.Zeros(c);
            gamma.RequiresGrad = beta.RequiresGrad = true;
            var rm = Tensor.Zeros(c);
            var rv = Tensor.Ones(c);
            var g = Tensor.RandomUniform(rng, -1, 1, [batch, c, size, size]);
            var gp = Tensor.RandomUniform(rng, -1, 1, [batch, c, size / 2, size / 2]);
            var opts = new BatchNormOptions(true);
            var bnF = Best(rounds, arena, () => Tensor.BatchNorm(x, gamma, beta, rm, rv, opts));
            var bnB = Best(rounds, arena, () => { x.Grad = gamma.Grad = beta.Grad = null; Tensor.BatchNorm(x, gamma, beta, rm, rv, opts).Backward(g); });
            var reluF = Best(rounds, arena, () => Tensor.Relu(x));
            var reluB = Best(rounds, arena, () => { x.Grad = null; Tensor.Relu(x).Backward(g); });
            var poolF = Best(rounds, arena, () => Tensor.MaxPool2d(x, 2));
            var poolB = Best(rounds, arena, () => { x.Grad = null; Tensor.MaxPool2d(x, 2).Backward(gp); });
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{name,-18} bn {bnF.Cpu:F2} + {bnB.Cpu - bnF.Cpu:F2}  relu {reluF.Cpu:F2} + {reluB.Cpu - reluF.Cpu:F2}  maxpool {poolF.Cpu:F2} + {poolB.Cpu - poolF.Cpu:F2} ms (cpu, fwd + bwd)"));
        }
    }

    /// <summary>CPU ms of one binary forward at this shape through the bit kernels (cost only; zero-padding correction not applied).</summary>
    private static double XnorForward(int rounds, int batch, int c, int o, int size, int stride, Random rng)
    {
        int outSize = (size + 2 - 3) / stride + 1, pixels = size * size, pixelWords = Lowbit.Kernels.Bits.BitLayout.WordsPerRow(c);
        int patchWords = Lowbit.Kernels.Bits.BitIm2Col.PatchWords(c, 3, 3), positions = outSize * outSize;
        var x = new float[batch * c * pixels];
        for (int i = 0; i < x.Length; i++) x[i] = rng.Next(2) * 2 - 1;
        var wT = new float[o * 9 * c];
        for (int i = 0; i < wT.Length; i++) wT[i] = rng.Next(2) * 2 - 1;
        var wBits = new ulong[o * patchWords];
        Lowbit.Kernels.Bits.BitPacking.PackSigns(wT, o, 9 * c, wBits);
        var hwc = new float[pixels * c];
        var bits = new ulong[pixels * pixelWords];
        var patches = new ulong[positions * patchWords];
        var counts = new int[positions * o];
        var y = new float[batch * o * positions];
        double best = double.MaxValue;
        for (int r = 0; r < rounds + 1; r++)
        {
            double t0 = SgemmTiming.ProcessCpuSeconds();
            for (int n = 0; n < batch; n++)
            {
                for (int ch = 0; ch < c; ch++)
                    for (int p = 0; p < pixels; p++) hwc[p * c + ch] = x[(n * c + ch) * pixels + p];
                Lowbit.Kernels.Bits.BitPacking.PackSigns(hwc, pixels, c, bits);
                Lowbit.Kernels.Bits.BitIm2Col.Transform(bits, 1, size, size, c, 3, 3, stride, stride, 1, 1, patches);
                Lowbit.Kernels.Bits.XnorGemm.Multiply(patches, wBits, positions, o, 9 * c, counts);
                for (int p = 0; p < positions; p++)
                    for (int oc = 0; oc < o; oc++) y[(n * o + oc) * positions + p] = counts[p * o + oc];
            }
            if (r > 0) best = Math.Min(best, (SgemmTiming.ProcessCpuSeconds() - t0) * 1e3);
        }
        return best;
    }

    private static double Gf(double macs, double ms) => 2 * macs / (ms * 1e-3) / 1e9;

    /// <summary>Best (cpu, wall) milliseconds over rounds of a few calls each, inside a step scope as training runs.</summary>
    private static (double Cpu, double Wall) Best(int rounds, TensorArena arena, Action body)
    {
        double cpu = double.MaxValue, wall = double.MaxValue;
        for (int r = 0; r < rounds + 1; r++)
        {
            using var step = arena.BeginStep();
            double c0 = SgemmTiming.ProcessCpuSeconds();
            long t0 = Stopwatch.GetTimestamp();
            body();
            double c1 = SgemmTiming.ProcessCpuSeconds();
            if (r == 0) continue; // warm-up
            cpu = Math.Min(cpu, (c1 - c0) * 1e3);
            wall = Math.Min(wall, Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
        }
        return (cpu, wall);
    }
}
