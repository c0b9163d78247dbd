using System.Globalization;

namespace Lowbit.Training.Checkpoints;

/// <summary>
/// Exclusive use of a run's output folder by one process: a lock on FOLDER/.lowbit.lock (an OS file lock, released
/// by the kernel when the process ends, however it ends) plus FOLDER/.lowbit.owner naming the holder for the message
/// a second process gets. Taking it also proves the folder is writable and removes temporaries left by killed writers.
/// </summary>
/// <remarks>Locks hold between processes on one machine's local file systems; network file systems may ignore them.</remarks>
public sealed class OutputFolderLock : IDisposable
{
    /// <summary>Name of the lock file inside the folder.</summary>
    public const string LockFile = ".lowbit.lock";

    /// <summary>Name of the file describing the holder.</summary>
    public const string OwnerFile = ".lowbit.owner";

    private readonly FileStream _handle;

    private OutputFolderLock(string folder, FileStream handle)
    {
        Folder = folder;
        _handle = handle;
    }

    /// <summary>The locked folder.</summary>
    public string Folder { get; }

    /// <summary>
    /// Creates <paramref name="folder"/> if needed and locks it; <paramref name="outputs"/> are the file names the
    /// caller will write there (each must not be a folder).
    /// </summary>
    /// <param name="folder">The output folder.</param>
    /// <param name="purpose">What the holder does, shown to a second process (e.g. "lowbit train").</param>
    /// <param name="outputs">File names the holder will write in the folder.</param>
    /// <exception cref="IOException">The folder is in use by another process, is a file, cannot be created or
    /// written, or an output name is taken by a folder; the message names the path.</exception>
    public static OutputFolderLock Acquire(string folder, string purpose, params string[] outputs)
    {
        ArgumentNullException.ThrowIfNull(folder);
        ArgumentNullException.ThrowIfNull(outputs);
        if (File.Exists(folder)) throw new IOException($"output folder '{folder}' is an existing file; choose a folder.");
        try
        {
            Directory.CreateDirectory(folder);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"cannot create output folder '{folder}': {AtomicFile.Reason(e)}.", e);
        }
        string lockPath = Path.Combine(folder, LockFile), ownerPath = Path.Combine(folder, OwnerFile);
        FileStream handle;
        try
        {
            handle = new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new IOException($"cannot write in output folder '{folder}': {AtomicFile.Reason(e)}.", e);
        }
        catch (IOException e) when (File.Exists(lockPath))
        {
            throw new IOException($"output folder '{folder}' is in use by another process ({Owner(ownerPath)}); wait for it to finish or choose another folder.", e);
        }
        catch (IOException e)
        {
            throw new IOException($"cannot write in output folder '{folder}': {AtomicFile.Reason(e)}.", e);
        }
        try
        {
            foreach (string name in outputs)
                if (Directory.Exists(Path.Combine(folder, name)))
                    throw new IOException($"cannot write '{Path.Combine(folder, name)}': it is a folder; remove it or choose another output folder.");
            AtomicFile.RemoveStaleTemporariesIn(folder);
            AtomicFile.WriteAllText(ownerPath, string.Create(CultureInfo.InvariantCulture,
                $"{purpose}, process {Environment.ProcessId} on {Environment.MachineName}, since {DateTime.UtcNow:yyyy-MM-dd HH:mm:ss} UTC\n"));
        }
        catch
        {
            handle.Dispose();
            throw;
        }
        return new OutputFolderLock(folder, handle);
    }

    /// <summary>Refuses to start work whose output cannot fit: fewer than <paramref name="bytes"/> free in the folder's file system.</summary>
    /// <param name="bytes">A lower bound of what will be written.</param>
    /// <param name="what">What needs the space, for the message (e.g. "each checkpoint").</param>
    /// <exception cref="IOException">Less space is free; the message names the folder and both sizes.</exception>
    public void RequireFreeSpace(long bytes, string what)
    {
        long free;
        try
        {
            free = new DriveInfo(Path.GetFullPath(Folder)).AvailableFreeSpace;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return; // unknown: the write itself will report a full disk
        }
        if (free < bytes)
            throw new IOException(string.Create(CultureInfo.InvariantCulture,
                $"not enough space in '{Folder}': {what} needs at least {bytes / 1e6:F1} MB but only {free / 1e6:F1} MB are free."));
    }

    private static string Owner(string ownerPath)
    {
        try
        {
            string text = File.ReadAllText(ownerPath).Trim();
            return text.Length is > 0 and < 300 && !text.Any(char.IsControl) ? text : "holder unknown";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return "holder unknown";
        }
    }

    /// <summary>
    /// Releases the lock. The owner note is removed; the empty lock file stays, because deleting it would let two later
    /// processes lock two different files of the same name.
    /// </summary>
    public void Dispose()
    {
        try
        {
            File.Delete(Path.Combine(Folder, OwnerFile));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The note is informational; a stale one is overwritten by the next holder.
        }
        _handle.Dispose();
    }
}
