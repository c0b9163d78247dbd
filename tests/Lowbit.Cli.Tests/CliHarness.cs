using System.Diagnostics;
using Lowbit.Testing;

namespace Lowbit.Cli.Tests;

/// <summary>Runs the CLI in process (or as a child process) and checks the contract for user errors.</summary>
internal static class CliHarness
{
    public static (int Code, string Out, string Err) Run(params string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        int code = CliApp.Run(args, o, e);
        return (code, o.ToString(), e.ToString());
    }

    /// <summary>Exit code 1 and exactly one line "lowbit: ..." on stderr holding every part, no stack trace.</summary>
    public static string AssertOneLineUserError((int Code, string Out, string Err) result, params string[] parts)
    {
        var (code, _, err) = result;
        var lines = err.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(code == ExitCodes.UserError && lines.Length == 1, $"expected exit 1 and one line on stderr, got exit {code}:\n{err}");
        Assert.StartsWith("lowbit: ", lines[0], StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", err, StringComparison.Ordinal);
        Assert.DoesNotContain("internal error", err, StringComparison.Ordinal);
        Assert.True(err.Length < 1000, $"stderr has {err.Length} characters");
        foreach (var part in parts) Assert.Contains(part, lines[0], StringComparison.Ordinal);
        return lines[0];
    }

    /// <summary>The lowbit.dll copied beside the test assembly (to run as a child process).</summary>
    public static string CliAssembly => Path.Combine(AppContext.BaseDirectory, "lowbit.dll");

    /// <summary>
    /// Runs <paramref name="script"/> with /bin/sh in a private mount namespace where <paramref name="folder"/> is a
    /// tmpfs of <paramref name="kilobytes"/> KiB (the shell function lowbit runs the CLI). Null when this machine cannot do that
    /// (not root, no unshare): the caller skips.
    /// </summary>
    public static (int Code, string Output)? InSmallFileSystem(string folder, int kilobytes, string script)
    {
        if (!OperatingSystem.IsLinux() || !File.Exists("/usr/bin/unshare") && !File.Exists("/bin/unshare")) return null;
        var probe = Shell("unshare", "-m", "sh", "-c", $"mount -t tmpfs -o size={kilobytes}k tmpfs '{folder}'");
        if (probe.Code != 0) return null;
        string dotnet = Environment.ProcessPath is { } p && Path.GetFileNameWithoutExtension(p) == "dotnet" ? p : "dotnet";
        string body = $"set -u; mount -t tmpfs -o size={kilobytes}k tmpfs '{folder}' || exit 90; lowbit() {{ '{dotnet}' '{CliAssembly}' \"$@\"; }}; {script}";
        return Shell("unshare", "-m", "sh", "-c", body);
    }

    private static (int Code, string Output) Shell(string file, params string[] args)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        string stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, stdout.Result + stderr);
    }

    public static string TempDir(string prefix = "cli") => SyntheticIdx.TempFolder(prefix);
}
