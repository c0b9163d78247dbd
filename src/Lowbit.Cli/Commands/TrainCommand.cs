using System.CommandLine;
using System.Globalization;
using Lowbit.Cli.Observers;
using Lowbit.Training;
using Lowbit.Training.Checkpoints;
using Lowbit.Training.Config;

namespace Lowbit.Cli.Commands;

/// <summary><c>lowbit train</c>: trains a model from a config and writes result.json, metrics.csv and a checkpoint.</summary>
internal static class TrainCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var config = new Option<string?>("--config", "-c") { Description = "Experiment config: a JSON file, or the name of a shipped config (lowbit configs). Default: mnist-binarynet.json." };
        var set = new Option<string[]>("--set") { Description = "Override a config field, e.g. --set train.epochs=2 --set layers.1.units=512 (repeatable).", AllowMultipleArgumentsPerToken = false, DefaultValueFactory = _ => [] };
        var outDir = new Option<string?>("--out", "-o") { Description = "Output folder (default: runs/<config name>)." };
        var resume = new Option<bool>("--resume") { Description = "Continue the run saved in --out from its last checkpoint." };
        var quiet = new Option<bool>("--quiet", "-q") { Description = "No progress bar; one line per epoch." };
        var json = new Option<bool>("--json") { Description = "JSON lines on stdout: one per epoch, then the result; messages on stderr." };
        var cmd = new Command("train", "Train a model from a config; prints the test error at the best-validation epoch.") { config, set, outDir, resume, quiet, json };
        cmd.SetAction(parse => Run(parse.GetValue(config), parse.GetValue(set) ?? [], parse.GetValue(outDir), parse.GetValue(resume),
            new TrainingConsole(output, error, parse.GetValue(quiet), parse.GetValue(json))));
        return cmd;
    }

    private static int Run(string? configPath, string[] overrides, string? outDir, bool resume, TrainingConsole console)
    {
        if (TrainDistributed.Launched()) return TrainDistributed.Run(configPath, overrides, outDir, resume, console.WithoutProgressBar());
        ExperimentConfig config;
        RunCheckpoint? checkpoint = null;
        if (resume)
        {
            if (configPath is not null) throw new UserException("--resume takes the config saved in the checkpoint; drop --config (overrides with --set still apply).");
            if (outDir is null) throw new UserException("--resume needs --out DIR, the folder of the run to continue.");
            checkpoint = RunCheckpoint.Load(Path.Combine(outDir, Trainer.CheckpointFile), overrides);
            config = checkpoint.Config;
        }
        else
        {
            config = ConfigLoader.Load(Paths.ResolveConfig(configPath), overrides);
            outDir ??= Path.Combine("runs", config.Name);
            RequireNoRun(outDir);
        }
        if (File.Exists(outDir)) throw new UserException($"--out '{outDir}' is an existing file; choose a folder.");
        if (config.Data.IsText) return TrainLanguageModel.Run(config, outDir, resume ? overrides : null, console);
        // Validate the model against the dataset's shape before touching the data or the output folder.
        if (checkpoint is null) ModelBuilder.Build(config, DataResolver.InputShape(config.Data));
        else
        {
            // No weight of a resumable model can exceed what the checkpoint stores (a damaged or crafted config must
            // not allocate gigabytes first; a --set that grows a layer fails here).
            try
            {
                ModelBuilder.Build(config, DataResolver.InputShape(config.Data), checkpoint.StoredModelElements);
            }
            catch (ConfigException e)
            {
                throw new UserException($"{checkpoint.Path}: cannot resume with this model: {e.Message}");
            }
        }
        var data = DataResolver.Load(config.Data);
        // From here on the folder is ours alone (a second train on it stops here), and known to be writable.
        using var folderLock = OutputFolderLock.Acquire(outDir, "lowbit train", Trainer.CheckpointFile, "result.json", "metrics.csv");
        if (resume) checkpoint = RunCheckpoint.Load(Path.Combine(outDir, Trainer.CheckpointFile), overrides); // as of now, under the lock
        else RequireNoRun(outDir);

        using var cts = new CancellationTokenSource();
        ConsoleCancelEventHandler onCancel = (_, e) =>
        {
            e.Cancel = true;
            cts.Cancel();
        };
        Console.CancelKeyPress += onCancel;
        // SIGTERM (kill, docker stop, a batch system's time limit) stops the run as Ctrl-C does: a checkpoint mid-epoch.
        using var onTerm = SignalHandlers.OnTerminate(cts);
        try
        {
            // Short lines: the output folder, the data, then the settings (each fits 80 columns for usual names).
            console.Messages.WriteLine($"lowbit train: {config.Name} on {config.Data.Dataset} -> {outDir}");
            console.Messages.WriteLine($"  {data.Train.Count} train, {data.Validation?.Count ?? 0} validation, {data.Test.Count} test images; seed {config.Seed}, {config.Threads} thread(s), {config.Train.Epochs} epochs");
            TrainingOutcome outcome = console.Run(observer => RunTrainer(config, data, folderLock, observer, checkpoint, cts.Token));
            if (!outcome.Completed)
            {
                console.Interrupted(outDir);
                return ExitCodes.Interrupted;
            }
            var r = outcome.Result!;
            console.Completed(string.Create(CultureInfo.InvariantCulture,
                $"test error {100 * r["test_error"]!.GetValue<double>():F2} % (accuracy {100 * r["test_accuracy"]!.GetValue<double>():F2} %) at best validation epoch {r["best_epoch"]}{Environment.NewLine}{r["train_examples_per_second"]} train images/s; results in {Path.Combine(outDir, "result.json")}"),
                r, Path.Combine(outDir, "result.json"));
            return ExitCodes.Ok;
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
        }
    }

    private static TrainingOutcome RunTrainer(ExperimentConfig config, RunData data, OutputFolderLock folder, ITrainingObserver observer, RunCheckpoint? checkpoint, CancellationToken token)
    {
        var trainer = new Trainer(config, data, folder.Folder, observer);
        if (checkpoint is not null) trainer.Resume(checkpoint);
        folder.RequireFreeSpace(CheckpointBytesLowerBound(trainer), "each checkpoint");
        return trainer.Run(token);
    }

    /// <summary>Model tensors, plus the moments the optimizer keeps per parameter (Adam and AdaMax two, SGD with momentum one).</summary>
    private static long CheckpointBytesLowerBound(Trainer trainer)
    {
        long model = trainer.Model.StateDict().Values.Sum(t => (long)t.Length * (t.DType == Lowbit.Tensors.DType.Float64 ? 8 : 4));
        long parameters = trainer.Model.NamedParameters().Sum(p => (long)p.Parameter.Value.Length * 4);
        var optimizer = trainer.Config.Optimizer;
        int moments = optimizer.Type switch
        {
            "adam" or "adamax" or "shift_adamax" => 2,
            "sgd" when optimizer.Momentum > 0 => 1,
            _ => 0,
        };
        return model + moments * parameters;
    }

    internal static void RequireNoRun(string outDir)
    {
        if (File.Exists(Path.Combine(outDir, Trainer.CheckpointFile)))
            throw new UserException($"'{outDir}' already holds a run ({Trainer.CheckpointFile}); pass --resume to continue it or choose another --out.");
    }
}
