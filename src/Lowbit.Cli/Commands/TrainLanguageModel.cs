using System.Globalization;
using Lowbit.Training;
using Lowbit.Training.Config;
using Lowbit.Training.Language;

namespace Lowbit.Cli.Commands;

/// <summary>The language-model branch of <c>lowbit train</c> (configs on the text datasets ptb and chars).</summary>
internal static class TrainLanguageModel
{
    public static int Run(ExperimentConfig config, string outDir, bool resume, bool quiet, TextWriter output, TextWriter error)
    {
        // Validate the layer list before reading the text (data.vocabulary sizes the model when given).
        if (config.Data.Vocabulary is int vocabulary) SequenceLayers.Validate(config, ModelBuilder.Build(config, [vocabulary]));
        var corpus = DataResolver.LoadText(config.Data);
        using var cts = new CancellationTokenSource();
        ConsoleCancelEventHandler onCancel = (_, e) =>
        {
            e.Cancel = true;
            cts.Cancel();
        };
        Console.CancelKeyPress += onCancel;
        try
        {
            string unit = corpus.Level == Lowbit.Data.Text.TokenLevel.Word ? "words" : "characters";
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"lowbit train: {config.Name} on {config.Data.Dataset} '{corpus.Name}' ({corpus.Vocabulary.Count} tokens; {corpus.Train.Length} train, {corpus.Validation.Length} validation, {corpus.Test.Length} test {unit}), batch {config.Train.BatchSize} × bptt {config.Train.Bptt}, seed {config.Seed}, {config.Threads} thread(s), {config.Train.Epochs} epochs -> {outDir}"));
            bool interactive = !quiet && !Console.IsOutputRedirected && ReferenceEquals(output, Console.Out);
            LanguageModelOutcome? outcome = null;
            if (interactive)
                ProgressObserver.RunWithProgress(observer => Wrap(outcome = RunTrainer(config, corpus, outDir, observer, resume, cts.Token)));
            else
                outcome = RunTrainer(config, corpus, outDir, new LineObserver(output), resume, cts.Token);
            if (!outcome!.Completed)
            {
                error.WriteLine($"lowbit: interrupted; checkpoint saved in {outDir}. Continue with: lowbit train --out {outDir} --resume");
                return ExitCodes.Interrupted;
            }

            var r = outcome.Result!;
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"test perplexity {r["test_perplexity"]} per {r["perplexity_per"]} at best validation epoch {r["best_epoch"]} (validation {r["best_val_perplexity"]}); {r["train_tokens_per_second"]} train tokens/s; results in {Path.Combine(outDir, "result.json")}"));
            return ExitCodes.Ok;
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
        }
    }

    /// <summary>The progress wrapper expects an image-training outcome; the language-model outcome is kept by the caller.</summary>
    private static TrainingOutcome Wrap(LanguageModelOutcome outcome) => new(outcome.Completed, new TrainerState(), outcome.OutputDirectory, outcome.Result);

    private static LanguageModelOutcome RunTrainer(ExperimentConfig config, Lowbit.Data.Text.LanguageCorpus corpus, string outDir, ITrainingObserver observer, bool resume, CancellationToken token)
    {
        var trainer = new LanguageModelTrainer(config, corpus, outDir, observer);
        if (resume) trainer.Resume();
        return trainer.Run(token);
    }
}
