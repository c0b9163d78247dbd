using System.Text.Json.Nodes;
using Spectre.Console;
using static Lowbit.Cli.Tests.CliHarness;

namespace Lowbit.Cli.Tests;

/// <summary>
/// lowbit summary laid out for 80 and 120 columns (it needed about 210): every line fits, every layer is listed, the
/// columns left out are named, and without a width (a file or a pipe) every column is there.
/// </summary>
public sealed class SummaryLayoutTests
{
    public static TheoryData<string, string, int> Cases()
    {
        var data = new TheoryData<string, string, int>();
        foreach (string config in new[] { "mnist-binarynet", "cifar10-resnet20-binary", "fashion-mnist-hbb-1.4", "ptb-lstm-w2a2" })
        {
            foreach (int width in new[] { 80, 120 })
            {
                data.Add(config, "", width);
                if (config != "ptb-lstm-w2a2") data.Add(config, "fpga", width);
                if (config == "mnist-binarynet") data.Add(config, "asic", width);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Summary_FitsTheWidth_ListsEveryLayer_NamesWhatIsLeftOut(string config, string hardware, int width)
    {
        string[] target = hardware.Length == 0 ? [] : ["--hardware", hardware];
        var (code, output, error) = Run(["summary", "--config", config, .. target, "--width", width.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        Assert.True(code == 0, error);
        var lines = output.Split('\n').Select(l => l.TrimEnd('\r')).ToList();
        foreach (string line in lines) Assert.True(line.Length <= width, $"{line.Length} columns (> {width}):\n{line}");

        var json = JsonNode.Parse(Run(["summary", "--config", config, .. target, "--json"]).Out)!;
        var names = json["layers"]!.AsArray().Where(l => hardware.Length == 0 || (string)l!["datapath"]! != "None").Select(l => (string)l!["name"]!).ToList();
        Assert.NotEmpty(names);
        foreach (string name in names) Assert.Contains(lines, l => l.StartsWith("  " + name + " ", StringComparison.Ordinal));

        string header = lines.First(l => l.TrimStart().StartsWith("layer ", StringComparison.Ordinal));
        string? note = Unwrapped(lines).FirstOrDefault(l => l.StartsWith("Columns left out", StringComparison.Ordinal));
        var all = AllHeaders(config, target);
        var shown = all.Where(h => header.Contains(" " + h + " ", StringComparison.Ordinal) || header.TrimEnd().EndsWith(" " + h, StringComparison.Ordinal)).ToList();
        var leftOut = all.Except(shown).ToList();
        if (leftOut.Count == 0) Assert.Null(note);
        else Assert.Equal($"Columns left out at {width} columns: {string.Join(", ", leftOut)} (a wider terminal, --width N or --json shows them).", note);
        Assert.Contains("layer", shown);
        Assert.Contains("W/A", shown);
    }

    [Fact]
    public void Summary_WithoutWidth_NotATerminal_KeepsEveryColumn()
    {
        var (code, output, _) = Run("summary", "--config", "mnist-binarynet");
        Assert.Equal(0, code);
        string header = output.Split('\n').First(l => l.TrimStart().StartsWith("layer ", StringComparison.Ordinal));
        foreach (string h in AllHeaders("mnist-binarynet", [])) Assert.Contains(h, header, StringComparison.Ordinal);
        Assert.DoesNotContain("Columns left out", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Fit_TakesColumnsByPriority_WrapsTextBeforeDroppingIt_KeepsTheOrder()
    {
        LayoutColumn[] columns = [new("name", 0, false), new("description", 1, false, WrapWidth: 12), new("big number", 3), new("n", 2)];
        string[]?[] rows = [["first", "a long description of the row", "1,234,567,890", "1"], null, ["second", "short", "2", "22"]];
        var (wide, none) = TableLayout.Fit(columns, rows, null);
        Assert.Empty(none);
        Assert.Equal(4, wide.Columns.Count);

        var (narrow, leftOut) = TableLayout.Fit(columns, rows, 40);
        Assert.Equal(["big number"], leftOut);
        Assert.Equal(["name", "description", "n"], narrow.Columns.Select(Header).ToList());
        var text = new StringWriter();
        TableLayout.Console(text, 40).Write(narrow);
        Assert.All(text.ToString().Split('\n'), l => Assert.True(l.TrimEnd('\r').Length <= 40, l));
        Assert.Contains("a long", text.ToString(), StringComparison.Ordinal); // wrapped, not dropped
    }

    private static string Header(TableColumn column)
    {
        var text = new StringWriter();
        TableLayout.Console(text, 200).Write(column.Header);
        return text.ToString().Trim();
    }

    /// <summary>Every header of the table as printed without a width limit.</summary>
    private static List<string> AllHeaders(string config, string[] target)
    {
        string output = Run(["summary", "--config", config, .. target]).Out;
        string header = output.Split('\n').First(l => l.TrimStart().StartsWith("layer ", StringComparison.Ordinal));
        return header.Split("  ", StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();
    }

    /// <summary>Lines with the wrapped continuations of a paragraph joined back (a continuation does not start a sentence).</summary>
    private static IEnumerable<string> Unwrapped(List<string> lines)
    {
        for (int i = 0; i < lines.Count; i++)
        {
            string line = lines[i].TrimEnd();
            while (i + 1 < lines.Count && line.StartsWith("Columns left out", StringComparison.Ordinal) && !line.EndsWith("them).", StringComparison.Ordinal))
                line += " " + lines[++i].Trim();
            yield return line;
        }
    }
}
