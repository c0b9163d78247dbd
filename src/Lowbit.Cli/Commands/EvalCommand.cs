using System.CommandLine;
using System.Globalization;
using Lowbit.Training;
using Lowbit.Training.Checkpoints;
using Lowbit.Training.Config;

namespace Lowbit.Cli.Commands;

/// <summary><c>lowbit eval</c>: evaluates a checkpoint on its dataset's test set.</summary>
internal static class EvalCommand
{
    public static Command Create(TextWriter output)
    {
        var checkpoint = new Option<string>("--checkpoint") { Description = "Checkpoint file written by lowbit train (DIR/checkpoint.lbck).", Required = true };
        var data = new Option<string?>("--data") { Description = "Dataset folder (default: the one the run used)." };
        var cmd = new Command("eval", "Evaluate a checkpoint: test error and accuracy (validation and test perplexity for a language model).") { checkpoint, data };
        cmd.SetAction(parse => Run(parse.GetValue(checkpoint)!, parse.GetValue(data), output));
        return cmd;
    }

    private static int Run(string path, string? dataPath, TextWriter output)
    {
        var (model, config, _, _) = CheckpointModel.Load(path, dataPath);
        if (config.Data.IsText) return EvaluateLanguageModel(config, model, output);
        var run = DataResolver.Load(config.Data);
        using var threads = Lowbit.Tensors.Compute.UseThreads(config.Threads);
        var (loss, accuracy) = Evaluator.Evaluate(model, Components.CreateLoss(config.Loss), run.Test, run.Normalization, config.Train.EvalBatchSize);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{config.Name} on {config.Data.Dataset} test ({run.Test.Count} images): error {100 * (1 - accuracy):F2} %, accuracy {100 * accuracy:F2} %, loss {loss:F4}"));
        return ExitCodes.Ok;
    }

    /// <summary>Validation and test perplexity of a language-model checkpoint.</summary>
    private static int EvaluateLanguageModel(ExperimentConfig config, Lowbit.Nn.Layers.Sequential model, TextWriter output)
    {
        var corpus = DataResolver.LoadText(config.Data);
        if (corpus.Vocabulary.Count != ((Lowbit.Nn.Layers.Embedding)model.Layers[0]).Vocabulary)
            throw new UserException($"the checkpoint's model has a {((Lowbit.Nn.Layers.Embedding)model.Layers[0]).Vocabulary}-token vocabulary but '{config.Data.Path}' has {corpus.Vocabulary.Count} tokens.");
        using var threads = Lowbit.Tensors.Compute.UseThreads(config.Threads);
        string per = corpus.Level == Lowbit.Data.Text.TokenLevel.Word ? "word" : "character";
        foreach (var (part, tokens) in new[] { ("validation", corpus.Validation), ("test", corpus.Test) })
        {
            var (loss, count) = Lowbit.Training.Language.LanguageModelEvaluator.Evaluate(model, tokens, config.Train.EvalBatchSize, config.Train.Bptt, $"{corpus.Name} {part} text");
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{config.Name} on {config.Data.Dataset} {part} ({count} predicted tokens): perplexity {Math.Exp(loss):F2} per {per}, loss {loss:F4} nats ({loss / Math.Log(2):F4} bits) per token"));
        }

        return ExitCodes.Ok;
    }
}
