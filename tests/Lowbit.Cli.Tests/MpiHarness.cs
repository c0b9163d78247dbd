using System.Diagnostics;
using System.Text;

namespace Lowbit.Cli.Tests;

/// <summary>Runs <c>lowbit</c> under Open MPI's mpirun on this machine only (shared memory and loopback), as root if need be.</summary>
internal static class MpiHarness
{
    /// <summary>mpirun on the PATH, or null.</summary>
    public static string? Mpirun => (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
        .Select(d => Path.Combine(d, "mpirun")).FirstOrDefault(File.Exists);

    /// <summary>Starts <c>mpirun -np <paramref name="processes"/> lowbit ARGS</c>; stdout and stderr are collected together.</summary>
    public static MpiJob Start(int processes, params string[] args)
    {
        var start = new ProcessStartInfo(Mpirun ?? throw new InvalidOperationException("mpirun is not installed"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        foreach (var a in new[] { "--allow-run-as-root", "--oversubscribe", "--bind-to", "none", "--mca", "btl", "self,vader", "--mca", "oob_tcp_if_include", "lo", "-np", processes.ToString(System.Globalization.CultureInfo.InvariantCulture) })
            start.ArgumentList.Add(a);
        start.ArgumentList.Add(Environment.ProcessPath is { } p && Path.GetFileNameWithoutExtension(p) == "dotnet" ? p : "dotnet");
        start.ArgumentList.Add(CliHarness.CliAssembly);
        foreach (var a in args) start.ArgumentList.Add(a);
        foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("OMPI_", StringComparison.Ordinal) || k.StartsWith("PMIX_", StringComparison.Ordinal)).ToList())
            start.Environment.Remove(key);
        return new MpiJob(Process.Start(start)!);
    }

    /// <summary>Runs to the end (at most <paramref name="timeoutSeconds"/>); returns the exit code and all output.</summary>
    public static (int Code, string Output) Run(int processes, int timeoutSeconds, params string[] args)
    {
        using var job = Start(processes, args);
        return job.Finish(timeoutSeconds);
    }
}

/// <summary>A running mpirun.</summary>
internal sealed class MpiJob : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    public MpiJob(Process process)
    {
        _process = process;
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        _process.StandardInput.Close();
    }

    public string Output
    {
        get
        {
            lock (_output) return _output.ToString();
        }
    }

    private void Append(string? line)
    {
        if (line is null) return;
        lock (_output) _output.AppendLine(line);
    }

    /// <summary>Waits until the output holds <paramref name="text"/>; false if the job ends or time runs out first.</summary>
    public bool WaitFor(string text, int timeoutSeconds)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed.TotalSeconds < timeoutSeconds)
        {
            if (Output.Contains(text, StringComparison.Ordinal)) return true;
            if (_process.HasExited) return Output.Contains(text, StringComparison.Ordinal);
            Thread.Sleep(20);
        }
        return false;
    }

    /// <summary>The process id of rank <paramref name="rank"/> (a child of mpirun with OMPI_COMM_WORLD_RANK set to it).</summary>
    public int RankProcess(int rank)
    {
        foreach (var child in File.ReadAllText($"/proc/{_process.Id}/task/{_process.Id}/children").Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            string environ = File.ReadAllText($"/proc/{child}/environ");
            if (environ.Split('\0').Contains($"OMPI_COMM_WORLD_RANK={rank}")) return int.Parse(child, System.Globalization.CultureInfo.InvariantCulture);
        }
        throw new InvalidOperationException($"no process of rank {rank} under mpirun {_process.Id}");
    }

    /// <summary>Waits for the end (killing mpirun after <paramref name="timeoutSeconds"/>, which fails the caller's checks).</summary>
    public (int Code, string Output) Finish(int timeoutSeconds)
    {
        if (!_process.WaitForExit(timeoutSeconds * 1000))
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
            return (-1, Output + $"\n(mpirun killed after {timeoutSeconds} s)");
        }
        _process.WaitForExit();
        return (_process.ExitCode, Output);
    }

    public void Dispose()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        _process.Dispose();
    }
}

/// <summary>A fact skipped, with the reason, when Open MPI's mpirun is not installed.</summary>
internal sealed class RequiresMpirunFactAttribute : FactAttribute
{
    public RequiresMpirunFactAttribute()
    {
        if (MpiHarness.Mpirun is null) Skip = "mpirun not found: install Open MPI (apt-get install openmpi-bin) to run the data-parallel tests (.ci/run does).";
    }
}
