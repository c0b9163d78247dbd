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
            UsageErrors.SetHelpWidth(root, TerminalWidth(output));
            var parse = root.Parse(args);
            var invocation = new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false };
            if (parse.Errors.Count > 0 && UsageErrors.IsMissingSubcommand(parse))
            {
                // `lowbit` alone, or a command group without its subcommand: what can be run, as --help shows it.
                return root.Parse([.. args, "--help"]).Invoke(invocation);
            }

            if (parse.Errors.Count > 0)
            {
                error.WriteLine($"lowbit: {UsageErrors.Message(parse)}");
                return ExitCodes.UserError;
            }
            if (UsageErrors.OptionLikeArgument(parse) is string misplaced)
            {
                error.WriteLine($"lowbit: {misplaced}");
                return ExitCodes.UserError;
            }

            return parse.Invoke(invocation);
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
    /// Columns of the terminal <paramref name="output"/> is shown on, or 80 when it is not a terminal (a file, a pipe, a
    /// test's writer): help and tables are laid out for 80 columns unless the terminal says otherwise.
    /// </summary>
    internal static int TerminalWidth(TextWriter output)
    {
        if (!ReferenceEquals(output, Console.Out) || Console.IsOutputRedirected) return DefaultWidth;
        try
        {
            return Console.WindowWidth > 0 ? Console.WindowWidth : DefaultWidth;
        }
        catch (IOException)
        {
            return DefaultWidth;
        }
    }

    /// <summary>Width assumed when the output is not a terminal.</summary>
    internal const int DefaultWidth = 80;

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
        root.Subcommands.Add(InferCommand.Create(output, error));
        root.Subcommands.Add(PlotCommand.Create(output));
        root.Subcommands.Add(RadixPlotCommand.Create(output));
        root.Subcommands.Add(CurvePlotCommand.Create(output));
        root.Subcommands.Add(ConfigsCommand.Create(output));
        root.Subcommands.Add(ReportCommand.Create(output));
        return root;
    }
}

/// <summary>An expected user error with a one-line message.</summary>
public sealed class UserException(string message) : Exception(message);
