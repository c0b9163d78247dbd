using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Lowbit.Tensors;
using Lowbit.Tensors.Autograd;
using Lowbit.Training;
using Lowbit.Training.Config;

namespace Lowbit.Cli.Commands;

/// <summary><c>lowbit bench</c>: throughput measurements printed as JSON lines.</summary>
internal static class BenchCommand
{
    public static Command Create(TextWriter output)
    {
        var bench = new Command("bench", "Measure throughput (JSON lines on stdout).");
        // JSON lines are bench's only output (one object per measurement); --json is accepted so that scripts can pass
        // it to every command that measures or evaluates (train, eval, infer, bench) alike.
        bench.Options.Add(new Option<bool>("--json") { Description = "JSON lines on stdout (bench's only format).", Recursive = true });
        bench.Subcommands.Add(CreateTrain(output));
        bench.Subcommands.Add(BenchInferCommand.Create(output));
        return bench;
    }

    private static Command CreateTrain(TextWriter output)
    {
        var config = new Option<string?>("--config", "-c") { Description = "Experiment config (default: configs/mnist-binarynet.json)." };
        var set = new Option<string[]>("--set") { Description = "Config overrides key=value (repeatable).", DefaultValueFactory = _ => [] };
        var threads = new Option<int?>("--threads") { Description = "Compute threads (default: the config's)." };
        var steps = new Option<int>("--steps") { Description = "Timed training steps per window.", DefaultValueFactory = _ => 50 };
        var warmup = new Option<int>("--warmup") { Description = "Untimed warm-up steps.", DefaultValueFactory = _ => 10 };
        var windows = new Option<int>("--windows") { Description = "Timed windows; the median is reported.", DefaultValueFactory = _ => 3 };
        var profile = new Option<string?>("--profile")
        {
            Description = "Also report milliseconds per step by op name, forward and backward (\"ops\"): 'wall', or 'cpu' (the training thread's CPU time; " +
                "Linux; with --threads 1 it counts all compute and is not inflated by other processes).",
        };
        profile.AcceptOnlyFromAmong("wall", "cpu");
        var cmd = new Command("train", "Training steps per second of a config's model on synthetic batches of its dataset's shape (no data loading).") { config, set, threads, steps, warmup, windows, profile };
        cmd.SetAction(parse =>
        {
            int s = parse.GetValue(steps), w = parse.GetValue(warmup), win = parse.GetValue(windows);
            if (s < 1 || w < 0 || win < 1) throw new UserException("--steps and --windows must be ≥ 1 and --warmup ≥ 0.");
            var overrides = (parse.GetValue(set) ?? []).ToList();
            if (parse.GetValue(threads) is int t) overrides.Add($"threads={t}");
            var c = ConfigLoader.Load(Paths.ResolveConfig(parse.GetValue(config)), overrides);
            return c.Data.IsText ? BenchTrainLanguageModel.Run(c, s, w, win, parse.GetValue(profile), output) : Run(c, s, w, win, parse.GetValue(profile), output);
        });
        return cmd;
    }

    private static int Run(ExperimentConfig config, int steps, int warmup, int windows, string? profile, TextWriter output)
    {
        var shape = DataResolver.InputShape(config.Data);
        var model = ModelBuilder.Build(config, shape);
        var optimizer = Components.CreateOptimizer(config.Optimizer, model);
        var loss = Components.CreateLoss(config.Loss);
        int batch = config.Train.BatchSize;
        var random = new Random(config.Seed);
        var x = Tensor.RandomUniform(random, -1, 1, [batch, .. shape]);
        var labels = Enumerable.Range(0, batch).Select(_ => random.Next(10)).ToArray();
        using var scope = Compute.UseThreads(config.Threads);
        model.Train();
        int step = 0;
        var phase = new Stopwatch();
        double forward = 0, backward = 0, update = 0;
        var stepBuffers = new TensorArena(); // reuses op result buffers step to step, as the trainer does
        var arithmetic = model.OutputHook as Nn.Arithmetic.ArithmeticPolicy; // an "arithmetic" block: rounding as in training
        var profiler = CreateProfiler(profile);
        void Step()
        {
            using var buffers = stepBuffers.BeginStep();
            using var profiling = profiler?.Begin();
            arithmetic?.BeginStep(step);
            model.SetRandom(new Random(step++));
            phase.Restart();
            profiler?.Mark();
            var l = loss.Compute(model.Forward(x), labels);
            var reg = model.Regularization();
            var total = reg is null ? l : Tensor.Add(l, reg);
            forward += phase.Elapsed.TotalMilliseconds;
            phase.Restart();
            optimizer.ZeroGrad();
            if (arithmetic is null || arithmetic.LossScale == 1) total.Backward();
            else total.Backward(Tensor.Full(total.DType, arithmetic.LossScale, [.. total.Shape]));
            backward += phase.Elapsed.TotalMilliseconds;
            phase.Restart();
            optimizer.Step();
            model.AfterStep();
            arithmetic?.EndStep();
            update += phase.Elapsed.TotalMilliseconds;
        }
        for (int i = 0; i < warmup; i++) Step();
        // After warm-up a step should allocate the same small amount every time: no arena buffer, no growth.
        int buffersAfterWarmup = stepBuffers.BuffersCreated;
        long allocatedAfterWarmup = GC.GetTotalAllocatedBytes();
        int gen2AfterWarmup = GC.CollectionCount(2);
        var allocatedPerWindow = new JsonArray();
        forward = backward = update = 0;
        profiler?.Reset();
        var rates = new List<double>();
        for (int win = 0; win < windows; win++)
        {
            long gcBefore = GC.GetTotalAllocatedBytes();
            var clock = Stopwatch.StartNew();
            for (int i = 0; i < steps; i++) Step();
            double seconds = clock.Elapsed.TotalSeconds;
            rates.Add(steps * batch / seconds);
            allocatedPerWindow.Add((JsonNode?)((GC.GetTotalAllocatedBytes() - gcBefore) / steps));
            if (win == windows - 1)
            {
                var inOrder = new JsonArray(rates.Select(r => (JsonNode?)Math.Round(r, 1)).ToArray());
                rates.Sort();
                var json = new JsonObject
                {
                    ["bench"] = "train",
                    ["config"] = config.Name,
                    ["threads"] = config.Threads,
                    ["batch_size"] = batch,
                    ["steps"] = steps,
                    ["windows"] = windows,
                    ["images_per_second"] = Math.Round(rates[rates.Count / 2], 1),
                    ["images_per_second_max"] = Math.Round(rates[^1], 1),
                    ["images_per_second_windows"] = inOrder, // every window, in time order
                    ["allocated_bytes_per_step"] = (GC.GetTotalAllocatedBytes() - gcBefore) / steps,
                    ["allocated_bytes_per_step_windows"] = allocatedPerWindow, // in time order: flat = nothing grows with the step count
                    ["allocated_bytes_after_warmup"] = GC.GetTotalAllocatedBytes() - allocatedAfterWarmup,
                    ["arena_buffers_created_after_warmup"] = stepBuffers.BuffersCreated - buffersAfterWarmup,
                    ["gen2_collections_after_warmup"] = GC.CollectionCount(2) - gen2AfterWarmup,
                    ["forward_ms_per_step"] = Math.Round(forward / (steps * windows), 3),
                    ["backward_ms_per_step"] = Math.Round(backward / (steps * windows), 3),
                    ["update_ms_per_step"] = Math.Round(update / (steps * windows), 3),
                };
                if (profiler is not null)
                {
                    json["profile_clock"] = profile;
                    json["ops"] = ProfileJson(profiler, steps * windows);
                }
                output.WriteLine(json.ToJsonString());
            }
        }
        return ExitCodes.Ok;
    }

    /// <summary>The op profiler for --profile wall|cpu, or null.</summary>
    internal static OpProfiler? CreateProfiler(string? profile) => profile switch
    {
        null => null,
        "cpu" when !ThreadCpuClock.IsAvailable => throw new UserException("--profile cpu needs Linux (thread CPU clock); use --profile wall."),
        "cpu" => new OpProfiler(ThreadCpuClock.Now, ThreadCpuClock.TicksPerSecond),
        _ => new OpProfiler(),
    };

    /// <summary>Per op name, most expensive first: forward and backward milliseconds and calls per step.</summary>
    internal static JsonArray ProfileJson(OpProfiler profiler, int steps)
    {
        var ops = new JsonArray();
        foreach (var t in profiler.Timings.OrderByDescending(t => t.ForwardTicks + t.BackwardTicks))
        {
            ops.Add(new JsonObject
            {
                ["op"] = t.OpName,
                ["forward_ms"] = Math.Round(t.ForwardMilliseconds / steps, 3),
                ["backward_ms"] = Math.Round(t.BackwardMilliseconds / steps, 3),
                ["calls"] = Math.Round((double)Math.Max(t.ForwardCalls, t.BackwardCalls) / steps, 2),
            });
        }
        return ops;
    }
}
