using System.CommandLine;
using System.Globalization;
using Lowbit.Training;
using Lowbit.Training.Checkpoints;

namespace Lowbit.Cli.Commands;

/// <summary><c>lowbit eval</c>: evaluates a checkpoint on its dataset's test set.</summary>
internal static class EvalCommand
{
    public static Command Create(TextWriter output)
    {
        var checkpoint = new Option<string>("--checkpoint") { Description = "Checkpoint file written by lowbit train (DIR/checkpoint.lbck).", Required = true };
        var data = new Option<string?>("--data") { Description = "Dataset folder (default: the one the run used)." };
        var cmd = new Command("eval", "Evaluate a checkpoint: test error and accuracy.") { checkpoint, data };
        cmd.SetAction(parse => Run(parse.GetValue(checkpoint)!, parse.GetValue(data), output));
        return cmd;
    }

    private static int Run(string path, string? dataPath, TextWriter output)
    {
        var (model, config, _, _) = CheckpointModel.Load(path, dataPath);
        var run = DataResolver.Load(config.Data);
        using var threads = Lowbit.Tensors.Compute.UseThreads(config.Threads);
        var (loss, accuracy) = Evaluator.Evaluate(model, Components.CreateLoss(config.Loss), run.Test, run.Normalization, config.Train.EvalBatchSize);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{config.Name} on {config.Data.Dataset} test ({run.Test.Count} images): error {100 * (1 - accuracy):F2} %, accuracy {100 * accuracy:F2} %, loss {loss:F4}"));
        return ExitCodes.Ok;
    }
}
