using System.CommandLine;
using System.Diagnostics;
using System.Text.Json.Nodes;
using Lowbit.Inference.Runtime;
using Lowbit.Tensors;
using Lowbit.Tensors.Autograd;
using Lowbit.Training;

namespace Lowbit.Cli.Commands;

/// <summary>
/// <c>lowbit bench infer</c>: the packed runtime against Lowbit's float (training-time) model on the same test images,
/// against ONNX Runtime running the same model exported to ONNX (OnnxRuntimePeer, unless --onnx false),
/// and optionally against PyTorch running that float graph (PyTorchPeer: benchmarks/peers/torch_infer.py, run first in a
/// child process), at batch 1 and 100, 1 and 2 threads, in one run; one JSON line per setting with the ratios and the
/// time of each packed layer. The same run also measures the clock, the POPCNT peak of one core and the XNOR GEMM rate
/// at 1024³ bits (one JSON line each).
/// </summary>
internal static class BenchInferCommand
{
    /// <summary>Alternating packed/float timing rounds per setting (best round kept for each).</summary>
    private const int Rounds = 3;

    /// <summary>
    /// Each side of a round repeats its slice of images until at least this long has passed: one 100-image call of the
    /// packed MLP takes about 1 ms, too short a window to time (timer and scheduler noise, and the caches the other
    /// side's model just evicted).
    /// </summary>
    private const double MinRoundSeconds = 0.05;

    /// <summary>Runs <paramref name="pass"/> (one pass over <paramref name="imagesPerPass"/> images) until <see cref="MinRoundSeconds"/> have passed.</summary>
    /// <returns>Wall and process CPU µs per image.</returns>
    private static (double WallUs, double CpuUs) Repeated(int imagesPerPass, Action pass)
    {
        double cpu = CpuMicroseconds();
        var clock = Stopwatch.StartNew();
        long done = 0;
        do
        {
            pass();
            done += imagesPerPass;
        }
        while (clock.Elapsed.TotalSeconds < MinRoundSeconds);
        return (clock.Elapsed.TotalMicroseconds / done, (CpuMicroseconds() - cpu) / done);
    }

    public static Command Create(TextWriter output)
    {
        var checkpoint = new Option<string>("--checkpoint") { Description = "Checkpoint of a packable model (e.g. runs/mnist-binarynet/checkpoint.lbck).", Required = true };
        var images = new Option<int>("--images") { Description = "Test images timed per setting.", DefaultValueFactory = _ => 2000 };
        var peer = new Option<string?>("--peer") { Description = "PyTorch peer script (benchmarks/peers/torch_infer.py) to time the same float model (its ONNX graph) with PyTorch in the same run; omitted: no PyTorch column." };
        var python = new Option<string>("--python") { Description = "Python interpreter for --peer.", DefaultValueFactory = _ => "python3" };
        var onnx = new Option<bool>("--onnx") { Description = "Also time ONNX Runtime on the same model exported to ONNX (in this process).", DefaultValueFactory = _ => true };
        var probes = new Option<bool>("--probes") { Description = "Also measure clock, POPCNT peak and XNOR GEMM bit-MACs/cycle at 1024³.", DefaultValueFactory = _ => true };
        var cmd = new Command("infer", "Packed bitwise inference vs the float model, ONNX Runtime (and PyTorch with --peer): µs per image at batch 1/100, threads 1/2, per-layer times (JSON lines).") { checkpoint, images, peer, python, onnx, probes };
        cmd.SetAction(parse =>
        {
            int n = parse.GetValue(images);
            if (n < 100) throw new UserException("--images must be at least 100.");
            string? script = parse.GetValue(peer);
            if (script is not null && !File.Exists(script)) throw new UserException($"--peer: script '{script}' does not exist.");
            return Run(parse.GetValue(checkpoint)!, n, script, parse.GetValue(python)!, parse.GetValue(onnx), parse.GetValue(probes), output);
        });
        return cmd;
    }

    private static int Run(string path, int images, string? peerScript, string python, bool onnx, bool probes, TextWriter output)
    {
        output.WriteLine(new JsonObject { ["bench"] = "machine", ["onnxruntime"] = onnx ? OnnxRuntimePeer.Version : null, ["utc"] = DateTime.UtcNow.ToString("u", System.Globalization.CultureInfo.InvariantCulture), ["loadavg"] = LoadAverage() }.ToJsonString());
        PackedCheckpoint exported;
        try
        {
            exported = CheckpointPacking.Export(path);
        }
        catch (NotSupportedException e)
        {
            throw new UserException($"cannot pack '{path}': {e.Message}");
        }
        var config = exported.Source.Config;
        var data = DataResolver.Load(config.Data);
        var model = exported.Source.Model;
        using var ort = onnx ? OnnxRuntimePeer.Create(model, data.InputShape, config.Name) : null;
        var test = data.Test;
        images = Math.Min(images, test.Count);
        int size = test.SampleSize;
        var inputs = new float[images * size];
        for (int i = 0; i < images; i++) data.Normalization.Apply(test.GetImage(i), test.Channels, inputs.AsSpan(i * size, size));
        var peer = peerScript is null ? null : RunPeer(python, peerScript, model, data.InputShape, config.Name, inputs, size, output);
        foreach (int threads in new[] { 1, 2 })
            foreach (int batch in new[] { 1, 100 })
            {
                var session = new InferenceSession(exported.Model, new InferenceOptions(threads, Math.Max(batch, 1)));
                var classes = new int[batch];
                WarmUp(() => session.Predict(test.Pixels.AsSpan(0, batch * size), batch, classes), Math.Max(3, 300 / batch));
                using var computeThreads = Compute.UseThreads(threads);
                using var noGrad = GradMode.Disable();
                Tensor Batch(int first) => Tensor.FromArray(inputs.AsSpan(first * size, batch * size).ToArray(), batch, test.Channels, test.Height, test.Width);
                WarmUp(() => model.Forward(Batch(0)), Math.Max(3, 30 / batch));
                if (ort is not null) WarmUp(() => ort.MicrosecondsPerImage(inputs, 0, batch, batch, threads), Math.Max(3, 30 / batch));
                double ortUs = double.MaxValue, ortCpuUs = double.MaxValue;
                // The machine is shared: alternate packed and float over Rounds slices of the images (same images for
                // both within a slice) and keep each side's best slice, so a burst of other load hits both alike.
                double packedUs = double.MaxValue, floatUs = double.MaxValue, packedCpuUs = double.MaxValue, floatCpuUs = double.MaxValue;
                int perRound = Math.Max(batch, images / Rounds / batch * batch);
                session.ResetStatistics();
                for (int round = 0; round < Rounds; round++)
                {
                    int offset = round * perRound % Math.Max(batch, images - perRound + 1);
                    var (wall, cpu) = Repeated(perRound, () =>
                    {
                        for (int first = offset; first + batch <= offset + perRound; first += batch)
                            session.Predict(test.Pixels.AsSpan(first * size, batch * size), batch, classes);
                    });
                    packedUs = Math.Min(packedUs, wall);
                    packedCpuUs = Math.Min(packedCpuUs, cpu);
                    (wall, cpu) = Repeated(perRound, () =>
                    {
                        for (int first = offset; first + batch <= offset + perRound; first += batch) model.Forward(Batch(first));
                    });
                    floatUs = Math.Min(floatUs, wall);
                    floatCpuUs = Math.Min(floatCpuUs, cpu);
                    if (ort is not null)
                    {
                        (wall, cpu) = Repeated(perRound, () => ort.MicrosecondsPerImage(inputs, offset, perRound, batch, threads));
                        ortUs = Math.Min(ortUs, wall);
                        ortCpuUs = Math.Min(ortCpuUs, cpu);
                    }
                }
                var line = new JsonObject
                {
                    ["bench"] = "infer",
                    ["model"] = config.Name,
                    ["threads"] = threads,
                    ["batch"] = batch,
                    ["images_per_round"] = perRound,
                    ["rounds"] = Rounds,
                    ["min_round_seconds"] = MinRoundSeconds,
                    ["packed_us_per_image"] = Math.Round(packedUs, 2),
                    ["float_us_per_image"] = Math.Round(floatUs, 2),
                    ["speedup_vs_float"] = Math.Round(floatUs / packedUs, 2),
                    // Process CPU time (all threads): less sensitive to other users' load than wall time.
                    ["packed_cpu_us_per_image"] = Math.Round(packedCpuUs, 2),
                    ["float_cpu_us_per_image"] = Math.Round(floatCpuUs, 2),
                    ["cpu_ratio_vs_float"] = Math.Round(floatCpuUs / packedCpuUs, 2),
                };
                if (ort is not null)
                {
                    line["onnxruntime_us_per_image"] = Math.Round(ortUs, 2);
                    line["speedup_vs_onnxruntime"] = Math.Round(ortUs / packedUs, 2);
                    line["onnxruntime_vs_lowbit_float"] = Math.Round(floatUs / ortUs, 2);
                    line["onnxruntime_cpu_us_per_image"] = Math.Round(ortCpuUs, 2);
                    line["cpu_ratio_vs_onnxruntime"] = Math.Round(ortCpuUs / packedCpuUs, 2);
                }
                if (peer is not null && peer.Microseconds.TryGetValue((threads, batch), out double torchUs))
                {
                    line["pytorch_us_per_image"] = Math.Round(torchUs, 2);
                    line["speedup_vs_pytorch"] = Math.Round(torchUs / packedUs, 2);
                }
                line["layers"] = LayerTimes(exported.Model, session.Statistics);
                output.WriteLine(line.ToJsonString());
            }
        if (probes)
        {
            double hz = BenchInferProbes.ClockHz();
            output.WriteLine(new JsonObject
            {
                ["bench"] = "kernels",
                ["clock_ghz"] = Math.Round(hz / 1e9, 3),
                ["popcnt_bits_per_cycle"] = Math.Round(BenchInferProbes.PopCountBitsPerCycle(hz), 1),
                ["xnor_gemm_1024_bit_macs_per_cycle_per_core"] = Math.Round(BenchInferProbes.XnorGemmBitMacsPerCycle(1024, 1, hz), 1),
                ["loadavg"] = LoadAverage(),
            }.ToJsonString());
        }
        return ExitCodes.Ok;
    }

    /// <summary>
    /// Per packed layer over the timed rounds: kind, output, µs per image and share of the packed time (layer times of
    /// chunks split between threads are summed over the threads, so at 2 threads they add up to CPU rather than wall time).
    /// </summary>
    private static JsonArray LayerTimes(Lowbit.Inference.Format.PackedModel model, InferenceStatistics stats)
    {
        var layers = new JsonArray();
        double total = stats.LayerTicks.Sum();
        for (int l = 0; l < model.Layers.Count; l++)
        {
            var layer = model.Layers[l];
            layers.Add(new JsonObject
            {
                ["layer"] = l,
                ["kind"] = $"{layer.Kind} {layer.KindName}",
                ["output"] = layer.Output.ToString(),
                ["us_per_image"] = Math.Round(stats.LayerTicks[l] * 1e6 / Stopwatch.Frequency / Math.Max(1, stats.Images), 2),
                ["share"] = Math.Round(total > 0 ? stats.LayerTicks[l] / total : 0, 3),
            });
        }
        return layers;
    }

    /// <summary>
    /// Runs <paramref name="run"/> at least <paramref name="calls"/> times and for at least half a second, so that the
    /// runtime's tiered JIT has recompiled the hot methods (after 30 calls and a 100 ms delay, in the background) before
    /// anything is timed, whatever the JIT settings.
    /// </summary>
    private static void WarmUp(Action run, int calls)
    {
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < calls || clock.Elapsed.TotalSeconds < 0.5; i++) run();
    }

    private static double CpuMicroseconds() => System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime.TotalMicroseconds;

    private static string LoadAverage()
    {
        try
        {
            return File.ReadAllText("/proc/loadavg").Trim();
        }
        catch (IOException)
        {
            return "n/a";
        }
    }

    /// <summary>
    /// Runs the PyTorch peer on the float graph and prints one line: how many of the check images PyTorch gives the class
    /// of Lowbit's float model (all of them, unless PyTorch ran another model).
    /// </summary>
    private static PyTorchPeer RunPeer(string python, string script, Lowbit.Nn.Layers.Sequential model, int[] inputShape, string name, float[] inputs, int size, TextWriter output)
    {
        int count = Math.Min(100, inputs.Length / size);
        var peer = PyTorchPeer.Run(python, script, model, inputShape, name, inputs.AsSpan(0, count * size));
        int[] lowbit;
        using (GradMode.Disable())
            lowbit = Tensor.ArgMaxLastDim(model.Forward(Tensor.FromArray(inputs.AsSpan(0, count * size).ToArray(), [count, .. inputShape])));
        var line = new JsonObject { ["bench"] = "pytorch-check", ["images"] = count };
        if (peer.Classes is { } classes)
        {
            line["pytorch_classes_returned"] = classes.Length;
            line["same_class_as_lowbit_float"] = classes.Length == count ? lowbit.Where((c, i) => classes[i] == c).Count() : null;
        }
        output.WriteLine(line.ToJsonString());
        return peer;
    }
}
