using BenchmarkDotNet.Running;

namespace Lowbit.Benchmarks;

/// <summary>Entry point: <c>dotnet run -c Release --project benchmarks/Lowbit.Benchmarks -- --filter '*'</c>.</summary>
public static class Program
{
    public static void Main(string[] args)
    {
        // `sgemm-ratio [threads...]`: stopwatch timings for benchmarks/sgemm-ratio.sh (not BenchmarkDotNet).
        if (args.Length > 0 && args[0] == "sgemm-ratio")
        {
            SgemmTiming.Run(args[1..]);
            return;
        }

        // `bits-timing [size]`: bit-MACs/cycle of the XNOR-popcount GEMM (BitsTiming, not BenchmarkDotNet).
        if (args.Length > 0 && args[0] == "bits-timing")
        {
            BitsTiming.Run(args);
            return;
        }

        // `first-layer-timing [threads] [rounds]`: dense vs sparse-input first layer (FirstLayerTiming).
        if (args.Length > 0 && args[0] == "first-layer-timing")
        {
            FirstLayerTiming.Run(args);
            return;
        }

        // `conv-timing [threads] [rounds]`: convnet training ops at CIFAR-10 layer shapes (ConvTiming).
        if (args.Length > 0 && args[0] == "conv-timing")
        {
            ConvTiming.Run(args);
            return;
        }

        // `xnorconv-timing [images] [rounds] [GHz]`: direct binary convolution paths vs im2col + XNOR GEMM (XnorConvTiming).
        if (args.Length > 0 && args[0] == "xnorconv-timing")
        {
            XnorConvTiming.Run(args);
            return;
        }
        // `thresholdconv-timing [images] [rounds] [GHz]`: the binary network's first layer (ThresholdConvTiming).
        if (args.Length > 0 && args[0] == "thresholdconv-timing")
        {
            ThresholdConvTiming.Run(args);
            return;
        }

        // `dense-timing [rounds]`: one-row packed binary dense products (DenseTiming).
        if (args.Length > 0 && args[0] == "dense-timing")
        {
            DenseTiming.Run(args);
            return;
        }

        // `packed-timing MODEL.lbpm DATA [batch] [threads] [images] [rounds]`: CPU µs per image of a packed model (PackedTiming).
        if (args.Length > 2 && args[0] == "packed-timing")
        {
            PackedTiming.Run(args);
            return;
        }

        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
    }
}
