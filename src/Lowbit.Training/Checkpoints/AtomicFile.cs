using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Lowbit.Training.Checkpoints;

/// <summary>
/// Writes files through a temporary name in the same folder (".NAME.PID.tmp") and an atomic rename, so a reader or a
/// crash never sees a half-written file and a failed write leaves the previous file intact. Temporaries that a killed
/// process left behind are removed by the next write of the same file.
/// </summary>
public static class AtomicFile
{
    /// <summary>Writes bytes atomically.</summary>
    /// <exception cref="IOException">The file cannot be written (a folder is in the way, permission denied, disk
    /// full); the message names the path and the reason, and the previous content is unchanged.</exception>
    public static void WriteAllBytes(string path, ReadOnlySpan<byte> bytes)
    {
        ArgumentNullException.ThrowIfNull(path);
        string full = Path.GetFullPath(path);
        if (Directory.Exists(full)) throw new IOException($"cannot write '{path}': it is a folder.");
        string dir = Path.GetDirectoryName(full) ?? ".";
        string temp = TemporaryName(full, Environment.ProcessId);
        try
        {
            Directory.CreateDirectory(dir);
            RemoveStaleTemporaries(full);
            using (var fs = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                fs.Write(bytes);
                fs.Flush(flushToDisk: true);
            }
            File.Move(temp, full, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            TryDelete(temp);
            throw new IOException($"cannot write '{path}': {Reason(e)}.", e);
        }
    }

    /// <summary>Writes UTF-8 text atomically.</summary>
    /// <exception cref="IOException">See <see cref="WriteAllBytes"/>.</exception>
    public static void WriteAllText(string path, string text) => WriteAllBytes(path, Encoding.UTF8.GetBytes(text));

    /// <summary>The temporary name process <paramref name="processId"/> writes <paramref name="fullPath"/> through.</summary>
    public static string TemporaryName(string fullPath, int processId)
    {
        ArgumentNullException.ThrowIfNull(fullPath);
        return Path.Combine(Path.GetDirectoryName(fullPath) ?? ".", "." + Path.GetFileName(fullPath) + "." + processId.ToString(CultureInfo.InvariantCulture) + ".tmp");
    }

    /// <summary>Deletes the temporaries of <paramref name="fullPath"/> whose writer process is no longer running; returns how many.</summary>
    public static int RemoveStaleTemporaries(string fullPath) =>
        RemoveStale(Path.GetDirectoryName(fullPath) ?? ".", "." + Path.GetFileName(fullPath) + ".*.tmp");

    /// <summary>Deletes every temporary in <paramref name="folder"/> whose writer process is no longer running; returns how many.</summary>
    public static int RemoveStaleTemporariesIn(string folder) => RemoveStale(folder, ".*.*.tmp");

    private static int RemoveStale(string folder, string pattern)
    {
        if (!Directory.Exists(folder)) return 0;
        int removed = 0;
        foreach (string temp in Directory.EnumerateFiles(folder, pattern))
        {
            string name = Path.GetFileName(temp);
            int end = name.Length - ".tmp".Length, dot = name.LastIndexOf('.', end - 1);
            if (dot <= 0 || !int.TryParse(name.AsSpan(dot + 1, end - dot - 1), NumberStyles.None, CultureInfo.InvariantCulture, out int pid)) continue;
            if (pid == Environment.ProcessId || IsRunning(pid)) continue;
            if (TryDelete(temp)) removed++;
        }
        return removed;
    }

    private static bool IsRunning(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }

    private static bool TryDelete(string path)
    {
        try
        {
            File.Delete(path);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>The operating system's reason without the path .NET appends (" : '/path'").</summary>
    public static string Reason(Exception e)
    {
        ArgumentNullException.ThrowIfNull(e);
        if (e is UnauthorizedAccessException) return "permission denied";
        string message = e.Message;
        int at = message.IndexOf(" : '", StringComparison.Ordinal);
        if (at > 0) message = message[..at];
        return message.TrimEnd('.', ' ');
    }
}
