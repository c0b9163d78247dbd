using System.Text.Json.Nodes;
using Lowbit.Training;
using Spectre.Console;

namespace Lowbit.Cli.Observers;

/// <summary>
/// Where <c>lowbit train</c> reports: a live progress bar on an interactive terminal, one line per epoch otherwise
/// (--quiet, pipes, files), and with --json one JSON object per line on standard output (epochs, then the result)
/// with every message for people on standard error.
/// </summary>
/// <param name="output">Standard output.</param>
/// <param name="error">Standard error.</param>
/// <param name="quiet">No progress bar.</param>
/// <param name="json">JSON lines on <paramref name="output"/>.</param>
internal sealed class TrainingConsole(TextWriter output, TextWriter error, bool quiet, bool json)
{
    /// <summary>Where messages for people go: standard error with --json, standard output otherwise.</summary>
    public TextWriter Messages => json ? error : output;

    /// <summary>Standard error (errors, whatever the format of the output).</summary>
    public TextWriter Error => error;

    /// <summary>
    /// The same console without the live progress bar: under mpirun a process's output reaches the user through the
    /// launcher (a pseudo-terminal even when the user redirects mpirun to a file), so lines are the safe choice.
    /// </summary>
    public TrainingConsole WithoutProgressBar() => new(output, error, true, json);

    /// <summary>Runs the trainer with the observer that suits the output.</summary>
    public T Run<T>(Func<ITrainingObserver, T> run)
    {
        ArgumentNullException.ThrowIfNull(run);
        if (json) return run(new JsonLinesObserver(output, error));
        bool interactive = !quiet && ReferenceEquals(output, Console.Out) && !Console.IsOutputRedirected;
        return interactive ? ProgressObserver.Run(AnsiConsole.Console, run) : run(new LineObserver(output));
    }

    /// <summary>The end of a completed run: the line for people, and with --json the result as the last JSON line.</summary>
    /// <param name="line">The summary line for people.</param>
    /// <param name="result">The run's result.json object.</param>
    /// <param name="path">Where result.json was written.</param>
    public void Completed(string line, JsonObject result, string path)
    {
        ArgumentNullException.ThrowIfNull(result);
        Messages.WriteLine(line);
        if (json) output.WriteLine(new JsonObject { ["event"] = "result", ["path"] = path, ["result"] = result.DeepClone() }.ToJsonString());
    }

    /// <summary>An interrupted run: the line on standard error, and with --json an "interrupted" JSON line.</summary>
    public void Interrupted(string outDir)
    {
        error.WriteLine($"lowbit: interrupted; checkpoint saved in {outDir}. Continue with: lowbit train --out {outDir} --resume");
        if (json) output.WriteLine(new JsonObject { ["event"] = "interrupted", ["checkpoint"] = Path.Combine(outDir, Trainer.CheckpointFile) }.ToJsonString());
    }
}
