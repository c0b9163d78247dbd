using System.CommandLine;
using System.CommandLine.Help;
using Lowbit.Training;

namespace Lowbit.Cli;

/// <summary>
/// What <c>lowbit</c> says about a command line that does not parse: help when a command that has subcommands is given
/// none (<c>lowbit</c>, <c>lowbit bench</c>), and one line with suggestions for mistyped commands and options. Generic
/// over the command tree: the candidates are whatever commands and options exist.
/// </summary>
internal static class UsageErrors
{
    /// <summary>
    /// True when the only problem is a missing subcommand (no unmatched word): the caller prints that command's help
    /// instead of an error.
    /// </summary>
    public static bool IsMissingSubcommand(ParseResult parse)
    {
        ArgumentNullException.ThrowIfNull(parse);
        var command = parse.CommandResult.Command;
        return parse.UnmatchedTokens.Count == 0 && command.Subcommands.Count > 0 && command.Action is null;
    }

    /// <summary>Wraps the help of every command of <paramref name="root"/> at <paramref name="width"/> columns.</summary>
    public static void SetHelpWidth(RootCommand root, int width)
    {
        ArgumentNullException.ThrowIfNull(root);
        foreach (var help in root.Options.OfType<HelpOption>())
        {
            if (help.Action is HelpAction action) action.MaxWidth = width;
        }
    }

    /// <summary>
    /// A word like "--ttle" taken as a positional argument (a run folder) of a command that has some, when no such file or
    /// folder exists: the message for a mistyped option, or null when there is none.
    /// </summary>
    public static string? OptionLikeArgument(ParseResult parse)
    {
        ArgumentNullException.ThrowIfNull(parse);
        var values = parse.CommandResult.Children.OfType<System.CommandLine.Parsing.ArgumentResult>().SelectMany(a => a.Tokens).Select(t => t.Value);
        string? word = values.FirstOrDefault(v => v.StartsWith("--", StringComparison.Ordinal) && !File.Exists(v) && !Directory.Exists(v));
        return word is null ? null : UnknownOption(word, parse.CommandResult.Command, CommandPath(parse), parse.RootCommandResult.Command);
    }

    /// <summary>The one-line message (without the "lowbit: " prefix) for a command line with parse errors.</summary>
    public static string Message(ParseResult parse)
    {
        ArgumentNullException.ThrowIfNull(parse);
        var command = parse.CommandResult.Command;
        string path = CommandPath(parse);
        if (parse.UnmatchedTokens.Count > 0)
        {
            string word = parse.UnmatchedTokens[0];
            return word.StartsWith('-') ? UnknownOption(word, command, path, parse.RootCommandResult.Command) : UnknownWord(word, command, path);
        }

        return ErrorText.OneLine(parse.Errors[0].Message);
    }

    private static string UnknownWord(string word, Command command, string path)
    {
        var visible = command.Subcommands.Where(c => !c.Hidden).ToList();
        if (visible.Count == 0)
        {
            return $"'{path}' takes no argument '{word}' (options start with --; {path} --help lists them).";
        }

        var close = Suggestions.For(word, visible.SelectMany(c => c.Aliases.Prepend(c.Name)));
        string hint = close.Count > 0 ? $"; did you mean {Suggestions.Quoted(close)}?" : ".";
        return $"'{word}' is not a{(command.Parents.Any() ? $" '{path}'" : "")} command{hint} (see {path} --help)";
    }

    private static string UnknownOption(string word, Command command, string path, Command root)
    {
        if (OptionNames(command).Contains(word, StringComparer.Ordinal))
        {
            // Options belong to the command before them: `lowbit --config x train`.
            return $"'{word}' is an option of '{path}': put it after the command ({path} {word} ...).";
        }

        var close = Suggestions.For(word, OptionNames(command));
        if (close.Count > 0) return $"'{path}' has no option '{word}'; did you mean {Suggestions.Quoted(close)}?";
        // An option of another command (e.g. `lowbit --config x train`): say where it belongs.
        var owners = AllCommands(root).Where(c => OptionNames(c).Contains(word, StringComparer.Ordinal)).Select(c => FullName(c)).ToList();
        if (owners.Count > 0)
        {
            string shown = string.Join(", ", owners.Take(4)) + (owners.Count > 4 ? ", ..." : "");
            return $"'{path}' has no option '{word}'; it is an option of {shown}: put it after the command.";
        }

        return $"'{path}' has no option '{word}' ({path} --help lists its options).";
    }

    /// <summary>Names and aliases of the options <paramref name="command"/> accepts, its own and those inherited.</summary>
    private static IEnumerable<string> OptionNames(Command command)
    {
        var own = command.Options.Where(o => !o.Hidden);
        var inherited = command.Parents.OfType<Command>().SelectMany(Ancestors).SelectMany(c => c.Options).Where(o => o.Recursive && !o.Hidden);
        return own.Concat(inherited).SelectMany(o => o.Aliases.Prepend(o.Name));
    }

    private static IEnumerable<Command> Ancestors(Command command) =>
        command.Parents.OfType<Command>().SelectMany(Ancestors).Prepend(command);

    private static IEnumerable<Command> AllCommands(Command root) => root.Subcommands.SelectMany(AllCommands).Prepend(root);

    private static string FullName(Command command)
    {
        var names = new List<string>();
        for (Command? c = command; c is not null; c = c.Parents.OfType<Command>().FirstOrDefault()) names.Add(c.Parents.Any() ? c.Name : "lowbit");
        names.Reverse();
        return string.Join(' ', names);
    }

    private static string CommandPath(ParseResult parse) => FullName(parse.CommandResult.Command);
}
