using Lowbit.Testing;
using Lowbit.Training.Checkpoints;

namespace Lowbit.Training.Tests;

/// <summary>Output folders: one writer at a time, atomic files, no temporaries left behind by killed writers.</summary>
public class OutputFolderTests
{
    /// <summary>A process id no process can have (Linux caps them at 2^22).</summary>
    private const int DeadProcess = int.MaxValue - 7;

    [Fact]
    public void SecondLock_IsRefusedNamingTheHolder()
    {
        string folder = SyntheticIdx.TempFolder("lock");
        using (OutputFolderLock.Acquire(folder, "lowbit train"))
        {
            var ex = Assert.Throws<IOException>(() => OutputFolderLock.Acquire(folder, "lowbit train"));
            Assert.Contains("in use by another process", ex.Message, StringComparison.Ordinal);
            Assert.Contains($"lowbit train, process {Environment.ProcessId}", ex.Message, StringComparison.Ordinal);
        }
        using (OutputFolderLock.Acquire(folder, "lowbit train"))
        {
            // Released by Dispose: the folder can be taken again.
        }
        Directory.Delete(folder, true);
    }

    [Fact]
    public void Lock_FolderIsAFile_IsRefused()
    {
        string file = Path.Combine(SyntheticIdx.TempFolder("lock-file"), "out");
        File.WriteAllText(file, "x");
        var ex = Assert.Throws<IOException>(() => OutputFolderLock.Acquire(file, "lowbit train"));
        Assert.Contains("is an existing file", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Lock_FolderCannotBeCreated_NamesIt()
    {
        string parentFile = Path.Combine(SyntheticIdx.TempFolder("lock-parent"), "file");
        File.WriteAllText(parentFile, "x");
        var ex = Assert.Throws<IOException>(() => OutputFolderLock.Acquire(Path.Combine(parentFile, "run"), "lowbit train"));
        Assert.Contains("cannot create output folder", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Lock_OutputNameTakenByAFolder_IsRefusedBeforeWork()
    {
        string folder = SyntheticIdx.TempFolder("lock-outputs");
        Directory.CreateDirectory(Path.Combine(folder, "checkpoint.lbck"));
        var ex = Assert.Throws<IOException>(() => OutputFolderLock.Acquire(folder, "lowbit train", "checkpoint.lbck"));
        Assert.Contains("checkpoint.lbck': it is a folder", ex.Message, StringComparison.Ordinal);
        using (OutputFolderLock.Acquire(folder, "lowbit train", "result.json"))
        {
            // The failed attempt released the lock.
        }
    }

    [Fact]
    public void Lock_RemovesTemporariesOfDeadWriters_KeepsLiveOnes()
    {
        string folder = SyntheticIdx.TempFolder("lock-stale");
        string dead = AtomicFile.TemporaryName(Path.Combine(folder, "checkpoint.lbck"), DeadProcess);
        string live = AtomicFile.TemporaryName(Path.Combine(folder, "checkpoint.lbck"), Environment.ProcessId);
        File.WriteAllBytes(dead, new byte[1000]);
        File.WriteAllBytes(live, new byte[10]);
        using (OutputFolderLock.Acquire(folder, "lowbit train"))
        {
            Assert.False(File.Exists(dead));
            Assert.True(File.Exists(live));
        }
    }

    [Fact]
    public void AtomicWrite_RemovesTemporaryOfADeadWriterOfTheSameFile()
    {
        string folder = SyntheticIdx.TempFolder("atomic-stale");
        string target = Path.Combine(folder, "checkpoint.lbck");
        string dead = AtomicFile.TemporaryName(target, DeadProcess);
        File.WriteAllBytes(dead, new byte[4096]);
        AtomicFile.WriteAllText(target, "new");
        Assert.False(File.Exists(dead));
        Assert.Equal("new", File.ReadAllText(target));
        Assert.Empty(Directory.GetFiles(folder, ".*.tmp"));
    }

    [Fact]
    public void AtomicWrite_ReplacesTheFileByRename_ReadersOfTheOldFileKeepTheOldBytes()
    {
        string target = Path.Combine(SyntheticIdx.TempFolder("atomic-rename"), "model.lbpm");
        File.WriteAllText(target, "old content");
        using var reader = new FileStream(target, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        AtomicFile.WriteAllText(target, "new content, longer");
        using var text = new StreamReader(reader);
        Assert.Equal("old content", text.ReadToEnd()); // an in-place write would have changed the open file
        Assert.Equal("new content, longer", File.ReadAllText(target));
    }

    [Fact]
    public void AtomicWrite_OntoAFolder_NamesThePath()
    {
        string folder = SyntheticIdx.TempFolder("atomic-folder");
        var ex = Assert.Throws<IOException>(() => AtomicFile.WriteAllText(folder, "x"));
        Assert.Contains($"cannot write '{folder}': it is a folder", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AtomicWrite_Failure_LeavesThePreviousFileAndNoTemporary()
    {
        string folder = SyntheticIdx.TempFolder("atomic-fail");
        string target = Path.Combine(folder, "result.json");
        File.WriteAllText(target, "previous");
        // A folder where the temporary goes makes the write fail after the target was chosen.
        Directory.CreateDirectory(AtomicFile.TemporaryName(Path.GetFullPath(target), Environment.ProcessId));
        var ex = Assert.Throws<IOException>(() => AtomicFile.WriteAllText(target, "next"));
        Assert.StartsWith($"cannot write '{target}': ", ex.Message, StringComparison.Ordinal);
        Assert.Equal("previous", File.ReadAllText(target));
    }
}
