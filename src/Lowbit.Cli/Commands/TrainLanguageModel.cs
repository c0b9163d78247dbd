using System.Globalization;
using Lowbit.Cli.Observers;
using Lowbit.Training;
using Lowbit.Training.Checkpoints;
using Lowbit.Training.Config;
using Lowbit.Training.Language;

namespace Lowbit.Cli.Commands;

/// <summary>The language-model branch of <c>lowbit train</c> (configs on the text datasets ptb and chars).</summary>
internal static class TrainLanguageModel
{
    /// <param name="config">The run's config (for a resumed run, the one saved in its checkpoint).</param>
    /// <param name="outDir">The output folder.</param>
    /// <param name="resumeOverrides">Null for a new run; for --resume, the --set overrides to re-apply when the
    /// checkpoint is read again under the folder lock.</param>
    /// <param name="console">Where progress, messages and the result go.</param>
    public static int Run(ExperimentConfig config, string outDir, string[]? resumeOverrides, TrainingConsole console)
    {
        // Validate the layer list before reading the text (data.vocabulary sizes the model when given).
        if (config.Data.Vocabulary is int vocabulary) SequenceLayers.Validate(config, ModelBuilder.Build(config, [vocabulary]));
        var corpus = DataResolver.LoadText(config.Data);
        // From here on the folder is ours alone (a second train on it stops here), and known to be writable.
        using var folderLock = OutputFolderLock.Acquire(outDir, "lowbit train", Trainer.CheckpointFile, "result.json", "metrics.csv");
        RunCheckpoint? checkpoint = null;
        if (resumeOverrides is not null) checkpoint = RunCheckpoint.Load(Path.Combine(outDir, Trainer.CheckpointFile), resumeOverrides); // as of now, under the lock
        else TrainCommand.RequireNoRun(outDir);
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
            string unit = corpus.Level == Lowbit.Data.Text.TokenLevel.Word ? "words" : "characters";
            console.Messages.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"lowbit train: {config.Name} on {config.Data.Dataset} '{corpus.Name}' -> {outDir}{Environment.NewLine}" +
                $"  {corpus.Train.Length} train, {corpus.Validation.Length} validation, {corpus.Test.Length} test {unit}; {corpus.Vocabulary.Count}-token vocabulary{Environment.NewLine}" +
                $"  batch {config.Train.BatchSize} × bptt {config.Train.Bptt}, seed {config.Seed}, {config.Threads} thread(s), {config.Train.Epochs} epochs"));
            var outcome = console.Run(observer => RunTrainer(config, corpus, folderLock, observer, checkpoint, cts.Token));
            if (!outcome.Completed)
            {
                console.Interrupted(outDir);
                return ExitCodes.Interrupted;
            }

            var r = outcome.Result!;
            console.Completed(string.Create(CultureInfo.InvariantCulture,
                $"test perplexity {r["test_perplexity"]} per {r["perplexity_per"]} at best validation epoch {r["best_epoch"]} (validation {r["best_val_perplexity"]}){Environment.NewLine}{r["train_tokens_per_second"]} train tokens/s; results in {Path.Combine(outDir, "result.json")}"),
                r, Path.Combine(outDir, "result.json"));
            return ExitCodes.Ok;
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
        }
    }

    private static LanguageModelOutcome RunTrainer(ExperimentConfig config, Lowbit.Data.Text.LanguageCorpus corpus, OutputFolderLock folder, ITrainingObserver observer, RunCheckpoint? checkpoint, CancellationToken token)
    {
        var trainer = new LanguageModelTrainer(config, corpus, folder.Folder, observer);
        if (checkpoint is not null) trainer.Resume(checkpoint);
        // Model tensors plus up to two optimizer moments per parameter (Adam), float32.
        long parameters = trainer.Model.NamedParameters().Sum(p => (long)p.Parameter.Value.Length * 4);
        folder.RequireFreeSpace(parameters * 3, "each checkpoint");
        return trainer.Run(token);
    }
}
