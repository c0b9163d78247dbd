using System.CommandLine;
using static Lowbit.Cli.Tests.CliHarness;

namespace Lowbit.Cli.Tests;

/// <summary>
/// The command line before any command runs: help for `lowbit` alone and for a group without its subcommand, one-line
/// errors with suggestions for mistyped commands and options, --version. Checked over the whole command tree, so commands
/// added later are covered.
/// </summary>
public sealed class UsageTests
{
    private static readonly RootCommand s_tree = CliApp.Build(TextWriter.Null, TextWriter.Null);

    private static IEnumerable<Command> Commands(Command c) => c.Subcommands.SelectMany(Commands).Prepend(c);

    [Fact]
    public void NoCommand_PrintsHelpListingEveryCommand_At80Columns_Exit0()
    {
        var (code, output, error) = Run();
        Assert.Equal(ExitCodes.Ok, code);
        Assert.Equal("", error);
        Assert.Contains("Usage:", output, StringComparison.Ordinal);
        foreach (var command in s_tree.Subcommands) Assert.Contains("  " + command.Name + " ", output, StringComparison.Ordinal);
        AssertFits(output, CliApp.DefaultWidth);
    }

    [Fact]
    public void GroupWithoutSubcommand_PrintsItsHelp()
    {
        foreach (var group in Commands(s_tree).Where(c => c.Parents.Any() && c.Subcommands.Count > 0 && c.Action is null))
        {
            var (code, output, error) = Run(group.Name);
            Assert.True(code == ExitCodes.Ok && error.Length == 0, $"lowbit {group.Name}: exit {code}, stderr {error}");
            Assert.Contains($" {group.Name} [command]", output, StringComparison.Ordinal);
            foreach (var sub in group.Subcommands) Assert.Contains("  " + sub.Name + " ", output, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void EveryCommandsHelp_FitsIn80Columns()
    {
        foreach (var command in Commands(s_tree).Where(c => c.Parents.Any()))
        {
            string[] path = Path(command);
            var (code, output, _) = Run([.. path, "--help"]);
            Assert.Equal(ExitCodes.Ok, code);
            AssertFits(output, CliApp.DefaultWidth, string.Join(' ', path));
        }
    }

    [Fact]
    public void MistypedCommand_OneLineWithSuggestion()
    {
        Assert.Equal("lowbit: 'trian' is not a command; did you mean 'train'? (see lowbit --help)",
            AssertOneLineUserError(Run("trian"), "'train'"));
        AssertOneLineUserError(Run("sumary", "--config", "x.json"), "did you mean 'summary'?");
        AssertOneLineUserError(Run("bench", "trian"), "not a 'lowbit bench' command; did you mean 'train'?");
        string none = AssertOneLineUserError(Run("deploy"), "'deploy' is not a command", "see lowbit --help");
        Assert.DoesNotContain("did you mean", none, StringComparison.Ordinal);
    }

    [Fact]
    public void EveryCommandName_WithTwoLettersSwapped_IsSuggested()
    {
        foreach (var command in Commands(s_tree).Where(c => c.Parents.Any() && c.Name.Length >= 4))
        {
            string name = command.Name;
            string typo = name[0] + name[2].ToString() + name[1] + name[3..];
            string[] path = [.. Path(command)[..^1], typo];
            AssertOneLineUserError(Run(path), $"'{typo}' is not a", $"'{name}'");
        }
    }

    [Fact]
    public void MistypedOption_OneLineWithSuggestion()
    {
        Assert.Equal("lowbit: 'lowbit train' has no option '--confg'; did you mean '--config'?", AssertOneLineUserError(Run("train", "--confg", "x.json")));
        AssertOneLineUserError(Run("--verison"), "did you mean '--version'?");
        AssertOneLineUserError(Run("summary", "--hardwar", "fpga"), "did you mean '--hardware'?");
        AssertOneLineUserError(Run("train", "--zzzz"), "'lowbit train' has no option '--zzzz'", "lowbit train --help");
    }

    [Fact]
    public void EveryLongOption_WithALetterDropped_IsSuggested()
    {
        foreach (var command in Commands(s_tree).Where(c => c.Parents.Any()))
        {
            foreach (var option in command.Options.Where(o => !o.Hidden && o.Name.StartsWith("--", StringComparison.Ordinal) && o.Name.Length >= 6))
            {
                string typo = option.Name.Remove(3, 1);
                if (command.Options.Any(o => o.Name == typo || o.Aliases.Contains(typo))) continue;
                AssertOneLineUserError(Run([.. Path(command), typo]), $"no option '{typo}'", $"'{option.Name}'");
            }
        }
    }

    [Fact]
    public void OptionBeforeItsCommand_SaysWhereItGoes()
    {
        AssertOneLineUserError(Run("--config", "x.json", "train"), "'--config' is an option of 'lowbit train': put it after the command");
        AssertOneLineUserError(Run("--checkpoint", "c.lbck"), "'--checkpoint'", "lowbit eval", "put it after the command");
    }

    [Fact]
    public void StrayArgument_OneLine() =>
        AssertOneLineUserError(Run("train", "extra"), "'lowbit train' takes no argument 'extra'");

    [Fact]
    public void Version_PrintsTheAssemblyVersion()
    {
        var (code, output, error) = Run("--version");
        Assert.Equal(ExitCodes.Ok, code);
        Assert.Equal("", error);
        Assert.Matches(@"^\d+\.\d+\.\d+", output.Trim());
    }

    private static string[] Path(Command command)
    {
        var names = new List<string>();
        for (Command? c = command; c is not null && c.Parents.Any(); c = c.Parents.OfType<Command>().FirstOrDefault()) names.Add(c.Name);
        names.Reverse();
        return [.. names];
    }

    private static void AssertFits(string text, int width, string what = "lowbit")
    {
        foreach (var line in text.Split('\n'))
            Assert.True(line.TrimEnd().Length <= width, $"{what}: a line of {line.TrimEnd().Length} columns (> {width}):\n{line}");
    }
}
