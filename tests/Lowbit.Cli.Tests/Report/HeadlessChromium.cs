using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Lowbit.Cli.Tests.Report;

/// <summary>
/// Debian's chromium in headless mode, without network or first-run work: loads a local page, returns the DOM after
/// load (--dump-dom) and every console message (errors, warnings, logs) the page produced, read from Chromium's log
/// on stderr.
/// </summary>
internal static partial class HeadlessChromium
{
    /// <summary>The browser's path, or null when none is installed (the caller skips with a note).</summary>
    public static string? Executable { get; } = new[] { "/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome" }.FirstOrDefault(File.Exists);

    /// <summary>Loads <paramref name="page"/>; the DOM serialised after load, and the console messages.</summary>
    public static (string Dom, List<string> Console) Load(string page)
    {
        string profile = Directory.CreateTempSubdirectory("lowbit-chromium-").FullName;
        try
        {
            var start = new ProcessStartInfo(Executable ?? throw new InvalidOperationException("no chromium"))
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            foreach (string a in new[]
            {
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                "--no-first-run", "--disable-extensions", "--disable-sync", $"--user-data-dir={profile}",
                // No network: every host resolves to nothing, so a page that needs one shows it.
                "--host-resolver-rules=MAP * ~NOTFOUND", "--enable-logging=stderr", "--v=0", "--dump-dom", new Uri(Path.GetFullPath(page)).AbsoluteUri,
            })
            {
                start.ArgumentList.Add(a);
            }

            using var process = Process.Start(start)!;
            var stderr = process.StandardError.ReadToEndAsync();
            string dom = process.StandardOutput.ReadToEnd();
            if (!process.WaitForExit(120_000))
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException($"chromium did not finish loading {page} in 120 s");
            }

            var console = ConsoleLine().Matches(stderr.Result).Select(m => m.Groups[1].Value).ToList();
            if (process.ExitCode != 0 || dom.Length == 0) throw new InvalidOperationException($"chromium exit {process.ExitCode}:\n{stderr.Result}");
            return (dom, console);
        }
        finally
        {
            Directory.Delete(profile, recursive: true);
        }
    }

    // [pid:tid:date:INFO:CONSOLE:line] "message", source: URL (line)
    [GeneratedRegex(@":CONSOLE[^\]]*\] (.*)$", RegexOptions.Multiline)]
    private static partial Regex ConsoleLine();
}
