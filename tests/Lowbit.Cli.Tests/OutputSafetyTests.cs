using Lowbit.Testing;
using Lowbit.Training.Checkpoints;
using static Lowbit.Cli.Tests.CliHarness;

namespace Lowbit.Cli.Tests;

/// <summary>
/// What lowbit writes: never in place, never over a file it did not write, never two runs in one folder, and output
/// problems reported (exit 1, one line naming the path) before any training.
/// </summary>
public sealed class OutputSafetyTests(TinyRuns runs) : IClassFixture<TinyRuns>
{
    private string Checkpoint(string run) => Path.Combine(run, "checkpoint.lbck");

    private const string BatchNormMlp = """[{"type":"flatten"},{"type":"dense","units":8},{"type":"batch_norm"},{"type":"dense","units":10}]""";

    [Fact]
    public void Train_LastBatchOfOneImageWithBatchNorm_Completes()
    {
        // 61 images after the 10-image validation split would leave a batch of 1: 51 = 5 x 10 + 1.
        string data = SyntheticIdx.Write(Path.Combine(TempDir("last-batch"), "data"), 61, 20);
        var (code, output, err) = Run("train", "--quiet", "--config", runs.WriteConfig("last-batch", BatchNormMlp), "--set", "data.path=" + data, "--out", TempDir("last-batch-out"));
        Assert.True(code == 0, err);
        Assert.Contains("last batch of 1", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Export_ReplacesAnExistingModelByRename_NotInPlace()
    {
        string model = Path.Combine(TempDir("export-rename"), "model.lbpm");
        Assert.Equal(0, Run("export", "--checkpoint", Checkpoint(runs.Binary), "--out", model).Code);
        var before = File.ReadAllBytes(model);
        File.WriteAllBytes(model, before[..^1].Append((byte)(before[^1] ^ 1)).ToArray()); // a different earlier model
        var earlier = File.ReadAllBytes(model);
        using var reader = new FileStream(model, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        Assert.Equal(0, Run("export", "--checkpoint", Checkpoint(runs.Binary), "--out", model).Code);
        var seenByReader = new byte[earlier.Length + 1];
        Assert.Equal(earlier.Length, reader.ReadAtLeast(seenByReader, seenByReader.Length, throwOnEndOfStream: false));
        Assert.Equal(earlier, seenByReader[..earlier.Length]); // the open file kept its bytes: a new file was renamed in
        Assert.Equal(before, File.ReadAllBytes(model));
    }

    [Fact]
    public void Export_DiskFull_KeepsTheExistingModel()
    {
        string folder = TempDir("export-full");
        string old = Path.Combine(TempDir("export-old"), "old.lbpm");
        Assert.Equal(0, Run("export", "--checkpoint", Checkpoint(runs.Binary), "--out", old).Code);
        // A 64 KiB tmpfs holding the old model and a filler that takes all the rest.
        var result = InSmallFileSystem(folder, 64, $"cp '{old}' '{folder}/model.lbpm'; head -c 1048576 /dev/zero > '{folder}/filler' 2>/dev/null; " +
            $"lowbit export --checkpoint '{Checkpoint(runs.Binary)}' --out '{folder}/model.lbpm'; echo \"exit=$?\"; cmp -s '{old}' '{folder}/model.lbpm' && echo intact");
        if (result is null) return; // no private tmpfs here (not root): covered by the rename test above
        Assert.Contains("exit=1", result.Value.Output, StringComparison.Ordinal);
        Assert.Contains("No space left on device", result.Value.Output, StringComparison.Ordinal);
        Assert.Contains("intact", result.Value.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void Export_OutIsTheCheckpoint_IsRefusedAndTheCheckpointKept()
    {
        string run = TempDir("export-self");
        File.Copy(Checkpoint(runs.Binary), Checkpoint(run));
        var before = File.ReadAllBytes(Checkpoint(run));
        AssertOneLineUserError(Run("export", "--checkpoint", Checkpoint(run), "--out", Checkpoint(run)), "is the checkpoint being exported");
        Assert.Equal(before, File.ReadAllBytes(Checkpoint(run)));
    }

    [Fact]
    public void Export_OutIsAnotherKindOfFile_IsRefused()
    {
        string json = Path.Combine(TempDir("export-json"), "result.json");
        File.WriteAllText(json, "{}");
        AssertOneLineUserError(Run("export", "--checkpoint", Checkpoint(runs.Binary), "--out", json), "not a Lowbit packed model");
        Assert.Equal("{}", File.ReadAllText(json));
    }

    [Fact]
    public void Train_SecondTrainingOnABusyFolder_IsRefusedNamingTheHolder()
    {
        string outDir = TempDir("busy");
        using var holder = OutputFolderLock.Acquire(outDir, "lowbit train");
        string line = AssertOneLineUserError(Run("train", "--quiet", "--config", runs.WriteConfig("busy", BatchNormMlp), "--set", runs.DataSet, "--out", outDir),
            "in use by another process", $"process {Environment.ProcessId}");
        Assert.False(File.Exists(Path.Combine(outDir, "result.json")), line);
    }

    [Fact]
    public void Train_OutIsAFile_IsRefusedBeforeTraining()
    {
        string file = Path.Combine(TempDir("out-file"), "afile");
        File.WriteAllText(file, "x");
        var result = Run("train", "--quiet", "--config", runs.WriteConfig("out-file", BatchNormMlp), "--set", runs.DataSet, "--out", file);
        AssertOneLineUserError(result, "afile", "is an existing file");
        Assert.DoesNotContain("epoch   1", result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void Train_OutCannotBeCreated_IsRefusedBeforeTraining()
    {
        string file = Path.Combine(TempDir("out-parent"), "afile");
        File.WriteAllText(file, "x");
        var result = Run("train", "--quiet", "--config", runs.WriteConfig("out-parent", BatchNormMlp), "--set", runs.DataSet, "--out", Path.Combine(file, "run"));
        AssertOneLineUserError(result, "cannot create output folder");
        Assert.DoesNotContain("epoch   1", result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void Train_CheckpointPathIsAFolder_IsRefusedBeforeTraining()
    {
        string outDir = TempDir("ck-folder");
        Directory.CreateDirectory(Path.Combine(outDir, "checkpoint.lbck"));
        var result = Run("train", "--quiet", "--config", runs.WriteConfig("ck-folder", BatchNormMlp), "--set", runs.DataSet, "--out", outDir);
        AssertOneLineUserError(result, "checkpoint.lbck", "is a folder");
        Assert.DoesNotContain("epoch   1", result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void Train_TooLittleSpaceForACheckpoint_IsRefusedBeforeTraining()
    {
        string outDir = TempDir("train-full");
        string config = runs.WriteConfig("train-full", BatchNormMlp);
        // 16 KiB hold the lock files but not a checkpoint of 784 x 8 weights with Adam's two moments (about 76 KB).
        var result = InSmallFileSystem(outDir, 16, $"lowbit train --quiet --config '{config}' --set '{runs.DataSet}' --out '{outDir}/run'; echo \"exit=$?\"");
        if (result is null) return; // no private tmpfs here (not root)
        Assert.Contains("exit=1", result.Value.Output, StringComparison.Ordinal);
        Assert.Contains($"not enough space in '{outDir}/run'", result.Value.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("epoch   1", result.Value.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("internal error", result.Value.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void Train_DiskFullDuringTheRun_IsAUserErrorNamingTheFile()
    {
        string outDir = TempDir("train-full-later");
        string config = runs.WriteConfig("train-full-later", BatchNormMlp);
        // About 80 KB per checkpoint: 140 KiB pass the check before training and hold the first checkpoint, but not the
        // second one's temporary beside it (the old file is replaced only once the new one is complete).
        var result = InSmallFileSystem(outDir, 140, $"lowbit train --quiet --config '{config}' --set '{runs.DataSet}' --set train.epochs=2 --out '{outDir}/run'; " +
            $"echo \"exit=$?\"; ls '{outDir}/run'");
        if (result is null) return; // no private tmpfs here (not root)
        Assert.Contains("exit=1", result.Value.Output, StringComparison.Ordinal);
        Assert.Contains($"cannot write '{outDir}/run/checkpoint.lbck': No space left on device", result.Value.Output, StringComparison.Ordinal);
        Assert.Matches(@"(?m)^ +1/2 ", result.Value.Output); // the first epoch's line: it finished and was saved
        Assert.Contains("No space left on device", result.Value.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("internal error", result.Value.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void Train_RemovesTheTemporaryACrashedRunLeft()
    {
        string outDir = TempDir("stale");
        string stale = Path.Combine(outDir, $".checkpoint.lbck.{int.MaxValue - 7}.tmp"); // as a killed writer leaves it
        File.WriteAllBytes(stale, new byte[100_000]);
        var (code, _, err) = Run("train", "--quiet", "--config", runs.WriteConfig("stale", BatchNormMlp), "--set", runs.DataSet, "--out", outDir);
        Assert.True(code == 0, err);
        Assert.False(File.Exists(stale));
        Assert.Empty(Directory.GetFiles(outDir, ".*.tmp"));
    }
}
