using System.CommandLine;
using Lowbit.Cli.Commands;
using Lowbit.Quantization;
using Lowbit.Training;
using Lowbit.Training.Config;

namespace Lowbit.Cli;

/// <summary>Builds the command tree and maps failures to exit codes.</summary>
public static class CliApp
{
    /// <summary>Parses and runs <paramref name="args"/>, writing to the given streams; returns the exit code.</summary>
    /// <remarks>
    /// User errors (see <see cref="IsUserError"/>) print one line, "lowbit: message", and return
    /// <see cref="ExitCodes.UserError"/>; anything else is a fault of lowbit: the stack trace and
    /// <see cref="ExitCodes.InternalError"/>.
    /// </remarks>
    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        try
        {
            var root = Build(output, error);
            var parse = root.Parse(args);
            if (parse.Errors.Count > 0)
            {
                error.WriteLine($"lowbit: {ErrorText.OneLine(parse.Errors[0].Message)}");
                return ExitCodes.UserError;
            }
            return parse.Invoke(new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false });
        }
        catch (Exception e) when (IsUserError(e))
        {
            error.WriteLine($"lowbit: {ErrorText.OneLine(e.Message)}");
            return ExitCodes.UserError;
        }
        catch (TrainingDivergedException e)
        {
            error.WriteLine($"lowbit: training stopped: {ErrorText.OneLine(e.Message)}");
            return ExitCodes.Diverged;
        }
        catch (Exception e)
        {
            error.WriteLine($"lowbit: internal error (please report): {e}");
            return ExitCodes.InternalError;
        }
    }

    /// <summary>
    /// Exceptions caused by the user's input or environment rather than by a bug: invalid configs and options, missing
    /// or malformed files, and input/output failures (a folder in the way, permission denied, disk full), whose
    /// messages name the path.
    /// </summary>
    public static bool IsUserError(Exception e) => e is ConfigException or QuantizerConfigException or UserException
        or IOException or InvalidDataException or UnauthorizedAccessException;

    /// <summary>The command tree.</summary>
    public static RootCommand Build(TextWriter output, TextWriter error)
    {
        var root = new RootCommand("Lowbit: train, inspect and deploy low-bitwidth neural networks.");
        root.Subcommands.Add(TrainCommand.Create(output, error));
        root.Subcommands.Add(EvalCommand.Create(output));
        root.Subcommands.Add(BenchCommand.Create(output));
        root.Subcommands.Add(SummaryCommand.Create(output));
        root.Subcommands.Add(ExportCommand.Create(output));
        root.Subcommands.Add(InferCommand.Create(output));
        root.Subcommands.Add(PlotCommand.Create(output));
        root.Subcommands.Add(RadixPlotCommand.Create(output));
        root.Subcommands.Add(ConfigsCommand.Create(output));
        return root;
    }
}

/// <summary>An expected user error with a one-line message.</summary>
public sealed class UserException(string message) : Exception(message);
