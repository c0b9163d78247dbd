using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Lowbit.Cli.Observers;
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
        var json = new Option<bool>("--json") { Description = "Print the results as one JSON object." };
        var cmd = new Command("eval", "Evaluate a checkpoint: test error and accuracy (validation and test perplexity for a language model).") { checkpoint, data, json };
        cmd.SetAction(parse => Run(parse.GetValue(checkpoint)!, parse.GetValue(data), parse.GetValue(json), output));
        return cmd;
    }

    private static int Run(string path, string? dataPath, bool json, TextWriter output)
    {
        var (model, config, _, _) = CheckpointModel.Load(path, dataPath);
        if (config.Data.IsText) return EvaluateLanguageModel(config, model, json, path, output);
        var run = DataResolver.Load(config.Data);
        using var threads = Lowbit.Tensors.Compute.UseThreads(config.Threads);
        var (loss, accuracy) = Evaluator.Evaluate(model, Components.CreateLoss(config.Loss), run.Test, run.Normalization, config.Train.EvalBatchSize);
        if (json)
        {
            output.WriteLine(new JsonObject
            {
                ["checkpoint"] = path, ["model"] = config.Name, ["dataset"] = config.Data.Dataset, ["split"] = "test", ["examples"] = run.Test.Count,
                ["error"] = 1 - accuracy, ["accuracy"] = accuracy, ["loss"] = JsonLinesObserver.Finite(loss),
            }.ToJsonString());
            return ExitCodes.Ok;
        }

        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{config.Name} on {config.Data.Dataset} test ({run.Test.Count} images): error {100 * (1 - accuracy):F2} %, accuracy {100 * accuracy:F2} %, loss {loss:F4}"));
        return ExitCodes.Ok;
    }

    /// <summary>Validation and test perplexity of a language-model checkpoint.</summary>
    private static int EvaluateLanguageModel(ExperimentConfig config, Lowbit.Nn.Layers.Sequential model, bool json, string path, TextWriter output)
    {
        var corpus = DataResolver.LoadText(config.Data);
        if (corpus.Vocabulary.Count != ((Lowbit.Nn.Layers.Embedding)model.Layers[0]).Vocabulary)
            throw new UserException($"the checkpoint's model has a {((Lowbit.Nn.Layers.Embedding)model.Layers[0]).Vocabulary}-token vocabulary but '{config.Data.Path}' has {corpus.Vocabulary.Count} tokens.");
        using var threads = Lowbit.Tensors.Compute.UseThreads(config.Threads);
        string per = corpus.Level == Lowbit.Data.Text.TokenLevel.Word ? "word" : "character";
        var result = new JsonObject { ["checkpoint"] = path, ["model"] = config.Name, ["dataset"] = config.Data.Dataset, ["perplexity_per"] = per };
        foreach (var (part, tokens) in new[] { ("validation", corpus.Validation), ("test", corpus.Test) })
        {
            var (loss, count) = Lowbit.Training.Language.LanguageModelEvaluator.Evaluate(model, tokens, config.Train.EvalBatchSize, config.Train.Bptt, $"{corpus.Name} {part} text");
            result[part] = new JsonObject
            {
                ["tokens"] = count, ["perplexity"] = JsonLinesObserver.Finite(Math.Exp(loss)), ["loss_nats"] = JsonLinesObserver.Finite(loss),
                ["loss_bits"] = JsonLinesObserver.Finite(loss / Math.Log(2)),
            };
            if (!json)
            {
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{config.Name} on {config.Data.Dataset} {part} ({count} predicted tokens): perplexity {Math.Exp(loss):F2} per {per}, loss {loss:F4} nats ({loss / Math.Log(2):F4} bits) per token"));
            }
        }

        if (json) output.WriteLine(result.ToJsonString());
        return ExitCodes.Ok;
    }
}
