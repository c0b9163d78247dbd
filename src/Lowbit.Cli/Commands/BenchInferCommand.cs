using System.CommandLine;
using System.Diagnostics;
using System.Text.Json.Nodes;
using Lowbit.Inference.Export;
using Lowbit.Inference.Runtime;
using Lowbit.Tensors;
using Lowbit.Tensors.Autograd;
using Lowbit.Training;
using Lowbit.Training.Checkpoints;
using Lowbit.Training.Config;

namespace Lowbit.Cli.Commands;

/// <summary>
/// <c>lowbit bench infer</c>: the packed runtime against Lowbit's float (training-time) model on the same test images,
/// at batch 1 and 100, 1 and 2 threads, in one run; one JSON line per setting with the ratio.
/// </summary>
internal static class BenchInferCommand
{
    public static Command Create(TextWriter output)
    {
        var checkpoint = new Option<string>("--checkpoint") { Description = "Checkpoint of a packable model (e.g. runs/mnist-binarynet/checkpoint.lbck).", Required = true };
        var images = new Option<int>("--images") { Description = "Test images timed per setting.", DefaultValueFactory = _ => 2000 };
        var cmd = new Command("infer", "Packed bitwise inference vs the float model: µs per image at batch 1/100, threads 1/2 (JSON lines).") { checkpoint, images };
        cmd.SetAction(parse =>
        {
            int n = parse.GetValue(images);
            if (n < 100) throw new UserException("--images must be at least 100.");
            return Run(parse.GetValue(checkpoint)!, n, output);
        });
        return cmd;
    }

    private static int Run(string path, int images, TextWriter output)
    {
        var exported = CheckpointExporter.Export(path);
        var config = exported.Config;
        var data = DataResolver.Load(config.Data);
        var model = ModelBuilder.Build(config, data.InputShape);
        model.LoadStateDict(Checkpoint.Load(path).Model);
        model.Eval();
        var test = data.Test;
        images = Math.Min(images, test.Count);
        int size = test.SampleSize;
        var inputs = new float[images * size];
        for (int i = 0; i < images; i++) data.Normalization.Apply(test.GetImage(i), test.Channels, inputs.AsSpan(i * size, size));
        foreach (int threads in new[] { 1, 2 })
            foreach (int batch in new[] { 1, 100 })
            {
                var session = new InferenceSession(exported.Model, new InferenceOptions(threads, Math.Max(batch, 1)));
                var classes = new int[batch];
                for (int w = 0; w < Math.Max(3, 300 / batch); w++) session.Predict(test.Pixels.AsSpan(0, batch * size), batch, classes); // warm-up (JIT tiers)
                var clock = Stopwatch.StartNew();
                for (int first = 0; first + batch <= images; first += batch)
                    session.Predict(test.Pixels.AsSpan(first * size, batch * size), batch, classes);
                double packedUs = clock.Elapsed.TotalMicroseconds / (images / batch * batch);

                double floatUs;
                using (Compute.UseThreads(threads))
                using (GradMode.Disable())
                {
                    Tensor Batch(int first) => Tensor.FromArray(inputs.AsSpan(first * size, batch * size).ToArray(), batch, test.Channels, test.Height, test.Width);
                    for (int w = 0; w < Math.Max(3, 30 / batch); w++) model.Forward(Batch(0));
                    clock.Restart();
                    for (int first = 0; first + batch <= images; first += batch) model.Forward(Batch(first));
                    floatUs = clock.Elapsed.TotalMicroseconds / (images / batch * batch);
                }
                var line = new JsonObject
                {
                    ["bench"] = "infer",
                    ["model"] = config.Name,
                    ["threads"] = threads,
                    ["batch"] = batch,
                    ["images"] = images / batch * batch,
                    ["packed_us_per_image"] = Math.Round(packedUs, 2),
                    ["float_us_per_image"] = Math.Round(floatUs, 2),
                    ["speedup_vs_float"] = Math.Round(floatUs / packedUs, 2),
                };
                output.WriteLine(line.ToJsonString());
            }
        return ExitCodes.Ok;
    }
}
