using System.Diagnostics;
using System.Text.Json.Nodes;
using Lowbit.Nn.Losses;
using Lowbit.Tensors;
using Lowbit.Training;
using Lowbit.Training.Config;

namespace Lowbit.Cli.Commands;

/// <summary>
/// <c>lowbit bench train</c> for a language-model config: training steps on synthetic token windows of the config's
/// shape (train.bptt steps × train.batch_size streams, ids drawn uniformly from the vocabulary), carrying the recurrent
/// state from window to window as training does. A step = forward + token cross-entropy + backward + gradient
/// clipping + optimizer update. Reports tokens per second (median window), the process CPU time per step (all threads,
/// steadier than wall time on a shared machine) and the time per phase.
/// </summary>
internal static class BenchTrainLanguageModel
{
    public static int Run(ExperimentConfig config, int steps, int warmup, int windows, string? profile, TextWriter output)
    {
        int vocabulary = DataResolver.InputShape(config.Data)[0];
        var model = ModelBuilder.Build(config, [vocabulary]);
        SequenceLayers.Validate(config, model);
        var optimizer = Components.CreateOptimizer(config.Optimizer, model);
        int batch = config.Train.BatchSize, bptt = config.Train.Bptt, tokens = batch * bptt;
        var random = new Random(config.Seed);
        var inputs = Enumerable.Range(0, tokens).Select(_ => random.Next(vocabulary)).ToArray();
        var targets = Enumerable.Range(0, tokens).Select(_ => random.Next(vocabulary)).ToArray();
        var x = SequenceLayers.TokenTensor(inputs, bptt, batch);
        using var scope = Compute.UseThreads(config.Threads);
        model.Train();
        int step = 0;
        var phase = new Stopwatch();
        double forward = 0, backward = 0, update = 0;
        var stepBuffers = new TensorArena();
        var profiler = BenchCommand.CreateProfiler(profile);
        void Step()
        {
            using var buffers = stepBuffers.BeginStep();
            using var profiling = profiler?.Begin();
            model.SetRandom(new Random(step++));
            phase.Restart();
            profiler?.Mark();
            var loss = TokenCrossEntropy.Compute(model.Forward(x), targets).Mean;
            forward += phase.Elapsed.TotalMilliseconds;
            phase.Restart();
            optimizer.ZeroGrad();
            loss.Backward();
            backward += phase.Elapsed.TotalMilliseconds;
            phase.Restart();
            optimizer.Step();
            model.AfterStep();
            update += phase.Elapsed.TotalMilliseconds;
        }

        for (int i = 0; i < warmup; i++) Step();
        forward = backward = update = 0;
        profiler?.Reset();
        var rates = new List<double>();
        long gcBefore = GC.GetTotalAllocatedBytes();
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        for (int win = 0; win < windows; win++)
        {
            var clock = Stopwatch.StartNew();
            for (int i = 0; i < steps; i++) Step();
            rates.Add(steps * tokens / clock.Elapsed.TotalSeconds);
        }

        double cpuMs = (Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalMilliseconds / (steps * windows);
        var inOrder = new JsonArray(rates.Select(r => (JsonNode?)Math.Round(r, 1)).ToArray());
        rates.Sort();
        var json = new JsonObject
        {
            ["bench"] = "train",
            ["config"] = config.Name,
            ["threads"] = config.Threads,
            ["batch_size"] = batch,
            ["bptt"] = bptt,
            ["vocabulary"] = vocabulary,
            ["steps"] = steps,
            ["windows"] = windows,
            ["tokens_per_second"] = Math.Round(rates[rates.Count / 2], 1),
            ["tokens_per_second_max"] = Math.Round(rates[^1], 1),
            ["tokens_per_second_windows"] = inOrder,
            ["ms_per_step"] = Math.Round(tokens * 1000 / rates[rates.Count / 2], 3),
            ["cpu_ms_per_step"] = Math.Round(cpuMs, 3),
            ["allocated_bytes_per_step"] = (GC.GetTotalAllocatedBytes() - gcBefore) / (steps * windows),
            ["forward_ms_per_step"] = Math.Round(forward / (steps * windows), 3),
            ["backward_ms_per_step"] = Math.Round(backward / (steps * windows), 3),
            ["update_ms_per_step"] = Math.Round(update / (steps * windows), 3),
        };
        if (profiler is not null)
        {
            json["profile_clock"] = profile;
            json["ops"] = BenchCommand.ProfileJson(profiler, steps * windows);
        }

        output.WriteLine(json.ToJsonString());
        return ExitCodes.Ok;
    }
}
