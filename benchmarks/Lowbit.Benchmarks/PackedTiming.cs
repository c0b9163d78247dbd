using System.Diagnostics;
using System.Globalization;
using Lowbit.Inference.Format;
using Lowbit.Inference.Runtime;

namespace Lowbit.Benchmarks;

/// <summary>
/// Process CPU time of a packed model per image, and each layer's share, on the first test images of its dataset.
/// Run: <c>dotnet run -c Release --project benchmarks/Lowbit.Benchmarks -- packed-timing MODEL.lbpm DATA_FOLDER [batch]
/// [threads] [images] [rounds]</c> (DATA_FOLDER: the CIFAR-10 batches for 3-channel models, else MNIST's idx files).
/// CPU time is what a loaded machine distorts least; with 1 thread it is the work of the packed runtime alone.
/// </summary>
internal static class PackedTiming
{
    public static void Run(string[] args)
    {
        var inv = CultureInfo.InvariantCulture;
        var model = PackedModelFile.Read(args[1]);
        int batch = args.Length > 3 ? int.Parse(args[3], inv) : 1;
        int threads = args.Length > 4 ? int.Parse(args[4], inv) : 1;
        int images = args.Length > 5 ? int.Parse(args[5], inv) : 500;
        int rounds = args.Length > 6 ? int.Parse(args[6], inv) : 3;
        var test = model.InputShape[0] == 3
            ? Lowbit.Data.DatasetCatalog.LoadCifar10(args[2], train: false)
            : Lowbit.Data.DatasetCatalog.LoadMnist(args[2]).Test;
        images = Math.Min(images, test.Count) / batch * batch;
        int size = model.InputSize;
        var session = new InferenceSession(model, new InferenceOptions(threads, batch));
        var classes = new int[batch];
        for (int i = 0; i + batch <= Math.Min(images, 50 * batch); i += batch) session.Predict(test.Pixels.AsSpan(i * size, batch * size), batch, classes);
        long allocated0 = GC.GetAllocatedBytesForCurrentThread();
        session.Predict(test.Pixels.AsSpan(0, batch * size), batch, classes);
        long allocatedPerCall = GC.GetAllocatedBytesForCurrentThread() - allocated0;
        double best = double.MaxValue;
        double[] layers = new double[model.Layers.Count];
        for (int r = 0; r < rounds; r++)
        {
            session.ResetStatistics();
            double cpu0 = Process.GetCurrentProcess().TotalProcessorTime.TotalMicroseconds;
            for (int i = 0; i + batch <= images; i += batch) session.Predict(test.Pixels.AsSpan(i * size, batch * size), batch, classes);
            double cpu = (Process.GetCurrentProcess().TotalProcessorTime.TotalMicroseconds - cpu0) / images;
            if (cpu < best)
            {
                best = cpu;
                double total = session.Statistics.LayerTicks.Sum();
                for (int l = 0; l < layers.Length; l++) layers[l] = session.Statistics.LayerTicks[l] / total;
            }
        }
        Console.WriteLine(string.Create(inv, $"{Path.GetFileName(args[1])}: batch {batch}, {threads} thread(s), {images} images, best of {rounds}: {best:F1} µs CPU per image; {allocatedPerCall} bytes allocated per call; load {File.ReadAllText("/proc/loadavg").Trim()}"));
        var context = new StepContext(model, new InferenceOptions(), new RunCounters(model.Layers.Count), new ScratchArena());
        for (int l = 0; l < layers.Length; l++)
            Console.WriteLine(string.Create(inv, $"  layer {l,2} kind {model.Layers[l].Kind,2} {model.Layers[l].KindName,-22} {100 * layers[l],5:F1} %  ≈ {best * layers[l],8:F1} µs{StepPath(model.Layers[l], context)}"));
    }

    /// <summary>" (fused)" or " (tensor ops)" for the steps with a checked fast path, else empty.</summary>
    private static string StepPath(PackedLayer layer, StepContext context) => layer.CreateStep(context) switch
    {
        Lowbit.Inference.Runtime.Steps.ByteSignConvStep s => s.IsFused ? " (fused)" : " (tensor ops)",
        Lowbit.Inference.Runtime.Steps.ByteRealConvStep s => s.IsFused ? " (fused)" : " (tensor ops)",
        Lowbit.Inference.Runtime.Steps.BinaryResidualConvStep s => s.IsFused ? " (fused)" : " (tensor ops)",
        _ => "",
    };
}
