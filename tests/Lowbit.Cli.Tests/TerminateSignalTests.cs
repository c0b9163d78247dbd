using System.Diagnostics;
using System.Globalization;

namespace Lowbit.Cli.Tests;

/// <summary>SIGTERM (kill, docker stop, a batch system's limit) stops a training as Ctrl-C does: checkpoint, exit 130.</summary>
public sealed class TerminateSignalTests : IDisposable
{
    private readonly string _dir = CliHarness.TempDir("sigterm");

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, true);
    }

    private static string Mnist => Report.ReportRuns.RepoFile("data", "mnist");

    private static Process Start(params string[] args)
    {
        string dotnet = Environment.ProcessPath is { } p && Path.GetFileNameWithoutExtension(p) == "dotnet" ? p : "dotnet";
        var start = new ProcessStartInfo(dotnet) { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(CliHarness.CliAssembly);
        foreach (var a in args) start.ArgumentList.Add(a);
        return Process.Start(start)!;
    }

    [Fact]
    public async Task Sigterm_SavesACheckpointAndExits130_ThenTheRunResumes()
    {
        if (!OperatingSystem.IsLinux()) return;
        string outDir = Path.Combine(_dir, "run");
        string[] common = ["--quiet", "--set", "data.path=" + Mnist, "--set", "data.train_limit=10000", "--set", "data.validation=500",
            "--set", "data.test_limit=500", "--set", "threads=1"];
        using var run = Start(["train", .. common, "--set", "train.epochs=3", "--out", outDir]);
        var stdout = run.StandardOutput.ReadToEndAsync();
        var stderr = run.StandardError.ReadToEndAsync();
        string checkpoint = Path.Combine(outDir, "checkpoint.lbck");
        var clock = Stopwatch.StartNew();
        while (!File.Exists(checkpoint) && !run.HasExited && clock.Elapsed < TimeSpan.FromMinutes(3)) Thread.Sleep(50);
        Assert.False(run.HasExited, "the training ended before it could be stopped: " + (run.HasExited ? await stderr : ""));
        Thread.Sleep(300); // inside epoch 2
        using (var kill = Process.Start("kill", ["-TERM", run.Id.ToString(CultureInfo.InvariantCulture)])) kill.WaitForExit();
        Assert.True(run.WaitForExit(TimeSpan.FromMinutes(2)), "the training did not stop after SIGTERM");
        string text = await stdout + await stderr;
        Assert.True(run.ExitCode == 130, $"exit {run.ExitCode}: {text}");
        Assert.Contains("checkpoint saved", text, StringComparison.Ordinal);

        var (code, output, error) = CliHarness.Run("train", "--quiet", "--out", outDir, "--resume");
        Assert.True(code == 0, $"resume exit {code}: {error}");
        Assert.Contains("resuming from", output + error, StringComparison.Ordinal);
    }
}
