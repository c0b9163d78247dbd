using Lowbit.Cli.Commands;

namespace Lowbit.Cli.Tests;

/// <summary><c>lowbit configs</c> and shipped configs found by name (the configs are copied next to the executable).</summary>
public class ConfigsCommandTests
{
    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        int code = CliApp.Run(args, o, e);
        return (code, o.ToString(), e.ToString());
    }

    [Fact]
    public void Configs_ListsEveryShippedConfigWithADescription()
    {
        var (code, output, error) = Run("configs");
        Assert.Equal(0, code);
        Assert.Equal("", error);
        string folder = Paths.ShippedConfigFolder()!;
        int shipped = Directory.GetFiles(folder, "*.json").Length;
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')).ToList();
        Assert.StartsWith($"{shipped} configs in ", lines[0]);
        Assert.Equal(1 + 2 * shipped, lines.Count);
        int at = lines.IndexOf("mnist-binarynet");
        Assert.True(at > 0, output);
        Assert.StartsWith("    BinaryNet (Courbariaux, Hubara et al. 2016) MLP on", lines[at + 1]);
        Assert.All(lines, l => Assert.True(l.Length <= 80 || l.EndsWith("(lowbit train --config NAME):", StringComparison.Ordinal), l));
        Assert.DoesNotContain("(no description)", output);
    }

    [Fact]
    public void Description_FirstSentenceOfTheLeadingComment_CutAtAWord()
    {
        Assert.Equal("A b c", ConfigsCommand.Description(["{", "  // A b c. Second sentence.", "  \"name\": \"x\""]));
        Assert.Equal("One sentence over two lines", ConfigsCommand.Description(["{", "// One sentence", "// over two lines.", "}"]));
        Assert.Equal("(no description)", ConfigsCommand.Description(["{", "\"name\": \"x\""]));
        string longText = string.Join(' ', Enumerable.Repeat("word", 40));
        string cut = ConfigsCommand.Description(["{", "// " + longText]);
        Assert.True(cut.Length <= 76, cut);
        Assert.EndsWith("word…", cut);
    }

    [Theory]
    [InlineData("mnist-binarynet.json")]
    [InlineData("mnist-binarynet")]
    public void Summary_ConfigByName_FindsTheShippedConfig(string name)
    {
        var (code, output, error) = Run("summary", "--config", name, "--json");
        Assert.True(code == 0, error);
        Assert.Contains("\"name\": \"mnist-binarynet\"", output);
    }

    [Fact]
    public void UnknownName_OneLineErrorPointingAtConfigs()
    {
        var (code, _, error) = Run("train", "--config", "no-such-config.json");
        Assert.Equal(ExitCodes.UserError, code);
        Assert.Equal("lowbit: config 'no-such-config.json' is neither a file nor a shipped config (lowbit configs lists them); pass --config PATH.", error.TrimEnd());
    }
}
