using System.Globalization;
using System.Runtime.InteropServices;
using Lowbit.Cli.Observers;
using Lowbit.Quantization;
using Lowbit.Training;
using Lowbit.Training.Checkpoints;
using Lowbit.Training.Config;
using Lowbit.Training.Distributed;

namespace Lowbit.Cli.Commands;

/// <summary>
/// <c>lowbit train</c> as one process of <c>mpirun -np N</c> (N &gt; 1): synchronous data-parallel training over Open MPI
/// (docs/DISTRIBUTED.md). Rank 0 alone holds the output folder, prints progress and writes files.
/// </summary>
/// <remarks>
/// Failures: an error every rank meets alike (an invalid config, a diverged loss) is printed once, by rank 0, and every
/// rank finalises MPI and exits with the usual code. An error of one rank (a file it cannot write, a timeout, a lost
/// peer) is printed by that rank with its number, and the rank ends the job (MPI_Abort) so that no other waits for it.
/// A rank stopped by mpirun (SIGTERM, because another rank died) prints one line before it exits.
/// </remarks>
internal static class TrainDistributed
{
    /// <summary>
    /// True when this process was started by Open MPI's mpirun with more than one process: the CLI reads the launcher's
    /// environment (OMPI_COMM_WORLD_SIZE) here so that the libraries never do; a single process trains as usual.
    /// </summary>
    /// <exception cref="UserException">Another MPI launcher started several processes (only Open MPI is supported).</exception>
    public static bool Launched()
    {
        if (int.TryParse(Environment.GetEnvironmentVariable("OMPI_COMM_WORLD_SIZE"), NumberStyles.None, CultureInfo.InvariantCulture, out int size))
            return size > 1;
        if (int.TryParse(Environment.GetEnvironmentVariable("PMI_SIZE"), NumberStyles.None, CultureInfo.InvariantCulture, out int other) && other > 1)
            throw new UserException($"this process is one of {other} started by an MPI launcher other than Open MPI's mpirun; lowbit trains over Open MPI only (Debian: apt-get install openmpi-bin).");
        return false;
    }

    public static int Run(string? configPath, string[] overrides, string? outDir, bool resume, TrainingConsole console)
    {
        var error = console.Error;
        if (resume && configPath is not null) throw new UserException("--resume takes the config saved in the checkpoint; drop --config (overrides with --set still apply).");
        if (resume && outDir is null) throw new UserException("--resume needs --out DIR, the folder of the run to continue.");
        using var group = MpiCollectives.Initialize(TimeSpan.FromSeconds(DistributedConfig.Default.TimeoutSeconds));
        string where = outDir ?? "the output folder";
        using var stopped = PosixSignalRegistration.Create(PosixSignal.SIGTERM, _ =>
            error.WriteLine($"lowbit: rank {group.Rank} of {group.Size}: stopped by mpirun (SIGTERM): another process of the job failed or the job was cancelled; " +
                $"rank 0's last checkpoint is in {where} (continue with --resume and the same number of processes)."));
        try
        {
            return Train(group, configPath, overrides, ref where, resume, console);
        }
        catch (Exception e)
        {
            bool collective = e is ConfigException or QuantizerConfigException or TrainingDivergedException;
            int code = e switch
            {
                TrainingDivergedException => ExitCodes.Diverged,
                DistributedException => ExitCodes.DistributedFailure,
                _ when CliApp.IsUserError(e) => ExitCodes.UserError,
                _ => ExitCodes.InternalError,
            };
            string prefix = collective ? "" : $"rank {group.Rank} of {group.Size}: ";
            string what = e is TrainingDivergedException ? "training stopped: " : "";
            if (!collective || group.Rank == 0)
                error.WriteLine(code == ExitCodes.InternalError ? $"lowbit: {prefix}internal error (please report): {e}" : $"lowbit: {prefix}{what}{ErrorText.OneLine(e.Message)}");
            if (!collective) group.Abort(code);
            return code;
        }
    }

    /// <summary>What every rank has once the run is set up.</summary>
    private sealed record Setup(ExperimentConfig Config, Lowbit.Training.RunData Data, string OutDir, RunCheckpoint? Checkpoint);

    private static int Train(MpiCollectives group, string? configPath, string[] overrides, ref string where, bool resume, TrainingConsole console)
    {
        bool root = group.Rank == 0;
        OutputFolderLock? folderLock = null;
        try
        {
            // Set-up errors are agreed on before any rank trains: the first failing rank prints its message (an invalid
            // config fails everywhere alike and is printed once) and every rank stops with exit code 1.
            Setup? setup = null;
            Exception? failure = null;
            try
            {
                setup = Prepare(group, configPath, overrides, where == "the output folder" ? null : where, resume, ref folderLock);
                where = setup.OutDir;
            }
            catch (Exception e) when (CliApp.IsUserError(e) || e is DistributedException)
            {
                failure = e;
            }
            var failed = FailedRanks(group, failure is not null);
            if (failed.Count > 0)
            {
                if (failure is not null && group.Rank == failed[0])
                    console.Error.WriteLine($"lowbit: {(failed.Count < group.Size ? $"rank {group.Rank} of {group.Size}: " : "")}{ErrorText.OneLine(failure.Message)}");
                return ExitCodes.UserError;
            }
            var (config, data, outDir, checkpoint) = setup!;
            if (root)
            {
                console.Messages.WriteLine($"lowbit train: {config.Name} on {config.Data.Dataset} -> {outDir}");
                console.Messages.WriteLine($"  {data.Train.Count} train, {data.Validation?.Count ?? 0} validation, {data.Test.Count} test images; seed {config.Seed}, {config.Train.Epochs} epochs");
                console.Messages.WriteLine($"  {group.Size} processes x {config.Threads} thread(s) over {group.Description}");
            }
            TrainingOutcome Train(ITrainingObserver observer)
            {
                var trainer = new Trainer(config, data, outDir, observer) { Parallel = new DataParallel(group, config.Distributed) };
                if (checkpoint is not null) trainer.Resume(checkpoint);
                return trainer.Run();
            }
            var outcome = root ? console.Run(Train) : Train(NullTrainingObserver.Instance);
            if (root)
            {
                var r = outcome.Result!;
                string path = Path.Combine(outDir, "result.json");
                console.Completed(string.Create(CultureInfo.InvariantCulture,
                    $"test error {100 * r["test_error"]!.GetValue<double>():F2} % (accuracy {100 * r["test_accuracy"]!.GetValue<double>():F2} %) at best validation epoch {r["best_epoch"]}{Environment.NewLine}{r["train_examples_per_second"]} train images/s; results in {path}"),
                    r, path);
            }
            return ExitCodes.Ok;
        }
        finally
        {
            folderLock?.Dispose();
        }
    }

    /// <summary>The ranks (in order) whose set-up failed, known to every rank.</summary>
    private static List<int> FailedRanks(ICollectives group, bool failed)
    {
        var flags = new byte[group.Size];
        flags[group.Rank] = failed ? (byte)1 : (byte)0;
        group.Wait(group.StartAllGather(flags, 1), "the agreement on the set-up");
        return [.. Enumerable.Range(0, group.Size).Where(r => flags[r] != 0)];
    }

    /// <summary>Config, data and (rank 0) the output folder; on --resume rank 0 reads the checkpoint and sends it to the others.</summary>
    private static Setup Prepare(ICollectives group, string? configPath, string[] overrides, string? outDir, bool resume, ref OutputFolderLock? folderLock)
    {
        bool root = group.Rank == 0;
        ExperimentConfig config;
        RunCheckpoint? checkpoint = null;
        if (resume)
        {
            string path = Path.Combine(outDir!, Trainer.CheckpointFile);
            byte[]? bytes = null;
            if (root)
            {
                try
                {
                    folderLock = OutputFolderLock.Acquire(outDir!, "lowbit train", Trainer.CheckpointFile, "result.json", "metrics.csv");
                    bytes = File.ReadAllBytes(path);
                }
                catch
                {
                    DataParallel.Broadcast(group, null, "the checkpoint");
                    throw;
                }
            }
            bytes = DataParallel.Broadcast(group, bytes, "the checkpoint");
            checkpoint = RunCheckpoint.FromData(Checkpoint.Parse(bytes, path), path, overrides);
            config = checkpoint.Config;
        }
        else
        {
            config = ConfigLoader.Load(Paths.ResolveConfig(configPath), overrides);
            outDir ??= Path.Combine("runs", config.Name);
        }
        string folder = outDir ?? throw new UserException("--resume needs --out DIR, the folder of the run to continue.");
        if (config.Data.IsText)
            throw new ConfigException($"{config.Source}: language models (dataset '{config.Data.Dataset}') train in one process; run lowbit train without mpirun.");
        if (config.BitAssignment is { Result: null })
            throw new ConfigException($"{config.Source}: a pending bit_assignment pre-trains in one process; resolve it without mpirun first.");
        if (group is MpiCollectives mpi) mpi.Timeout = TimeSpan.FromSeconds(config.Distributed.TimeoutSeconds);
        ModelBuilder.Build(config, DataResolver.InputShape(config.Data));
        var data = DataResolver.Load(config.Data);
        if (root && !resume)
        {
            if (File.Exists(folder)) throw new UserException($"--out '{folder}' is an existing file; choose a folder.");
            TrainCommand.RequireNoRun(folder);
            folderLock = OutputFolderLock.Acquire(folder, "lowbit train", Trainer.CheckpointFile, "result.json", "metrics.csv");
        }
        return new Setup(config, data, folder, checkpoint);
    }
}
