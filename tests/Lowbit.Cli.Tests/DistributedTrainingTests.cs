using System.Globalization;
using System.Text.Json;
using Lowbit.Testing;
using Lowbit.Training.Checkpoints;
using Xunit.Abstractions;

namespace Lowbit.Cli.Tests;

/// <summary>
/// Data-parallel training under Open MPI's mpirun (two or three processes on this machine): the same metrics as one
/// process, reproducible, stopped cleanly when a process dies, and resumable. Skipped without mpirun.
/// </summary>
public sealed class DistributedTrainingTests : IDisposable
{
    /// <summary>A float MLP without batch norm or dropout: its global-batch gradient does not depend on the split.</summary>
    private const string Layers = "[{\"type\":\"flatten\"},{\"type\":\"dense\",\"units\":24},{\"type\":\"relu\"},{\"type\":\"dense\",\"units\":10}]";

    private readonly ITestOutputHelper _log;
    private readonly string _root = CliHarness.TempDir("mpi");
    private readonly string _data;

    public DistributedTrainingTests(ITestOutputHelper log)
    {
        _log = log;
        // 205 images, 20 for validation: 185 in batches of 20 is 9 full batches and one of 5 (split 3/2 or 2/2/1).
        _data = SyntheticIdx.Write(Path.Combine(_root, "data"), 205, 40, pixel: (i, p) => (byte)((i % 10) * 20 + (p * 13 + i * 7) % 50));
    }

    public void Dispose() => Directory.Delete(_root, true);

    private string Config(string name, int epochs, string extra = "")
    {
        string path = Path.Combine(_root, name + ".json");
        File.WriteAllText(path, $$"""
            { "name": "{{name}}", "seed": 7, "threads": 1,
              "data": { "dataset": "mnist", "path": {{JsonSerializer.Serialize(_data)}}, "validation": 20, "normalize": "plus_minus_one" },
              "layers": {{Layers}},
              "loss": "softmax_cross_entropy", "optimizer": { "type": "adam", "lr": 0.01 },
              "train": { "epochs": {{epochs}}, "batch_size": 20, "eval_batch_size": 50 }{{extra}} }
            """);
        return path;
    }

    private string Out(string name) => Path.Combine(_root, name);

    /// <summary>Epoch, learning rate, train loss and accuracy, validation loss and accuracy, test accuracy (no times).</summary>
    private static double[][] Metrics(string outDir) => [.. File.ReadAllLines(Path.Combine(outDir, "metrics.csv")).Skip(1)
        .Select(l => l.Split(',').Take(7).Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray())];

    private static Dictionary<string, float[]> Model(string outDir) =>
        RunCheckpoint.Load(Path.Combine(outDir, "checkpoint.lbck")).Data.Model.ToDictionary(kv => kv.Key, kv => kv.Value.AsSpan().ToArray());

    private static void AssertOk((int Code, string Output) run) => Assert.True(run.Code == 0, $"exit {run.Code}:\n{run.Output}");

    /// <summary>
    /// 50 steps (5 epochs of 10 batches, the last one partial) in one process and split over 2 and 3 processes give the
    /// same metrics and weights up to float rounding: each process's mean-loss gradient times its share of the batch,
    /// summed, is the batch's gradient computed in another order. Tolerance: 1e-5 relative on losses (metrics.csv keeps 6
    /// digits), 1e-5 absolute on weights of magnitude ~0.1 (measured: 2.7e-7 and 1.4e-7, losses equal to 6 digits),
    /// accuracies equal.
    /// </summary>
    [RequiresMpirunFact]
    public void SeveralProcesses_MatchOneProcess_AfterFiftySteps()
    {
        string config = Config("match", 5);
        var (code, _, err) = CliHarness.Run("train", "--quiet", "--config", config, "--out", Out("one"));
        Assert.True(code == 0, err);
        AssertOk(MpiHarness.Run(2, 240, "train", "--quiet", "--config", config, "--out", Out("two")));
        // Three processes also overlap the exchange with the backward pass, in buckets of about one layer.
        AssertOk(MpiHarness.Run(3, 240, "train", "--quiet", "--config", config, "--out", Out("three"), "--set", "distributed.overlap=true", "--set", "distributed.bucket_mb=0.005"));
        var one = Metrics(Out("one"));
        var reference = Model(Out("one"));
        foreach (var name in new[] { "two", "three" })
        {
            var many = Metrics(Out(name));
            Assert.Equal(one.Length, many.Length);
            for (int e = 0; e < one.Length; e++)
                for (int c = 0; c < 7; c++)
                {
                    double tolerance = c is 2 or 4 ? 1e-5 * Math.Abs(one[e][c]) : 1e-9;
                    Assert.True(Math.Abs(one[e][c] - many[e][c]) <= tolerance, $"{name} processes: epoch {e + 1} column {c}: {many[e][c]} vs one process {one[e][c]} (tolerance {tolerance})");
                }
            var weights = Model(Out(name));
            double worst = reference.Max(kv => kv.Value.Zip(weights[kv.Key], (a, b) => (double)Math.Abs(a - b)).Max());
            double loss = one.Select((row, e) => Math.Abs(row[2] - many[e][2]) / Math.Abs(row[2])).Max();
            _log.WriteLine($"{name} processes: largest weight difference {worst:G3}, largest relative train-loss difference {loss:G3}");
            Assert.True(worst <= 1e-5, $"{name} processes: weights differ from one process's by up to {worst}");
        }
    }

    /// <summary>Two runs of 2 processes with the same seed, with 6-bit stochastic gradients on the wire (overlapped), are identical.</summary>
    [RequiresMpirunFact]
    public void TwoProcesses_SameSeed_GiveIdenticalRuns()
    {
        string config = Config("repeat", 3, ", \"distributed\": { \"gradient_bits\": 6, \"bucket_mb\": 0.005, \"overlap\": true }");
        AssertOk(MpiHarness.Run(2, 240, "train", "--quiet", "--config", config, "--out", Out("a")));
        AssertOk(MpiHarness.Run(2, 240, "train", "--quiet", "--config", config, "--out", Out("b")));
        Assert.Equal(Metrics(Out("a")), Metrics(Out("b")));
        var (a, b) = (Model(Out("a")), Model(Out("b")));
        foreach (var (name, values) in a) Assert.True(values.SequenceEqual(b[name]), $"tensor {name} differs between the two runs");
        var result = JsonDocument.Parse(File.ReadAllText(Path.Combine(Out("a"), "result.json"))).RootElement.GetProperty("distributed");
        Assert.Equal(6, result.GetProperty("gradient_bits").GetInt32());
        // Buckets of 0.005 MB (1311 floats), parameters from the last: [10 + 240 + 24] and [24 * 784]; each message is a
        // 4-byte scale and 6 bits per value: 4 + ceil(274 * 6 / 8) + 4 + 18816 * 6 / 8 = 210 + 14116 (float32: 76360).
        Assert.Equal(14326, result.GetProperty("bytes_per_step").GetInt64());
    }

    /// <summary>Killing one of three processes ends the job with a non-zero exit and a line from each surviving rank.</summary>
    [RequiresMpirunFact]
    public void KilledRank_EndsTheJob_WithAMessageFromEveryOtherRank()
    {
        using var job = MpiHarness.Start(3, "train", "--quiet", "--config", Config("killed", 1000), "--out", Out("killed"), "--set", "train.batch_size=3");
        Assert.True(job.WaitFor(" 1/1000 ", 120), $"no first epoch:\n{job.Output}");
        System.Diagnostics.Process.GetProcessById(job.RankProcess(1)).Kill();
        var (code, output) = job.Finish(60);
        Assert.True(code != 0 && code != -1, $"exit {code}:\n{output}");
        foreach (int rank in new[] { 0, 2 }) Assert.Contains($"lowbit: rank {rank} of 3: stopped by mpirun", output, StringComparison.Ordinal);
    }

    /// <summary>
    /// A process that stops answering (SIGSTOP: alive but silent, which mpirun cannot see) makes the other give up after
    /// distributed.timeout_seconds with a line naming the exchange it waited for, and the job exits with code 4.
    /// </summary>
    [RequiresMpirunFact]
    public void HungRank_TimesOut_WithExitCodeFour()
    {
        using var job = MpiHarness.Start(2, "train", "--quiet", "--config", Config("hung", 1000), "--out", Out("hung"),
            "--set", "train.batch_size=3", "--set", "distributed.timeout_seconds=3");
        Assert.True(job.WaitFor(" 1/1000 ", 120), $"no first epoch:\n{job.Output}");
        int rank1 = job.RankProcess(1);
        using (var stop = System.Diagnostics.Process.Start("kill", ["-STOP", rank1.ToString(CultureInfo.InvariantCulture)])) stop.WaitForExit();
        var (code, output) = job.Finish(60);
        Assert.True(code == ExitCodes.DistributedFailure, $"exit {code}:\n{output}");
        Assert.Contains("lowbit: rank 0 of 2: no answer from the other ranks for 3 s in the ", output, StringComparison.Ordinal);
    }

    /// <summary>A 2-process run killed after its first epoch, resumed with 2 processes, ends as the uninterrupted run.</summary>
    [RequiresMpirunFact]
    public void Resume_TwoProcesses_EndsLikeTheUninterruptedRun()
    {
        string config = Config("resumed", 4);
        var set = new[] { "--set", "train.batch_size=2" };
        AssertOk(MpiHarness.Run(2, 240, ["train", "--quiet", "--config", config, "--out", Out("whole"), .. set]));
        using (var job = MpiHarness.Start(2, ["train", "--quiet", "--config", config, "--out", Out("cut"), .. set]))
        {
            Assert.True(job.WaitFor(" 1/4 ", 120), $"no first epoch:\n{job.Output}");
            System.Diagnostics.Process.GetProcessById(job.RankProcess(1)).Kill();
            var (code, output) = job.Finish(60);
            Assert.True(code != 0, $"the run was not cut:\n{output}");
        }
        int done = Metrics(Out("cut")).Length;
        Assert.True(done is >= 1 and < 4, $"the cut run finished {done} epochs");
        AssertOk(MpiHarness.Run(2, 240, ["train", "--quiet", "--out", Out("cut"), "--resume", .. set]));
        Assert.Equal(Metrics(Out("whole")), Metrics(Out("cut")));
        var (whole, cut) = (Model(Out("whole")), Model(Out("cut")));
        foreach (var (name, values) in whole) Assert.True(values.SequenceEqual(cut[name]), $"tensor {name} differs after resuming");
    }

    /// <summary>
    /// A set-up error every process meets alike is printed once, as one line, and the job exits with 1: an unknown config
    /// field, and a language model (whose trainer runs in one process only).
    /// </summary>
    [RequiresMpirunFact]
    public void SetupErrors_ArePrintedOnce_AndTheJobExitsWithOne()
    {
        var cases = new[]
        {
            (Args: new[] { "train", "--quiet", "--config", Config("bad", 1), "--out", Out("bad"), "--set", "train.epochz=3" }, Part: "train.epochz"),
            (Args: new[] { "train", "--quiet", "--config", "ptb-lstm-balanced-w2a2.json", "--out", Out("lm") }, Part: "language models"),
        };
        foreach (var (args, part) in cases)
        {
            var (code, output) = MpiHarness.Run(2, 120, args);
            // Lines as the processes wrote them, without the keypad-mode sequence .NET sends to mpirun's pseudo-terminal.
            var lines = output.Split('\n').Select(l => l.Replace("\u001b[?1h\u001b=", "", StringComparison.Ordinal).Trim()).Where(l => l.StartsWith("lowbit:", StringComparison.Ordinal)).ToList();
            Assert.True(code == ExitCodes.UserError && lines.Count == 1 && lines[0].Contains(part, StringComparison.Ordinal), $"exit {code}:\n{output}");
            Assert.False(Directory.Exists(Out("bad")) || Directory.Exists(Out("lm")), "a failed set-up created the output folder");
        }
    }
}
